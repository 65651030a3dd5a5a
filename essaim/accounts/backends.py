"""Sign in with e-mail and password, inside the network the request is for. Placeholder people
(imported authors who never joined) never sign in."""

from django.contrib.auth.backends import BaseBackend

from .models import User


class NetworkEmailBackend(BaseBackend):
    def authenticate(self, request, email=None, password=None, network=None, **kwargs):
        if network is None and request is not None:
            network = getattr(request, "network", None)
        if not email or not password or network is None:
            return None
        user = User.objects.filter(network=network, email__iexact=email.strip()).first()
        if user is None:
            User().set_password(password)  # same work for unknown addresses: no timing oracle
            return None
        if user.check_password(password) and user.is_active and not user.is_placeholder:
            return user
        return None

    def get_user(self, user_id):
        user = User.objects.select_related("network", "organization").filter(pk=user_id).first()
        return user if user is not None and user.is_active and not user.is_placeholder else None
