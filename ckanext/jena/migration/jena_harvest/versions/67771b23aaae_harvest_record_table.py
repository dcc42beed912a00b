"""What the harvester remembers per record: jena_harvest_record (as ckanext/jena/harvest/store.py
made it by hand before migrations; IF NOT EXISTS, so a portal that has the table upgrades
without a change).

Revision ID: 67771b23aaae
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "67771b23aaae"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE IF NOT EXISTS jena_harvest_record (
    source_id text NOT NULL,
    guid text NOT NULL,
    package_id text,
    content_hash text,
    identifiers text[] NOT NULL DEFAULT '{}',
    state text NOT NULL DEFAULT 'active',
    harvested jsonb NOT NULL DEFAULT '{}',
    updated timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source_id, guid)
);
CREATE INDEX IF NOT EXISTS jena_harvest_record_identifiers ON jena_harvest_record USING gin (identifiers);
CREATE INDEX IF NOT EXISTS jena_harvest_record_package ON jena_harvest_record (package_id);
""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_harvest_record")
