from django.http import HttpResponse
from django.urls import path

app_name = "stream"


def _todo(request, **kwargs):
    return HttpResponse("")


urlpatterns = [path("topics/<str:name>/", _todo, name="topic")]
