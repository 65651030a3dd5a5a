from essaim.core.events import declare

COMMUNITY_UPDATED = "community.updated"
MEMBERSHIP_CHANGED = "community.membership_changed"


def _who_sees(event, user_ids):
    from .access import community_audience

    return community_audience(event.data["community_id"], user_ids)


declare(COMMUNITY_UPDATED, audience=_who_sees)
declare(MEMBERSHIP_CHANGED)
