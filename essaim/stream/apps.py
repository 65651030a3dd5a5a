from django.apps import AppConfig


class StreamConfig(AppConfig):
    name = "essaim.stream"
    label = "stream"
