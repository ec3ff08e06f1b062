"""The export datasets: their SQL view, filters and the meaning of every column.

The columns listed here are exactly the views' columns (tests/test_exports.py holds them together),
and they are the column names of every export file and of the open-data `diccionario.csv`.
"""

from __future__ import annotations

from dataclasses import dataclass

# Column kinds written in diccionario.csv.
INT, TEXT, TIME, FLAG = "entero", "texto", "fecha y hora (UTC, AAAA-MM-DD HH:MM:SS)", "0 o 1"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str
    description: str
    personal: bool = False  # left out of the open-data release
    person: bool = False  # a person's id: a pseudonym in the open-data release


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    view: str
    file: str  # file name in the open-data release (without extension)
    description: str
    since: str  # the column --since compares with
    columns: tuple[Column, ...]
    filters: tuple[str, ...]  # of region, theme, consultation (since always applies)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def has_hidden(self) -> bool:
        return "oculto" in self.names


def _labelled(code: str, what: str) -> tuple[Column, Column]:
    return (
        Column(f"{code}_codigo", TEXT, f"{what}: código"),
        Column(code, TEXT, f"{what}: nombre en español"),
    )


_REGION = _labelled("region", "Región (departamento, código de ubigeo INEI)")
_THEME = _labelled("eje", "Eje temático")
_ORG_TYPE = _labelled("tipo_organizacion", "Tipo de organización (a título personal: sin organización)")
_SECTOR = _labelled(
    "sector", "Sector: público u Organización de la Sociedad Civil (vacío: a título personal)"
)
_CHANNEL = _labelled("canal", "Canal por el que llegó el aporte (Telegram, foro virtual, correo, taller)")
_PERSON = Column("persona_id", INT, "Persona (en datos abiertos: seudónimo estable)", person=True)
_HIDDEN = Column("oculto", FLAG, "1: comentario ocultado por moderación (fuera de los datos abiertos)")
_SMART = tuple(
    column
    for code, name in (
        ("especifico", "Específico"),
        ("medible", "Medible"),
        ("realizable", "Realizable"),
        ("realista", "Realista"),
        ("plazos", "Con plazos establecidos"),
    )
    for column in _labelled(code, f"Criterio SMART «{name}»: cumple, cumple en parte, no cumple, no sé")
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "feedback",
            "v_feedback",
            "opiniones",
            "Opiniones sobre los compromisos en borrador (apoyo, criterios SMART, comentario)",
            "fecha_utc",
            (
                Column("id", INT, "Número de la opinión"),
                Column("fecha_utc", TIME, "Fecha de la opinión"),
                Column("actualizado_utc", TIME, "Última modificación"),
                *_CHANNEL,
                Column("consulta_codigo", TEXT, "Consulta: código"),
                Column("consulta", TEXT, "Consulta: título"),
                Column("compromiso_codigo", TEXT, "Compromiso: código"),
                Column("compromiso_version", INT, "Versión del compromiso comentada"),
                Column("compromiso", TEXT, "Compromiso: título de esa versión"),
                *_THEME,
                *_REGION,
                *_ORG_TYPE,
                _PERSON,
                *_labelled("apoyo", "Apoyo al compromiso"),
                *_SMART,
                Column("comentario", TEXT, "Comentario escrito por la persona"),
                _HIDDEN,
                Column("id_externo", TEXT, "Clave del aporte importado (foro, correo, taller)"),
            ),
            ("region", "theme", "consultation"),
        ),
        Dataset(
            "proposals",
            "v_proposals",
            "propuestas",
            "Propuestas de nuevos compromisos",
            "fecha_utc",
            (
                Column("id", INT, "Número de la propuesta"),
                Column("fecha_utc", TIME, "Fecha de la propuesta"),
                *_CHANNEL,
                *_THEME,
                *_REGION,
                *_ORG_TYPE,
                _PERSON,
                Column("problema", TEXT, "Problema público que atiende"),
                Column("propuesta", TEXT, "Propuesta"),
                Column("responsable", TEXT, "Entidad responsable sugerida"),
                *_labelled("disposicion", "Disposición de la SGP: incorporado, modificado, desestimado"),
                Column("disposicion_motivo", TEXT, "Motivo de la disposición"),
                Column("decidido_utc", TIME, "Fecha de la disposición"),
                _HIDDEN,
                Column("id_externo", TEXT, "Clave del aporte importado (foro, correo, taller)"),
            ),
            ("region", "theme"),
        ),
        Dataset(
            "contributions",
            "v_contributions",
            "aportes",
            "Todos los aportes de todos los canales: opiniones y propuestas (base del Cuadro 4)",
            "fecha_utc",
            (
                *_labelled("tipo_aporte", "Tipo de aporte: opinión sobre un compromiso o propuesta"),
                Column("aporte_id", INT, "Número de la opinión o de la propuesta"),
                Column("fecha_utc", TIME, "Fecha del aporte"),
                *_CHANNEL,
                Column("consulta_codigo", TEXT, "Consulta (solo opiniones)"),
                Column("compromiso_codigo", TEXT, "Compromiso comentado (solo opiniones)"),
                *_THEME,
                *_REGION,
                *_ORG_TYPE,
                _PERSON,
                Column("texto", TEXT, "Comentario o texto de la propuesta"),
                _HIDDEN,
            ),
            ("region", "theme", "consultation"),
        ),
        Dataset(
            "registrations",
            "v_registrations",
            "inscripciones",
            "Inscripciones a talleres y mesas, con asistencia",
            "inscrito_utc",
            (
                Column("id", INT, "Número de la inscripción"),
                Column("taller_codigo", TEXT, "Taller: código"),
                Column("taller", TEXT, "Taller: título"),
                *_labelled("tipo_taller", "Tipo: taller regional, mesa nacional, mesa temática"),
                *_REGION,
                Column("inicio_utc", TIME, "Inicio del taller"),
                _PERSON,
                Column("nombre", TEXT, "Nombre de la persona", personal=True),
                Column("telefono", TEXT, "Teléfono de la persona", personal=True),
                Column("organizacion", TEXT, "Organización a la que representa"),
                *_ORG_TYPE,
                *_SECTOR,
                *_labelled("estado", "Estado de la inscripción"),
                Column("inscrito_utc", TIME, "Fecha de la inscripción"),
                Column("asistio", FLAG, "1: registró su asistencia"),
                Column("asistencia_utc", TIME, "Momento del registro de asistencia"),
            ),
            ("region",),
        ),
        Dataset(
            "participants",
            "v_participants",
            "participantes",
            "Personas inscritas en el bot (sin las que ejercieron su derecho de cancelación)",
            "alta_utc",
            (
                _PERSON,
                Column("alta_utc", TIME, "Fecha de alta"),
                Column("idioma", TEXT, "Idioma elegido (es, en, qu)"),
                *_REGION,
                *_ORG_TYPE,
                *_SECTOR,
                Column("organizacion_id", INT, "Organización: número"),
                Column("organizacion", TEXT, "Organización a la que representa"),
                Column("nombre", TEXT, "Nombre", personal=True),
                Column("telefono", TEXT, "Teléfono", personal=True),
                Column("recibe_anuncios", FLAG, "1: acepta recibir anuncios"),
            ),
            ("region",),
        ),
        Dataset(
            "organisations",
            "v_organisations",
            "organizaciones",
            "Organizaciones de las personas participantes",
            "alta_utc",
            (
                Column("id", INT, "Número de la organización"),
                Column("organizacion", TEXT, "Nombre de la organización"),
                *_ORG_TYPE,
                *_SECTOR,
                Column("alta_utc", TIME, "Fecha de registro"),
                Column("participantes", INT, "Personas participantes que la representan"),
            ),
            (),
        ),
        Dataset(
            "workshops",
            "v_workshops",
            "talleres",
            "Talleres regionales y mesas, con cupos, inscripciones y asistencia",
            "inicio_utc",
            (
                Column("id", INT, "Número del taller"),
                Column("taller_codigo", TEXT, "Código"),
                Column("taller", TEXT, "Título"),
                *_labelled("tipo_taller", "Tipo: taller regional, mesa nacional, mesa temática"),
                *_REGION,
                Column("inicio_utc", TIME, "Inicio"),
                Column("fin_utc", TIME, "Fin"),
                Column("lugar", TEXT, "Lugar"),
                Column("direccion", TEXT, "Dirección"),
                Column("cupos", INT, "Cupos"),
                *_labelled("estado", "Estado: programado, cancelado, realizado"),
                Column("confirmados", INT, "Inscripciones confirmadas"),
                Column("en_espera", INT, "Personas en lista de espera"),
                Column("asistentes", INT, "Asistentes registrados"),
            ),
            ("region",),
        ),
    )
}

# The filter options of `participa export` and the view column each compares with.
FILTER_COLUMNS = {"region": "region_codigo", "theme": "eje_codigo", "consultation": "consulta_codigo"}
