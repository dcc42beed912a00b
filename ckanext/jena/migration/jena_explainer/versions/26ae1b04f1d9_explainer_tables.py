"""The explainers and the resource profiles: jena_explainer, jena_explainer_profile (as
ckanext/jena/explainer/store.py made them by hand before migrations; IF NOT EXISTS, so a portal
that has them upgrades without a change, and one from before the column ``owned`` gets it).

Revision ID: 26ae1b04f1d9
Revises:
Create Date: 2026-12-05
"""
from alembic import op

revision = "26ae1b04f1d9"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
CREATE TABLE IF NOT EXISTS jena_explainer (
    dataset_id text NOT NULL,
    lang text NOT NULL,
    sections jsonb NOT NULL,             -- what citizens read: {section: Markdown}
    edited jsonb NOT NULL DEFAULT '[]',  -- sections a data officer wrote
    draft jsonb NOT NULL,                -- the latest automatic draft
    draft_fingerprint text NOT NULL,
    basis jsonb NOT NULL DEFAULT '{}',   -- per section: the draft text the citizens' text follows
    generator text NOT NULL,
    generated_at timestamptz NOT NULL,
    edited_by text,
    edited_at timestamptz,
    reviewed_by text,
    reviewed_at timestamptz,
    PRIMARY KEY (dataset_id, lang)
);
CREATE TABLE IF NOT EXISTS jena_explainer_profile (
    resource_id text PRIMARY KEY,
    dataset_id text NOT NULL,
    fingerprint text NOT NULL,           -- url, size, last change: profile again when it changes
    profile jsonb,
    error jsonb,                         -- {"en": ..., "de": ...} when profiling failed
    profiled_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS jena_explainer_profile_dataset ON jena_explainer_profile (dataset_id);
-- sections the editors own (written or reviewed): a new draft never replaces them
ALTER TABLE jena_explainer ADD COLUMN IF NOT EXISTS owned jsonb NOT NULL DEFAULT '[]';
""")


def downgrade():
    op.execute("DROP TABLE IF EXISTS jena_explainer, jena_explainer_profile")
