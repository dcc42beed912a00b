"""What citizens follow beyond CKAN's own follow: a Handlungsfeld or a saved search (jena_follow).

Revision ID: 8a3f5e2c1b07
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "8a3f5e2c1b07"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE jena_follow (
    user_id text NOT NULL,
    kind text NOT NULL,
    target text NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, kind, target)
)""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_follow")
