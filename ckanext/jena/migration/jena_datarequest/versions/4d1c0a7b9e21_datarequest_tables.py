"""Data requests ("Datenwünsche"): jena_datarequest, who supports each (jena_datarequest_support)
and the words of searches that found nothing (jena_search_miss).

Revision ID: 4d1c0a7b9e21
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "4d1c0a7b9e21"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE jena_datarequest (
    id text PRIMARY KEY,
    title text NOT NULL,
    description text NOT NULL,
    action_field text,
    district text,
    organization_id text,
    user_id text,
    state text NOT NULL,
    answer text,
    dataset_id text,
    created timestamptz NOT NULL DEFAULT now(),
    updated timestamptz NOT NULL DEFAULT now()
)""")
    op.execute("CREATE INDEX jena_datarequest_state ON jena_datarequest (state, created DESC)")
    op.execute("""
CREATE TABLE jena_datarequest_support (
    datarequest_id text NOT NULL REFERENCES jena_datarequest (id) ON DELETE CASCADE,
    user_id text NOT NULL,
    created timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (datarequest_id, user_id)
)""")
    op.execute("""
CREATE TABLE jena_search_miss (
    words text PRIMARY KEY,
    count integer NOT NULL DEFAULT 0,
    last_seen timestamptz NOT NULL DEFAULT now()
)""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_datarequest_support")
    op.execute("DROP TABLE IF EXISTS jena_datarequest")
    op.execute("DROP TABLE IF EXISTS jena_search_miss")
