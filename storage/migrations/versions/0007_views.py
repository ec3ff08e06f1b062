"""read-only SQL views, one per export dataset (v_feedback, v_proposals, v_contributions,
v_registrations, v_participants, v_organisations, v_workshops)

The exports read these views, so the files and the database can never disagree. Columns are named
in Spanish, codes next to their Spanish labels (region_codigo, region; eje_codigo, eje; ...); times
are UTC. The SQL is portable (SQLite and PostgreSQL): labels are CASE expressions or joins with the
reference tables of 0001. Column meanings: bot/reports/dictionary.py (also diccionario.csv of the
open-data release).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# Labels frozen here (the Spanish names SGP publishes), so the views do not move with the code.
CHANNELS = {
    "telegram": "Vía Telegram",
    "foro": "Vía foro virtual",
    "correo": "Vía correo",
    "taller": "Vía taller",
}
SUPPORT = {
    "de_acuerdo": "De acuerdo",
    "de_acuerdo_con_cambios": "De acuerdo con cambios",
    "en_desacuerdo": "En desacuerdo",
}
RATINGS = {"cumple": "Cumple", "en_parte": "Cumple en parte", "no_cumple": "No cumple", "no_se": "No sé"}
DISPOSITIONS = {"incorporado": "Incorporado", "modificado": "Modificado", "desestimado": "Desestimado"}
SECTORS = {"publico": "Sector público", "sociedad_civil": "Organización de la Sociedad Civil"}
REGISTRATION_STATUS = {
    "confirmada": "Confirmada",
    "en_espera": "En lista de espera",
    "ofrecida": "Cupo ofrecido",
    "cancelada": "Cancelada",
    "vencida": "Oferta vencida",
}
WORKSHOP_KINDS = {
    "taller_regional": "Taller regional",
    "mesa_nacional": "Mesa nacional",
    "mesa_tematica": "Mesa temática",
}
WORKSHOP_STATUS = {"programado": "Programado", "cancelado": "Cancelado", "realizado": "Realizado"}
CONTRIBUTION_KINDS = {"opinion": "Opinión sobre un compromiso", "propuesta": "Propuesta de compromiso"}


def _label(expression: str, labels: dict[str, str]) -> str:
    cases = " ".join(f"WHEN '{code}' THEN '{name}'" for code, name in labels.items())
    return f"CASE {expression} {cases} ELSE {expression} END"


def _flag(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 1 ELSE 0 END"


SMART = ("especifico", "medible", "realizable", "realista", "plazos")

V_FEEDBACK = f"""
SELECT f.id AS id,
       f.created_at AS fecha_utc,
       f.updated_at AS actualizado_utc,
       f.channel AS canal_codigo,
       {_label("f.channel", CHANNELS)} AS canal,
       cn.code AS consulta_codigo,
       cn.title AS consulta,
       c.code AS compromiso_codigo,
       v.number AS compromiso_version,
       v.title AS compromiso,
       c.theme_code AS eje_codigo,
       t.name AS eje,
       f.region_code AS region_codigo,
       r.name AS region,
       f.org_type_code AS tipo_organizacion_codigo,
       ot.name AS tipo_organizacion,
       f.person_id AS persona_id,
       f.support AS apoyo_codigo,
       {_label("f.support", SUPPORT)} AS apoyo,
       {", ".join(f"f.{c} AS {c}_codigo, {_label('f.' + c, RATINGS)} AS {c}" for c in SMART)},
       f.comment AS comentario,
       {_flag("f.hidden")} AS oculto,
       f.external_id AS id_externo
