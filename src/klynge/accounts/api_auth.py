from ninja.security import HttpBearer

from klynge.accounts.services import authenticate_token


class BearerToken(HttpBearer):
    """`Authorization: Bearer klg_...`: a personal API token (see the profile page)."""

    def authenticate(self, request, token: str):
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user
