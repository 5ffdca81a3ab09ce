"""Drafts of what people type: kept in their browser until the server has stored it.

static/js/drafts.js saves the text of forms marked `data-draft` in the browser's storage while
it is typed, and puts it back into the form after any failed submission: an expired session (the
login page, then back), a rate limit, a server error, a lost connection. It only forgets a draft
when the server says it was stored, which this middleware does for every form at once: a POST
carrying the form's `draft` key that succeeded — a redirect elsewhere than the login page, or an
htmx answer in the 2xx range, with no error message queued — gets a short-lived cookie naming
the key, which the script reads and clears on the next page.
"""

import re
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.messages import ERROR
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

DRAFT_FIELD = "draft"
SENT_COOKIE = "praxis_draft_sent"
_KEY = re.compile(r"^[a-z0-9-]{1,100}$")


def _error_queued(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", [])
    return any(message.level >= ERROR for message in queued)


def _stored(request: HttpRequest, response: HttpResponse) -> bool:
    """Whether the form this POST carried was accepted (see the module docstring)."""
    if _error_queued(request):
        return False
    if getattr(request, "htmx", False):
        return 200 <= response.status_code < 300
    if response.status_code not in {301, 302, 303}:
        return False
    return not response.get("Location", "").startswith(resolve_url(settings.LOGIN_URL))


class DraftSentMiddleware:
    """Tell the page's script which draft the server stored, so it forgets it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # Only a body the view already read: reading it here could pull in an upload the view
        # refused unread (413).
        form = getattr(request, "_post", None)
        if request.method != "POST" or form is None:
            return response
        key = form.get(DRAFT_FIELD, "")
        if _KEY.match(key) and _stored(request, response):
            response.set_cookie(
                SENT_COOKIE, key, max_age=300, samesite="Lax", secure=request.is_secure()
            )
        return response


class SessionExpiredMiddleware:
    """An htmx request whose session expired sends the whole page to the login page, and back.

    Without it the login page's HTML would be swapped into the part of the page being updated
    (a reply box), and after logging in the person would land on a URL that only takes POSTs.
    Sent back to the page they were on, they find their draft restored in its form.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or response.status_code not in {301, 302, 303}:
            return response
        login = resolve_url(settings.LOGIN_URL)
        if not response.get("Location", "").startswith(login):
            return response
        page = request.headers.get("HX-Current-URL", "")
        if not url_has_allowed_host_and_scheme(page, {request.get_host()}, request.is_secure()):
            page = "/"
        parts = urlsplit(page)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = HttpResponse(status=204)
        answer["HX-Redirect"] = f"{login}?{urlencode({REDIRECT_FIELD_NAME: back})}"
        return answer
