"""draft commitments, consultations, feedback with history, proposals

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:48:11.281520
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
        sa.UniqueConstraint("code", name=op.f("uq_consultations_code")),
    )
    op.create_table(
        "commitments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("theme_code", sa.String(length=30), nullable=False),
        sa.Column("anticorruption", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("disposition", sa.String(length=12), nullable=True),
        sa.Column("disposition_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_code"], ["themes.code"], name=op.f("fk_commitments_theme_code_themes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitments")),
        sa.UniqueConstraint("code", name=op.f("uq_commitments_code")),
    )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_commitments_theme_code"), ["theme_code"], unique=False)

    op.create_table(
        "commitment_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commitment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("objective", sa.Text(), nullable=False),
        sa.Column("activities", sa.JSON(), nullable=False),
        sa.Column("responsible", sa.String(length=300), nullable=False),
        sa.Column("og_values", sa.JSON(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["commitments.id"],
            name=op.f("fk_commitment_versions_commitment_id_commitments"),
        ),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_commitment_versions_consultation_id_consultations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_commitment_versions")),
        sa.UniqueConstraint(
            "commitment_id", "number", name=op.f("uq_commitment_versions_commitment_id_number")
        ),
    )
    with op.batch_alter_table("commitment_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_commitment_versions_commitment_id"), ["commitment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_commitment_versions_consultation_id"), ["consultation_id"], unique=False
        )

    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("support", sa.String(length=24), nullable=True),
        sa.Column("especifico", sa.String(length=10), nullable=True),
        sa.Column("medible", sa.String(length=10), nullable=True),
        sa.Column("realizable", sa.String(length=10), nullable=True),
        sa.Column("realista", sa.String(length=10), nullable=True),
        sa.Column("plazos", sa.String(length=10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.BigInteger(), nullable=True),
        sa.Column("region_code", sa.String(length=2), nullable=True),
        sa.Column("org_type_code", sa.String(length=30), nullable=True),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_type_code"],
            ["organisation_types.code"],
            name=op.f("fk_feedback_org_type_code_organisation_types"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_feedback_person_id_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_feedback_region_code_regions")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["commitment_versions.id"],
            name=op.f("fk_feedback_version_id_commitment_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("external_id", name=op.f("uq_feedback_external_id")),
        sa.UniqueConstraint("person_id", "version_id", name=op.f("uq_feedback_person_id_version_id")),
    )
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_feedback_version_id"), ["version_id"], unique=False)

    op.create_table(
        "proposals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("theme_code", sa.String(length=30), nullable=False),
        sa.Column("region_code", sa.String(length=2), nullable=True),
        sa.Column("org_type_code", sa.String(length=30), nullable=True),
        sa.Column("problem", sa.Text(), nullable=True),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(length=200), nullable=True),
        sa.Column("disposition", sa.String(length=12), nullable=True),
        sa.Column("disposition_reason", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.BigInteger(), nullable=True),
        sa.Column("external_id", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_type_code"],
            ["organisation_types.code"],
            name=op.f("fk_proposals_org_type_code_organisation_types"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_proposals_person_id_people"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["region_code"], ["regions.code"], name=op.f("fk_proposals_region_code_regions")
        ),
        sa.ForeignKeyConstraint(["theme_code"], ["themes.code"], name=op.f("fk_proposals_theme_code_themes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposals")),
        sa.UniqueConstraint("external_id", name=op.f("uq_proposals_external_id")),
    )
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposals_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_proposals_theme_code"), ["theme_code"], unique=False)

    op.create_table(
        "feedback_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("support", sa.String(length=24), nullable=True),
        sa.Column("especifico", sa.String(length=10), nullable=True),
        sa.Column("medible", sa.String(length=10), nullable=True),
        sa.Column("realizable", sa.String(length=10), nullable=True),
        sa.Column("realista", sa.String(length=10), nullable=True),
        sa.Column("plazos", sa.String(length=10), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["feedback.id"],
            name=op.f("fk_feedback_history_feedback_id_feedback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_history")),
    )
    with op.batch_alter_table("feedback_history", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_feedback_history_feedback_id"), ["feedback_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("feedback_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_history_feedback_id"))

    op.drop_table("feedback_history")
    with op.batch_alter_table("proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposals_theme_code"))
        batch_op.drop_index(batch_op.f("ix_proposals_person_id"))

    op.drop_table("proposals")
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_feedback_version_id"))
        batch_op.drop_index(batch_op.f("ix_feedback_person_id"))

    op.drop_table("feedback")
    with op.batch_alter_table("commitment_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitment_versions_consultation_id"))
        batch_op.drop_index(batch_op.f("ix_commitment_versions_commitment_id"))

    op.drop_table("commitment_versions")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_commitments_theme_code"))

    op.drop_table("commitments")
    op.drop_table("consultations")
