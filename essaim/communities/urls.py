from django.http import HttpResponse
from django.urls import path

app_name = "communities"


def _todo(request, **kwargs):
    return HttpResponse("")


urlpatterns = [path("communities/<int:community_id>/", _todo, name="detail")]
