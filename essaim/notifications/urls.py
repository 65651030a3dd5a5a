from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("notifications/read/", views.mark_read, name="read"),
    path("notifications/<int:notification_id>/", views.open_notification, name="open"),
    path("settings/notifications/", views.settings_notifications, name="settings"),
    path("communities/<int:community_id>/notification-level/", views.community_level, name="community_level"),
    path("posts/<int:post_id>/mute/", views.mute_thread, name="mute"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
