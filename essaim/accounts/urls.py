from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/<str:uidb64>/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("people/", views.directory, name="directory"),
    path("people/<int:user_id>/", views.profile, name="profile"),
    path("people/<int:user_id>/follow/", views.follow, name="follow"),
    path("people/<int:user_id>/unfollow/", views.unfollow, name="unfollow"),
    path("people/<int:user_id>/avatar.svg", views.avatar_svg, name="avatar"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
    path("settings/password/", views.settings_password, name="settings_password"),
    path("settings/tokens/", views.settings_tokens, name="settings_tokens"),
    path("settings/tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("admin/people/", views.admin_people, name="admin_people"),
    path("admin/people/<int:user_id>/<slug:action>/", views.admin_person_action, name="admin_person_action"),
    path("admin/network/", views.admin_network, name="admin_network"),
]
