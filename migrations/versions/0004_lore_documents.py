"""lore documents

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lore_documents",
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey("tenants.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("persona_id", sa.String(64), nullable=True),
        sa.Column("world_id", sa.String(64), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("chunks", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_lore_documents_persona_id", "lore_documents", ["persona_id"])
    op.create_index("ix_lore_documents_world_id", "lore_documents", ["world_id"])


def downgrade() -> None:
    op.drop_index("ix_lore_documents_world_id", "lore_documents")
    op.drop_index("ix_lore_documents_persona_id", "lore_documents")
    op.drop_table("lore_documents")
