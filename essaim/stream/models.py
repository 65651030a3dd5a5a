"""Posts, versions, comments, reactions, mentions and topics."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from essaim.core.models import Network


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Like")
    CELEBRATE = "celebrate", _("Celebrate")
    SUPPORT = "support", _("Support")
    INSIGHTFUL = "insightful", _("Insightful")
    FUNNY = "funny", _("Funny")


REACTION_EMOJI = {"like": "👍", "celebrate": "🎉", "support": "🤝", "insightful": "💡", "funny": "😄"}


class Topic(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    name = models.CharField(max_length=50)  # lowercased, without '#'
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["network", "name"], name="topic_unique")]

    def __str__(self) -> str:
        return self.name


class TopicFollow(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="follows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_follows")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "user"], name="topic_follow_unique")]


class PostQuerySet(models.QuerySet):
    def visible_to(self, viewer) -> PostQuerySet:
        from .access import posts_visible_to

        return posts_visible_to(self, viewer)


class Post(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posts")
    # Exactly one place: a community, a person's profile, or neither (the "All company" feed).
    community = models.ForeignKey("communities.Community", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="posts")
    profile_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="profile_posts")
    body = models.TextField()
    html = models.TextField()
    announcement = models.BooleanField(default=False)
    pinned = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    comment_count = models.PositiveIntegerField(default=0)
    # A post may be a question (with a title), answered by questions.Answer rows.
    kind = models.CharField(max_length=10, choices=[("post", "post"), ("question", "question")], default="post")
    title = models.CharField(max_length=300, blank=True, default="")
    score = models.IntegerField(default=0)  # up votes minus down votes (questions)
    answer_count = models.PositiveIntegerField(default=0)
    accepted_answer = models.ForeignKey("questions.Answer", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Imported content: where from (e.g. "cardano.stackexchange.com"), its id there, its licence.
    source = models.CharField(max_length=100, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")
    license = models.CharField(max_length=40, blank=True, default="")
    topics = models.ManyToManyField(Topic, blank=True, related_name="posts", through="PostTopic")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in",
                                      through="PostMention")

    objects = PostQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["network", "pinned", "created_at", "id"], name="post_network_time"),
            models.Index(fields=["community", "created_at", "id"], name="post_community_time"),
            models.Index(fields=["author", "created_at", "id"], name="post_author_time"),
            models.Index(fields=["profile_user", "created_at", "id"], name="post_profile_time"),
            models.Index(fields=["network", "kind", "answer_count", "created_at"], name="post_questions"),
        ]


class PostTopic(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "topic"], name="post_topic_unique")]
        indexes = [models.Index(fields=["topic", "post"], name="post_topic_topic_idx")]


class PostMention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="post_mention_unique")]


class PostVersion(models.Model):
    """The body a post had before an edit."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="versions")
    body = models.TextField()
    created_at = models.DateTimeField()  # when this version was written
    replaced_at = models.DateTimeField(default=timezone.now)
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")


class Comment(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments")
    body = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="mentioned_in_comments")
    # A comment on one of a question's answers (post is then the question).
    answer = models.ForeignKey("questions.Answer", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="comments")
    source = models.CharField(max_length=100, blank=True, default="")
    source_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["post", "created_at", "id"], name="comment_post_time"),
                   # the few deleted ones, which search leaves out (a scan of every comment otherwise)
                   models.Index(fields=["id"], condition=models.Q(deleted_at__isnull=False), name="comment_deleted")]


class Reaction(models.Model):
    network = models.ForeignKey(Network, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions")
    comment = models.ForeignKey(Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(max_length=12, choices=ReactionKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "user", "kind"], condition=models.Q(comment__isnull=True),
                                    name="reaction_post_unique"),
            models.UniqueConstraint(fields=["comment", "user", "kind"], condition=models.Q(post__isnull=True),
                                    name="reaction_comment_unique"),
            models.CheckConstraint(condition=models.Q(post__isnull=True) ^ models.Q(comment__isnull=True),
                                   name="reaction_one_target"),
        ]
