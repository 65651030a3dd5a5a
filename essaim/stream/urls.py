from django.urls import path

from . import views

app_name = "stream"

urlpatterns = [
    path("", views.home, name="home"),
    path("all/", views.all_company, name="all"),
    path("posts/new/", views.create_post, name="create_post"),
    path("posts/<int:post_id>/", views.post_detail, name="post"),
    path("posts/<int:post_id>/edit/", views.edit_post, name="edit_post"),
    path("posts/<int:post_id>/delete/", views.delete_post, name="delete_post"),
    path("posts/<int:post_id>/versions/", views.post_versions, name="versions"),
    path("posts/<int:post_id>/comments/", views.create_comment, name="create_comment"),
    path("posts/<int:post_id>/react/", views.react_post, name="react_post"),
    path("posts/<int:post_id>/pin/", views.pin_post, name="pin_post"),
    path("comments/<int:comment_id>/edit/", views.edit_comment, name="edit_comment"),
    path("comments/<int:comment_id>/delete/", views.delete_comment, name="delete_comment"),
    path("comments/<int:comment_id>/react/", views.react_comment, name="react_comment"),
    path("topics/<str:name>/", views.topic, name="topic"),
    path("topics/<str:name>/follow/", views.follow_topic, name="follow_topic"),
    path("autocomplete/", views.autocomplete, name="autocomplete"),
]
