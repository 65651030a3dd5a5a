"""What an import has already brought in: the map from a source's ids to ours."""

from django.db import models

from essaim.core.models import Network


class ImportRecord(models.Model):
    """One imported object: (network, source, kind, source_id) -> our object id. Running an import
    again skips what is recorded here; an interrupted run resumes after its last committed batch."""

    class Kind(models.TextChoices):
        USER = "user"
        QUESTION = "question"
        ANSWER = "answer"
        ACCEPTED = "accepted"
        DUPLICATE = "duplicate"
        COMMENT = "comment"
        COMMUNITY = "community"

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    source = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source_id = models.CharField(max_length=200)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "source", "kind", "source_id"],
                                               name="import_record_unique")]
