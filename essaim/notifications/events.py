from essaim.core.events import declare

NOTIFICATION_CREATED = "notification.created"
NOTIFICATIONS_READ = "notification.read"

declare(NOTIFICATION_CREATED, NOTIFICATIONS_READ)
