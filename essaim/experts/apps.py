from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "essaim.experts"
    label = "experts"
