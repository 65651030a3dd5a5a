from django.urls import path

from .api import inbound_mail

app_name = "mail"

urlpatterns = [
    path("api/v1/mail/inbound", inbound_mail, name="inbound"),
]
