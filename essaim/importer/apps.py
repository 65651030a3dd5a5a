from django.apps import AppConfig


class ImporterConfig(AppConfig):
    name = "essaim.importer"
    label = "importer"
