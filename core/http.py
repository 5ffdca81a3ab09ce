"""Small request helpers."""

import ipaddress

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
            return _address(forwarded[-proxies])
    return _address(request.META.get("REMOTE_ADDR"))


def _address(text: str | None) -> str | None:
    # Stored in an inet column: anything but an address (a proxy set up wrong passes on what the
    # client wrote) would fail the insert on PostgreSQL.
    try:
        return str(ipaddress.ip_address(text or ""))
    except ValueError:
        return None
