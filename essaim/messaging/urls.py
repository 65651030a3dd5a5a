from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.conversation_list, name="list"),
    path("messages/new/", views.new_conversation, name="new"),
    path("messages/<int:conversation_id>/", views.thread, name="thread"),
    path("messages/<int:conversation_id>/send/", views.send, name="send"),
    path("messages/<int:conversation_id>/leave/", views.leave, name="leave"),
    path("messages/<int:conversation_id>/mute/", views.mute, name="mute"),
    path("messages/<int:conversation_id>/participants/", views.add_participants, name="add_participants"),
    path("messages/<int:conversation_id>/rename/", views.rename, name="rename"),
]
