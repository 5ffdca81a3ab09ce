"""Refusing, once for the whole site, requests that carry a NUL character.

No field of ours may hold one (PostgreSQL refuses NUL in text, so a NUL that reached a query
answered 500), and no person types one: a NUL in the path, the query string, a form field's name
or value, or an uploaded file's name is answered 400 before any view sees it. A cookie holding a
NUL was not written by us: it is dropped, as a browser would drop a cookie we never set.
"""

from collections.abc import Callable, Iterable
from urllib.parse import unquote_to_bytes

from django.core.exceptions import BadRequest
from django.core.handlers.exception import response_for_exception
from django.http import HttpRequest, HttpResponse
from django.utils import translation

NUL = "\x00"


class NulInRequest(BadRequest):
    """The request carries a NUL character, which nothing of ours accepts."""


def _holds_nul(texts: Iterable[str]) -> bool:
    return any(NUL in text for text in texts)


def _form_holds_nul(request: HttpRequest) -> bool:
    """Whether the parsed body holds a NUL: a field's name or value, a file's field or name."""
    post, files = request._post, request._files
    return (
        _holds_nul(post.keys())
        or any(_holds_nul(values) for values in post.lists())
        or _holds_nul(files.keys())
        or any(_holds_nul(item.name or "" for item in items) for _name, items in files.lists())
    )


class RejectNulMiddleware:
    """Answers 400 to a NUL in the path, the query or the body; drops cookies holding one."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for name, value in list(request.COOKIES.items()):
            if NUL in name or NUL in value:
                del request.COOKIES[name]
        # The server has already decoded the path (%00 included); the query string is decoded
        # here, raw bytes and percent-encoded ones alike.
        query = unquote_to_bytes(request.META.get("QUERY_STRING", ""))
        if NUL in request.path or b"\x00" in query:
            return self._refuse(request)
        if request.method == "POST":
            self._check_body_when_read(request)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse:
        # LocaleMiddleware comes later and has not chosen the page's language yet.
        with translation.override(translation.get_language_from_request(request)):
            return response_for_exception(request, NulInRequest("NUL in the path or query"))

    @staticmethod
    def _check_body_when_read(request: HttpRequest) -> None:
        """Check the body when it is first parsed, not now: an upload view first puts its size
        limits in place (core.upload_limits), which it can only do while the body is unread."""
        load = request._load_post_and_files

        def load_and_check() -> None:
            load()
            if _form_holds_nul(request):
                # Nothing of this body may reach a view, even one that catches the error.
                request._mark_post_parse_error()
                raise NulInRequest("NUL in the body")

        request._load_post_and_files = load_and_check
