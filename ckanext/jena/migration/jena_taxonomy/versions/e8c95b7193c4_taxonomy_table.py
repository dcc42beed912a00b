"""The loaded taxonomy versions: jena_taxonomy (as ckanext/jena/taxonomy/store.py made it by hand
before migrations; IF NOT EXISTS, so a portal that has the table upgrades without a change).

Revision ID: e8c95b7193c4
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "e8c95b7193c4"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE IF NOT EXISTS jena_taxonomy (
    id serial PRIMARY KEY,
    version text NOT NULL,
    checksum text NOT NULL,
    turtle text NOT NULL,
    mappings jsonb NOT NULL,
    changes jsonb NOT NULL DEFAULT '[]',
    loaded_at timestamptz NOT NULL DEFAULT now(),
    loaded_by text
)""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_taxonomy")
