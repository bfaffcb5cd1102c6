"""search documents: the finder's full-text search (SQLite FTS5, PostgreSQL tsvector + GIN)

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# SQLite: an FTS5 table over search_document's text (external content: the words are stored once),
# kept by triggers; fts5vocab lists its words for "did you mean". The text comes folded
# (services/search.py); remove_diacritics 2 would fold it again the same way.
SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(name, body, terms, content='search_document', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE search_vocab USING fts5vocab(search_fts, 'row')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, name, body, terms) VALUES (new.id, new.name, new.body, new.terms); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, name, body, terms) "
    "VALUES ('delete', old.id, old.name, old.body, old.terms); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, name, body, terms) "
    "VALUES ('delete', old.id, old.name, old.body, old.terms); "
    "INSERT INTO search_fts(rowid, name, body, terms) VALUES (new.id, new.name, new.body, new.terms); END",
]
# PostgreSQL: a generated tsvector ('simple': no stemming) with a GIN index. The text comes folded
# by services/search.py, as on SQLite, so unaccent is not needed: one folding rule, the same
# answers on both databases.
POSTGRESQL = [
    "ALTER TABLE search_document ADD COLUMN document tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(body, '')), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, coalesce(terms, '')), 'C')) STORED",
    "CREATE INDEX ix_search_document_document ON search_document USING gin (document)",
]


def upgrade():
    op.create_table('search_document',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('location_id', sa.Uuid(), nullable=False),
    sa.Column('initiative_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_search_document_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['location_id'], ['initiative_at_place.id'], name=op.f('fk_search_document_location_id_initiative_at_place'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_document')),
    sa.UniqueConstraint('location_id', name=op.f('uq_search_document_location_id'))
    )
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_search_document_initiative_id'), ['initiative_id'], unique=False)
    bind = op.get_bind()
    for statement in (POSTGRESQL if bind.dialect.name == "postgresql" else SQLITE):
        op.execute(statement)
    from community.services.search import reindex
    reindex(bind)  # the listings already stored
    if bind.dialect.name == "postgresql":
        op.execute("ANALYZE search_document")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in ("search_document_au", "search_document_ad", "search_document_ai"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS search_vocab")
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('search_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_document_initiative_id'))
    op.drop_table('search_document')
