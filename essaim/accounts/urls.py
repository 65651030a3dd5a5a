from django.http import HttpResponse
from django.urls import path

app_name = "accounts"


def _todo(request, **kwargs):
    return HttpResponse("")


urlpatterns = [path("people/<int:user_id>/", _todo, name="profile")]
