"""The search index: one row per searchable object, plus one full-text structure per backend.

The full-text part is not a model field: on SQLite an FTS5 table `search_fts` with two columns
(external content on this table's `title_terms` and `terms`, kept in step by triggers), on
PostgreSQL a generated `fts` tsvector column (title words weighted A, body words D) with a GIN
index. Both are created by migrations for their own vendor only; see backends.py.
"""

from django.db import models
from django.utils import timezone

from essaim.core.models import Network


class EntryType(models.TextChoices):
    POST = "post"
    QUESTION = "question"
    COMMENT = "comment"
    ANSWER = "answer"
    PERSON = "person"
    COMMUNITY = "community"
    TOPIC = "topic"


# Entries whose visibility is the visibility of their post (`post_id`).
POST_GOVERNED = (EntryType.POST, EntryType.QUESTION, EntryType.COMMENT, EntryType.ANSWER)


class SearchEntry(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    type = models.CharField(max_length=12, choices=EntryType.choices)
    object_id = models.BigIntegerField()
    # The post whose visibility governs the entry: a relation without a database constraint (the
    # entry may outlive its post until its job runs), so that the permission check is a join.
    post = models.ForeignKey("stream.Post", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False,
                             db_index=False, related_name="+")
    community_id = models.BigIntegerField(null=True, blank=True)
    author_id = models.BigIntegerField(null=True, blank=True)
    title = models.CharField(max_length=300, blank=True, default="")
    text = models.TextField(blank=True, default="")  # plain text, HTML stripped: snippets come from here
    title_terms = models.TextField(blank=True, default="")  # normalised title (text.index_terms)
    terms = models.TextField(blank=True, default="")  # normalised body: what is matched, with title_terms
    created_at = models.DateTimeField(default=timezone.now)
    engagement = models.IntegerField(default=0)  # reactions + comments + votes + accepted answer
    source_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type", "object_id"], name="search_entry_unique")]
        indexes = [models.Index(fields=["network", "type", "created_at"], name="search_entry_type_time"),
                   models.Index(fields=["post"], name="search_entry_post"),
                   models.Index(fields=["network", "created_at"], name="search_entry_time")]
