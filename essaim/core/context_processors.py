from django.conf import settings


def essaim(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        from essaim.notifications.queries import unread_count

        unread = unread_count(user)
    return {"network": getattr(request, "network", None), "unread_notifications": unread,
            "essaim_debug": settings.DEBUG}