FROM feedback f
JOIN commitment_versions v ON v.id = f.version_id
JOIN commitments c ON c.id = v.commitment_id
JOIN consultations cn ON cn.id = v.consultation_id
JOIN themes t ON t.code = c.theme_code
LEFT JOIN regions r ON r.code = f.region_code
LEFT JOIN organisation_types ot ON ot.code = f.org_type_code
"""

V_PROPOSALS = f"""
SELECT p.id AS id,
       p.created_at AS fecha_utc,
       p.channel AS canal_codigo,
       {_label("p.channel", CHANNELS)} AS canal,
       p.theme_code AS eje_codigo,
       t.name AS eje,
       p.region_code AS region_codigo,
       r.name AS region,
       p.org_type_code AS tipo_organizacion_codigo,
       ot.name AS tipo_organizacion,
       p.person_id AS persona_id,
       p.problem AS problema,
       p.proposal AS propuesta,
       p.responsible AS responsable,
       p.disposition AS disposicion_codigo,
       {_label("p.disposition", DISPOSITIONS)} AS disposicion,
       p.disposition_reason AS disposicion_motivo,
       p.decided_at AS decidido_utc,
       {_flag("p.hidden")} AS oculto,
       p.external_id AS id_externo
FROM proposals p
JOIN themes t ON t.code = p.theme_code
LEFT JOIN regions r ON r.code = p.region_code
LEFT JOIN organisation_types ot ON ot.code = p.org_type_code
"""

_CONTRIBUTION_COLUMNS = """
       {kind} AS tipo_aporte_codigo, {kind_label} AS tipo_aporte, {alias}.id AS aporte_id,
       {alias}.created_at AS fecha_utc, {alias}.channel AS canal_codigo, {channel} AS canal,
       {consultation} AS consulta_codigo, {commitment} AS compromiso_codigo,
       {theme} AS eje_codigo, t.name AS eje,
       {alias}.region_code AS region_codigo, r.name AS region,
       {alias}.org_type_code AS tipo_organizacion_codigo, ot.name AS tipo_organizacion,
       {alias}.person_id AS persona_id, {body} AS texto, {hidden} AS oculto"""

V_CONTRIBUTIONS = (
    "SELECT"
    + _CONTRIBUTION_COLUMNS.format(
        kind="'opinion'",
        kind_label=f"'{CONTRIBUTION_KINDS['opinion']}'",
        alias="f",
        channel=_label("f.channel", CHANNELS),
        consultation="cn.code",
        commitment="c.code",
        theme="c.theme_code",
        body="f.comment",
        hidden=_flag("f.hidden"),
    )
    + """
FROM feedback f
JOIN commitment_versions v ON v.id = f.version_id
JOIN commitments c ON c.id = v.commitment_id
JOIN consultations cn ON cn.id = v.consultation_id
JOIN themes t ON t.code = c.theme_code
LEFT JOIN regions r ON r.code = f.region_code
LEFT JOIN organisation_types ot ON ot.code = f.org_type_code
UNION ALL
SELECT"""
    + _CONTRIBUTION_COLUMNS.format(
        kind="'propuesta'",
        kind_label=f"'{CONTRIBUTION_KINDS['propuesta']}'",
        alias="p",
        channel=_label("p.channel", CHANNELS),
        consultation="NULL",
        commitment="NULL",
        theme="p.theme_code",
        body="p.proposal",
        hidden=_flag("p.hidden"),
    )
    + """
FROM proposals p
JOIN themes t ON t.code = p.theme_code
LEFT JOIN regions r ON r.code = p.region_code
LEFT JOIN organisation_types ot ON ot.code = p.org_type_code
"""
)

V_REGISTRATIONS = f"""
SELECT g.id AS id,
       w.code AS taller_codigo,
       w.title AS taller,
       w.kind AS tipo_taller_codigo,
       {_label("w.kind", WORKSHOP_KINDS)} AS tipo_taller,
       w.region_code AS region_codigo,
       r.name AS region,
       w.starts_at AS inicio_utc,
       g.person_id AS persona_id,
       p.full_name AS nombre,
       p.phone AS telefono,
       o.name AS organizacion,
       p.org_type_code AS tipo_organizacion_codigo,
       ot.name AS tipo_organizacion,
       ot.sector AS sector_codigo,
       {_label("ot.sector", SECTORS)} AS sector,
       g.status AS estado_codigo,
       {_label("g.status", REGISTRATION_STATUS)} AS estado,
       g.created_at AS inscrito_utc,
       {_flag("g.attended_at IS NOT NULL")} AS asistio,
       g.attended_at AS asistencia_utc
