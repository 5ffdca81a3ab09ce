"""allauth hooks."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from core.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Praxis's account rules on top of allauth's defaults."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_client_ip(self, request: HttpRequest) -> str | None:
        """The address login and sign-up rate limits count by: behind COP_TRUSTED_PROXIES
        proxies, the one they report, as for the audit log (never a shared proxy address)."""
        return client_ip(request)
