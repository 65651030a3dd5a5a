"""Titles become a field of their own in the full-text index (weighted above the body), and each
document is stemmed in its own language. The index is rebuilt from the current terms at once
(searches keep working), and a "search.reindex" job recomputes every entry in the background."""

from django.db import migrations, models

# SQLite rebuilds the table to add a column, which would drop its triggers: drop them and the FTS
# table first, add the column, then create both again.
SQLITE_DROP = [
    "DROP TABLE IF EXISTS search_fts_vocab",
    "DROP TRIGGER IF EXISTS search_fts_au", "DROP TRIGGER IF EXISTS search_fts_ad",
    "DROP TRIGGER IF EXISTS search_fts_ai", "DROP TABLE IF EXISTS search_fts",
]
SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_terms, terms, content='search_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, title_terms, terms) VALUES (new.id, new.title_terms, new.terms); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_terms, terms) "
    "VALUES ('delete', old.id, old.title_terms, old.terms); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title_terms, terms) "
    "VALUES ('delete', old.id, old.title_terms, old.terms); "
    "INSERT INTO search_fts(rowid, title_terms, terms) VALUES (new.id, new.title_terms, new.terms); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
    # Document frequencies per term, for BM25F's idf (ranking.py).
    "CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')",
]
SQLITE_DOWN = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_searchentry', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_searchentry BEGIN "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); END",
    "CREATE TRIGGER search_fts_au AFTER UPDATE ON search_searchentry BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, terms) VALUES ('delete', old.id, old.terms); "
    "INSERT INTO search_fts(rowid, terms) VALUES (new.id, new.terms); END",
    "INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
]
POSTGRES = [
    "DROP INDEX IF EXISTS search_entry_fts",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS fts",
    "ALTER TABLE search_searchentry ADD COLUMN fts tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, title_terms), 'A') || to_tsvector('simple'::regconfig, terms)"
    ") STORED",
    "CREATE INDEX search_entry_fts ON search_searchentry USING gin (fts)",
]
POSTGRES_DOWN = [
    "DROP INDEX IF EXISTS search_entry_fts",
    "ALTER TABLE search_searchentry DROP COLUMN IF EXISTS fts",
    "ALTER TABLE search_searchentry ADD COLUMN fts tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, terms)) STORED",
    "CREATE INDEX search_entry_fts ON search_searchentry USING gin (fts)",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)
    return run


def queue_reindex(apps, schema_editor):
    Entry = apps.get_model("search", "SearchEntry")
    Job = apps.get_model("core", "Job")
    if Entry.objects.using(schema_editor.connection.alias).exists():
        Job.objects.using(schema_editor.connection.alias).get_or_create(
            key="search.reindex:0002", defaults={"kind": "search.reindex", "payload": {}})


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_DROP}), _run({"sqlite": SQLITE_DOWN})),
        migrations.AddField(
            model_name="searchentry",
            name="title_terms",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}),
                             _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DOWN})),
        migrations.RunPython(queue_reindex, migrations.RunPython.noop),
    ]
