"""The folded title as a column of its own (index schema 9): when a free-text search has more
hits than backend.RANK_LIMIT, the hits whose titles hold the most searched stems are the ones
ranked over their whole text; folding every hit's title at query time cost more than the
ranking it saved. Existing rows are filled here, no rebuild needed.

Revision ID: 7a4e0c9d2f61
Revises: 5c1d7e2a9b30
Create Date: 2026-12-05
"""
from alembic import op

revision = "7a4e0c9d2f61"
down_revision = "5c1d7e2a9b30"
branch_labels = None
depends_on = None


def upgrade():
    op.get_bind().exec_driver_sql("""
        ALTER TABLE jena_search_document ADD COLUMN IF NOT EXISTS title_folded text;
        ALTER TABLE jena_search_document ALTER COLUMN title_folded SET STORAGE MAIN;
        UPDATE jena_search_document SET title_folded = jena_fold(title);
        UPDATE jena_search_meta SET value = '9' WHERE key = 'schema_version';
    """)


def downgrade():
    op.get_bind().exec_driver_sql("""
        ALTER TABLE IF EXISTS jena_search_document DROP COLUMN IF EXISTS title_folded;
        UPDATE jena_search_meta SET value = '8' WHERE key = 'schema_version';
    """)
