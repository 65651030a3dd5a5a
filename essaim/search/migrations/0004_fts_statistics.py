"""PostgreSQL: the planner samples ten times more entries for the text column's statistics, so that
they list the 10,000 most common words (not 1,000) with their share of entries. Search takes the
document count of a listed word from there instead of counting its entries one by one
(search/ranking.py); a word not listed is rare enough to count quickly."""

from django.db import migrations

STATISTICS = 1000  # PostgreSQL keeps up to 10 x this many most common elements


def _set(target):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(f"ALTER TABLE search_searchentry ALTER COLUMN fts SET STATISTICS {target}")
    return run


class Migration(migrations.Migration):

    dependencies = [("search", "0003_entry_post_relation")]

    operations = [migrations.RunPython(_set(STATISTICS), _set(-1))]
