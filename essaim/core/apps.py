from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "essaim.core"
    label = "core"

    def ready(self) -> None:
        from .jobs import import_job_modules

        import_job_modules()  # every app's job kinds are known before anything enqueues one
