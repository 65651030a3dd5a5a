from django.urls import path

from . import views

app_name = "experts"

urlpatterns = [
    path("experts/", views.find, name="find"),
    path("experts", views.find),
    path("people/<int:user_id>/skills/<path:skill>/endorse", views.endorse, name="endorse"),
    path("people/<int:user_id>/skills/<path:skill>/unendorse", views.unendorse, name="unendorse"),
    path("settings/expertise/hide", views.hide_area, name="hide_area"),
    path("settings/routing", views.settings_routing, name="settings_routing"),
    path("questions/<int:question_id>/route", views.route_question, name="route"),
]
