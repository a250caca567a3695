"""persona world and memory scope

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personas") as batch:
        batch.add_column(sa.Column("world_id", sa.String(64), nullable=True))
        batch.add_column(
            sa.Column("memory_scope", sa.String(16), nullable=False, server_default="persona")
        )
        batch.create_index("ix_personas_world_id", ["world_id"])


def downgrade() -> None:
    with op.batch_alter_table("personas") as batch:
        batch.drop_index("ix_personas_world_id")
        batch.drop_column("memory_scope")
        batch.drop_column("world_id")
