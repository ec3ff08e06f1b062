"""workshops: registrations, waiting list, materials, check-in, announcements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 10:00:00

Capacity is guarded by the database as well as by the services' lock: triggers refuse a confirmed
or offered registration beyond the workshop's capacity, and a capacity below the seats taken.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

HOLDING = "('confirmada', 'ofrecida')"
ACTIVE = "status IN ('confirmada', 'en_espera', 'ofrecida')"

_HELD = f"(SELECT count(*) FROM registrations WHERE workshop_id = NEW.workshop_id AND status IN {HOLDING})"
_CAPACITY = "(SELECT capacity FROM workshops WHERE id = NEW.workshop_id)"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER registrations_capacity_insert BEFORE INSERT ON registrations
    WHEN NEW.status IN {HOLDING}
    BEGIN
        SELECT RAISE(ABORT, 'workshop capacity exceeded') WHERE {_HELD} >= {_CAPACITY};
    END""",
    f"""CREATE TRIGGER registrations_capacity_update BEFORE UPDATE OF status ON registrations
    WHEN NEW.status IN {HOLDING} AND OLD.status NOT IN {HOLDING}
    BEGIN
        SELECT RAISE(ABORT, 'workshop capacity exceeded') WHERE {_HELD} >= {_CAPACITY};
    END""",
    f"""CREATE TRIGGER workshops_capacity_update BEFORE UPDATE OF capacity ON workshops
    WHEN NEW.capacity < OLD.capacity
    BEGIN
        SELECT RAISE(ABORT, 'capacity below the seats taken')
        WHERE (SELECT count(*) FROM registrations WHERE workshop_id = NEW.id AND status IN {HOLDING})
              > NEW.capacity;
    END""",
)

POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION registrations_capacity_guard() RETURNS trigger AS $$
    BEGIN
        IF NEW.status IN {HOLDING} AND (TG_OP = 'INSERT' OR OLD.status NOT IN {HOLDING}) THEN
            IF {_HELD} >= {_CAPACITY} THEN
                RAISE EXCEPTION 'workshop capacity exceeded' USING ERRCODE = 'check_violation';
            END IF;
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER registrations_capacity BEFORE INSERT OR UPDATE OF status ON registrations
    FOR EACH ROW EXECUTE FUNCTION registrations_capacity_guard()""",
    f"""CREATE FUNCTION workshops_capacity_guard() RETURNS trigger AS $$
    BEGIN
        IF NEW.capacity < OLD.capacity AND (
            SELECT count(*) FROM registrations WHERE workshop_id = NEW.id AND status IN {HOLDING}
        ) > NEW.capacity THEN
            RAISE EXCEPTION 'capacity below the seats taken' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER workshops_capacity BEFORE UPDATE OF capacity ON workshops
    FOR EACH ROW EXECUTE FUNCTION workshops_capacity_guard()""",
)


def upgrade() -> None:
    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue_seq", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("schedule_version", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("checkin_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_workshops_checkin_code"), ["checkin_code"])

    op.create_table(
        "workshop_materials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("path", sa.String(length=500), nullable=True),
        sa.Column("file_id", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_workshop_materials_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workshop_materials")),
    )
    with op.batch_alter_table("workshop_materials", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workshop_materials_workshop_id"), ["workshop_id"], unique=False)

    op.create_table(
        "registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workshop_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_registrations_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["workshop_id"],
            ["workshops.id"],
            name=op.f("fk_registrations_workshop_id_workshops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("workshop_id", "seq", name=op.f("uq_registrations_workshop_id_seq")),
    )
    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_registrations_person_id"), ["person_id"], unique=False)
        batch_op.create_index("ix_registrations_queue", ["workshop_id", "status", "seq"], unique=False)
        batch_op.create_index("ix_registrations_offers", ["status", "offer_expires_at"], unique=False)
        batch_op.create_index(
            "uq_registrations_active",
            ["workshop_id", "person_id"],
            unique=True,
            sqlite_where=sa.text(ACTIVE),
            postgresql_where=sa.text(ACTIVE),
        )

    triggers = POSTGRES_TRIGGERS if op.get_bind().dialect.name == "postgresql" else SQLITE_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS workshops_capacity ON workshops")
        op.execute("DROP FUNCTION IF EXISTS workshops_capacity_guard()")
        op.execute("DROP TRIGGER IF EXISTS registrations_capacity ON registrations")
        op.execute("DROP FUNCTION IF EXISTS registrations_capacity_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS workshops_capacity_update")
        op.execute("DROP TRIGGER IF EXISTS registrations_capacity_update")
        op.execute("DROP TRIGGER IF EXISTS registrations_capacity_insert")

    with op.batch_alter_table("registrations", schema=None) as batch_op:
        batch_op.drop_index("uq_registrations_active")
        batch_op.drop_index("ix_registrations_offers")
        batch_op.drop_index("ix_registrations_queue")
        batch_op.drop_index(batch_op.f("ix_registrations_person_id"))
    op.drop_table("registrations")

    with op.batch_alter_table("workshop_materials", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workshop_materials_workshop_id"))
    op.drop_table("workshop_materials")

    with op.batch_alter_table("workshops", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_workshops_checkin_code"), type_="unique")
        batch_op.drop_column("announced_at")
        batch_op.drop_column("checkin_code")
        batch_op.drop_column("schedule_version")
        batch_op.drop_column("queue_seq")
