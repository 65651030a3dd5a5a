"""post_id becomes a relation (same column, no constraint, no new index): the permission check
joins the post instead of testing a subquery per entry."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("search", "0002_title_terms"),
        ("stream", "0002_comment_answer_comment_source_comment_source_id_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="searchentry", name="search_entry_post"),
                migrations.RemoveField(model_name="searchentry", name="post_id"),
                migrations.AddField(
                    model_name="searchentry",
                    name="post",
                    field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                            on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                            to="stream.post"),
                ),
                migrations.AddIndex(model_name="searchentry",
                                    index=models.Index(fields=["post"], name="search_entry_post")),
            ],
            database_operations=[],
        ),
    ]
