"""The quality check results: jena_quality_check (as ckanext/jena/quality/checks.py made it by hand
before migrations; IF NOT EXISTS, so a portal that has the table upgrades without a change).

Revision ID: 7e2439f3a62a
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "7e2439f3a62a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE IF NOT EXISTS jena_quality_check (
    dataset_id text PRIMARY KEY,
    checked_at timestamptz NOT NULL,
    links jsonb NOT NULL DEFAULT '{}',
    dcat_ap_violations integer,
    dcat_ap_messages jsonb NOT NULL DEFAULT '[]'
)""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_quality_check")
