from essaim.core.events import declare

POST_CREATED = "post.created"
POST_UPDATED = "post.updated"
POST_DELETED = "post.deleted"
COMMENT_CREATED = "comment.created"
COMMENT_UPDATED = "comment.updated"
COMMENT_DELETED = "comment.deleted"
REACTIONS_CHANGED = "reaction.changed"
POSTS_BULK_CREATED = "posts.bulk_created"  # data: {"post_ids": [...]}


def _readers(event, user_ids):
    from .access import post_audience

    return post_audience(event.data["post_id"], user_ids)


def _former_readers(event, user_ids):
    from .access import post_audience

    return post_audience(event.data["post_id"], user_ids, deleted_too=True)


declare(POST_CREATED, POST_UPDATED, COMMENT_CREATED, COMMENT_UPDATED, COMMENT_DELETED, REACTIONS_CHANGED,
        audience=_readers)
declare(POST_DELETED, audience=_former_readers)
declare(POSTS_BULK_CREATED, audience=lambda event, user_ids: set())  # jobs react; no page shows it live
