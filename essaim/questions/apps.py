from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "essaim.questions"
    label = "questions"