FROM registrations g
JOIN workshops w ON w.id = g.workshop_id
JOIN people p ON p.id = g.person_id
LEFT JOIN regions r ON r.code = w.region_code
LEFT JOIN organisations o ON o.id = p.organisation_id
LEFT JOIN organisation_types ot ON ot.code = p.org_type_code
"""

V_PARTICIPANTS = f"""
SELECT p.id AS persona_id,
       p.created_at AS alta_utc,
       p.locale AS idioma,
       p.region_code AS region_codigo,
       r.name AS region,
       p.org_type_code AS tipo_organizacion_codigo,
       ot.name AS tipo_organizacion,
       ot.sector AS sector_codigo,
       {_label("ot.sector", SECTORS)} AS sector,
       p.organisation_id AS organizacion_id,
       o.name AS organizacion,
       p.full_name AS nombre,
       p.phone AS telefono,
       {_flag("p.announcements")} AS recibe_anuncios
FROM people p
LEFT JOIN regions r ON r.code = p.region_code
LEFT JOIN organisation_types ot ON ot.code = p.org_type_code
LEFT JOIN organisations o ON o.id = p.organisation_id
WHERE p.erased_at IS NULL
"""

V_ORGANISATIONS = f"""
SELECT o.id AS id,
       o.name AS organizacion,
       o.type_code AS tipo_organizacion_codigo,
       ot.name AS tipo_organizacion,
       ot.sector AS sector_codigo,
       {_label("ot.sector", SECTORS)} AS sector,
       o.created_at AS alta_utc,
       (SELECT COUNT(*) FROM people p WHERE p.organisation_id = o.id AND p.erased_at IS NULL)
           AS participantes
FROM organisations o
JOIN organisation_types ot ON ot.code = o.type_code
"""

V_WORKSHOPS = f"""
SELECT w.id AS id,
       w.code AS taller_codigo,
       w.title AS taller,
       w.kind AS tipo_taller_codigo,
       {_label("w.kind", WORKSHOP_KINDS)} AS tipo_taller,
       w.region_code AS region_codigo,
       r.name AS region,
       w.starts_at AS inicio_utc,
       w.ends_at AS fin_utc,
       w.venue_name AS lugar,
       w.venue_address AS direccion,
       w.capacity AS cupos,
       w.status AS estado_codigo,
       {_label("w.status", WORKSHOP_STATUS)} AS estado,
       (SELECT COUNT(*) FROM registrations g WHERE g.workshop_id = w.id AND g.status = 'confirmada')
           AS confirmados,
       (SELECT COUNT(*) FROM registrations g WHERE g.workshop_id = w.id AND g.status = 'en_espera')
           AS en_espera,
       (SELECT COUNT(*) FROM registrations g WHERE g.workshop_id = w.id AND g.attended_at IS NOT NULL)
           AS asistentes
FROM workshops w
LEFT JOIN regions r ON r.code = w.region_code
"""

VIEWS = {
    "v_feedback": V_FEEDBACK,
    "v_proposals": V_PROPOSALS,
    "v_contributions": V_CONTRIBUTIONS,
    "v_registrations": V_REGISTRATIONS,
    "v_participants": V_PARTICIPANTS,
    "v_organisations": V_ORGANISATIONS,
    "v_workshops": V_WORKSHOPS,
}


def upgrade() -> None:
    for name, select in VIEWS.items():
        op.execute(f"CREATE VIEW {name} AS {select}")


def downgrade() -> None:
    for name in reversed(VIEWS):
        op.execute(f"DROP VIEW IF EXISTS {name}")
