from essaim.core.events import declare

POST_CREATED = "post.created"
POST_UPDATED = "post.updated"
POST_DELETED = "post.deleted"
COMMENT_CREATED = "comment.created"
COMMENT_UPDATED = "comment.updated"
COMMENT_DELETED = "comment.deleted"
REACTIONS_CHANGED = "reaction.changed"
POSTS_BULK_CREATED = "posts.bulk_created"  # data: {"post_ids": [...]}
COMMENTS_BULK_CREATED = "comments.bulk_created"  # data: {"comment_ids": [...], "post_ids": [...]}
REACTIONS_BULK_CHANGED = "reactions.bulk_changed"  # data: {"post_ids": [...]}


def _readers(event, user_ids):
    from .access import post_audience

    return post_audience(event.data["post_id"], user_ids)


def _former_readers(event, user_ids):
    from .access import post_audience

    return post_audience(event.data["post_id"], user_ids, deleted_too=True)


declare(POST_CREATED, POST_UPDATED, COMMENT_CREATED, COMMENT_UPDATED, COMMENT_DELETED, REACTIONS_CHANGED,
        audience=_readers)
declare(POST_DELETED, audience=_former_readers)
# Written in bulk (generated data): jobs react; no page shows them live.
declare(POSTS_BULK_CREATED, COMMENTS_BULK_CREATED, REACTIONS_BULK_CHANGED, audience=lambda event, user_ids: set())
