from django.conf import settings


def essaim(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from essaim.notifications.queries import unread_count

        unread = unread_count(user)
    unread_messages = 0
    if user is not None and user.is_authenticated:
        from essaim.messaging.queries import unread_conversations_count

        unread_messages = unread_conversations_count(user)
    return {"network": getattr(request, "network", None), "unread_notifications": unread,
            "unread_messages": unread_messages,
            "essaim_debug": settings.DEBUG}
