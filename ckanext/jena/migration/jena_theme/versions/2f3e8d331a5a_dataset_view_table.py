"""Views of dataset pages per day: jena_dataset_view (as ckanext/jena/theme/store.py made it by
hand before migrations; IF NOT EXISTS, so a portal that has the table upgrades without a change).

Revision ID: 2f3e8d331a5a
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "2f3e8d331a5a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE IF NOT EXISTS jena_dataset_view (
    dataset_id text NOT NULL,
    day date NOT NULL,
    views integer NOT NULL DEFAULT 0,
    PRIMARY KEY (dataset_id, day)
);
CREATE INDEX IF NOT EXISTS jena_dataset_view_day ON jena_dataset_view (day);
""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_dataset_view")
