"""Reference data of the co-creation process: regions, themes, organisation types.

Labels here are the Spanish ones SGP publishes (exports, statistics, SQL views); the chat shows
translated labels through the catalogs (handlers/labels.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Region:
    code: str  # INEI ubigeo department code
    name: str


# Peru's 24 departments and the Constitutional Province of Callao, by INEI ubigeo code.
REGIONS: tuple[Region, ...] = tuple(
    Region(code, name)
    for code, name in (
        ("01", "Amazonas"), ("02", "Áncash"), ("03", "Apurímac"), ("04", "Arequipa"),
        ("05", "Ayacucho"), ("06", "Cajamarca"), ("07", "Callao"), ("08", "Cusco"),
        ("09", "Huancavelica"), ("10", "Huánuco"), ("11", "Ica"), ("12", "Junín"),
        ("13", "La Libertad"), ("14", "Lambayeque"), ("15", "Lima"), ("16", "Loreto"),
        ("17", "Madre de Dios"), ("18", "Moquegua"), ("19", "Pasco"), ("20", "Piura"),
        ("21", "Puno"), ("22", "San Martín"), ("23", "Tacna"), ("24", "Tumbes"),
        ("25", "Ucayali"),
    )
)  # fmt: skip
REGION_BY_CODE = {region.code: region for region in REGIONS}
# The regions of the first regional workshops and the national tables, offered first.
FEATURED_REGIONS = ("13", "22", "04", "15")


class Theme(StrEnum):
    SALUD = "salud"
    EDUCACION = "educacion"
    INFRAESTRUCTURA = "infraestructura"
    SANEAMIENTO = "saneamiento"
    AMBIENTE = "ambiente"
    SEGURIDAD = "seguridad"


THEME_NAMES = {
    Theme.SALUD: "Salud",
    Theme.EDUCACION: "Educación",
    Theme.INFRAESTRUCTURA: "Infraestructura",
    Theme.SANEAMIENTO: "Saneamiento",
    Theme.AMBIENTE: "Ambiente",
    Theme.SEGURIDAD: "Seguridad ciudadana",
}


class Sector(StrEnum):
    PUBLICO = "publico"
    SOCIEDAD_CIVIL = "sociedad_civil"


class OrgType(StrEnum):
    ENTIDAD_PUBLICA = "entidad_publica"
    ONG = "ong"
    ACADEMIA = "academia"
    COOPERACION = "cooperacion"
    EMPRESA = "empresa"
    PERSONAL = "personal"

    @property
    def sector(self) -> Sector | None:
        if self is OrgType.ENTIDAD_PUBLICA:
            return Sector.PUBLICO
        if self is OrgType.PERSONAL:
            return None
        return Sector.SOCIEDAD_CIVIL

    @property
    def has_organisation(self) -> bool:
        return self is not OrgType.PERSONAL


ORG_TYPE_NAMES = {
    OrgType.ENTIDAD_PUBLICA: "Entidad pública",
    OrgType.ONG: "ONG",
    OrgType.ACADEMIA: "Academia",
    OrgType.COOPERACION: "Cooperación internacional",
    OrgType.EMPRESA: "Empresa privada",
    OrgType.PERSONAL: "A título personal",
}
SECTOR_NAMES = {Sector.PUBLICO: "Sector público", Sector.SOCIEDAD_CIVIL: "Organización de la Sociedad Civil"}
