"""Questions and answers. A question is a stream.Post of kind "question" (with a title), so that it
lives in feeds, communities and search like any post and is read under the same access rules;
its answers, and the votes on both, are here."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from essaim.core.models import Network


class Answer(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    question = models.ForeignKey("stream.Post", on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answers")
    body = models.TextField()
    html = models.TextField()
    score = models.IntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.CharField(max_length=100, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")
    license = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["question", "score", "id"], name="answer_question_score"),
                   models.Index(fields=["author", "created_at"], name="answer_author_time"),
                   # the few deleted ones, which search leaves out (a scan of every answer otherwise)
                   models.Index(fields=["id"], condition=models.Q(deleted_at__isnull=False), name="answer_deleted")]


class Vote(models.Model):
    """One person's vote on a question or an answer: +1 or -1 (no row: no vote)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey("stream.Post", null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    answer = models.ForeignKey(Answer, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], condition=models.Q(post__isnull=False),
                                    name="vote_once_per_question"),
            models.UniqueConstraint(fields=["user", "answer"], condition=models.Q(answer__isnull=False),
                                    name="vote_once_per_answer"),
            models.CheckConstraint(condition=models.Q(value__in=[1, -1]), name="vote_value"),
        ]
