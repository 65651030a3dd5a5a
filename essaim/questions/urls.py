from django.urls import path

from . import views

app_name = "questions"

urlpatterns = [
    path("questions/", views.question_list, name="list"),
    path("questions/ask/", views.ask, name="ask"),
    path("questions/<int:question_id>/", views.detail, name="detail"),
    path("questions/<int:question_id>/answer/", views.answer, name="answer"),
    path("questions/<int:question_id>/vote/", views.vote_question, name="vote"),
    path("questions/<int:question_id>/comment/", views.comment_question, name="comment"),
    path("questions/<int:question_id>/duplicate/", views.mark_duplicate, name="duplicate"),
    path("questions/answers/<int:answer_id>/vote/", views.vote_answer, name="vote_answer"),
    path("questions/answers/<int:answer_id>/accept/", views.accept_answer, name="accept"),
    path("questions/answers/<int:answer_id>/comment/", views.comment_answer, name="comment_answer"),
    path("questions/answers/<int:answer_id>/delete/", views.delete_answer, name="delete_answer"),
    path("communities/<int:community_id>/questions/", views.community_questions, name="community"),
]
