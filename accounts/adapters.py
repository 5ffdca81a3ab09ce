"""allauth hooks."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    """Praxis's account rules on top of allauth's defaults."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True
