"""Small request helpers."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the one the trusted proxies in front report.

    With COP_TRUSTED_PROXIES=n, the n-th address from the right of X-Forwarded-For is taken:
    anything further left was written by the client and cannot be trusted.
    """
    proxies = settings.COP_TRUSTED_PROXIES
    if proxies:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None
