"""Template context shared by every page."""

from django.http import HttpRequest


def csp_nonce(request: HttpRequest) -> dict:
    """Expose django-csp's per-request nonce as `csp_nonce` (the name django-htmx's tags read)."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
