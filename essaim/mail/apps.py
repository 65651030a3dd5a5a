from django.apps import AppConfig


class MailConfig(AppConfig):
    name = "essaim.mail"
    label = "mail"
