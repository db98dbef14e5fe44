"""``Authorization: Bearer <token>`` with a personal API token; the token acts as its user."""

from rest_framework import authentication, exceptions

from .services.tokens import api_token_authenticate


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Send the header as “Authorization: Bearer <token>”.")
        try:
            plaintext = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = api_token_authenticate(plaintext)
        if token is None:
            # One answer for unknown, expired and revoked tokens and deactivated users.
            raise exceptions.AuthenticationFailed("The token is not valid, has expired or has been revoked.")
        return token.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
