"""broadcasts, theme follows, erasure of people

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-30 09:44:52.276002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("audience", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(length=200), nullable=True),
        sa.Column("document", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("progress_message_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
    )
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_broadcasts_author_telegram_id"), ["author_telegram_id"], unique=False
        )

    op.create_table(
        "theme_follows",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("theme_code", sa.String(length=30), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_theme_follows_person_id_people"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["theme_code"], ["themes.code"], name=op.f("fk_theme_follows_theme_code_themes")
        ),
        sa.PrimaryKeyConstraint("person_id", "theme_code", name=op.f("pk_theme_follows")),
    )
    with op.batch_alter_table("people", schema=None) as batch_op:
        # An erased person keeps no Telegram id, so the same account can start again as new.
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=True)
        batch_op.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
        batch_op.alter_column("telegram_id", existing_type=sa.BigInteger(), nullable=False)
    op.drop_table("theme_follows")
    with op.batch_alter_table("broadcasts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_broadcasts_author_telegram_id"))

    op.drop_table("broadcasts")
