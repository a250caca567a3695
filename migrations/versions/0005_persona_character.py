"""persona knowledge, outside world, examples, adapter, refusal threshold

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("personas") as batch:
        batch.add_column(sa.Column("knowledge", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("outside", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("examples", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("adapter", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("refusal_threshold", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("personas") as batch:
        for column in ("refusal_threshold", "adapter", "examples", "outside", "knowledge"):
            batch.drop_column(column)
