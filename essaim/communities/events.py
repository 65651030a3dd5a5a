from essaim.core.events import declare

COMMUNITY_UPDATED = "community.updated"
MEMBERSHIP_CHANGED = "community.membership_changed"

declare(COMMUNITY_UPDATED, MEMBERSHIP_CHANGED)
