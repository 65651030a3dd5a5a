from django.urls import path

from . import views

app_name = "communities"

urlpatterns = [
    path("communities/", views.community_list, name="list"),
    path("communities/new/", views.community_new, name="new"),
    path("communities/<int:community_id>/", views.community_detail, name="detail"),
    path("communities/<int:community_id>/edit/", views.community_edit, name="edit"),
    path("communities/<int:community_id>/join/", views.join, name="join"),
    path("communities/<int:community_id>/leave/", views.leave, name="leave"),
    path("communities/<int:community_id>/cancel-request/", views.cancel_request, name="cancel_request"),
    path("communities/<int:community_id>/members/", views.members, name="members"),
    path("communities/<int:community_id>/members/add/", views.add_member, name="add_member"),
    path("communities/<int:community_id>/members/<int:user_id>/role/", views.change_role, name="change_role"),
    path("communities/<int:community_id>/members/<int:user_id>/remove/", views.remove_member, name="remove_member"),
    path("communities/<int:community_id>/requests/", views.requests, name="requests"),
    path("communities/<int:community_id>/requests/<int:request_id>/<slug:decision>/", views.decide_request,
         name="decide_request"),
]
