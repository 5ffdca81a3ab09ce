"""/c/<slug>/facilitate/export/…: the members and activity of a community as CSV files, for its
facilitators (facilitation.exports writes them)."""

from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from communities.http import community_view
from communities.permissions import Access
from core.http import client_ip
from facilitation import exports


def _in_language(lines: Iterator[bytes], language: str | None) -> Iterator[bytes]:
    """The file is written while it is sent, after the view returned: in the language of the
    request that asked for it."""
    with translation.override(language):
        yield from lines


def _csv_response(access: Access, lines: Iterator[bytes], what: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _in_language(lines, translation.get_language()), content_type="text/csv; charset=utf-8"
    )
    name = exports.filename(access.community, what)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@community_view
@login_required
@require_GET
def export_members(request: HttpRequest, access: Access) -> HttpResponse:
    """Every member: profile, role, state, when they joined, their last activity and recent
    contributions."""
    access.require("community.facilitate")
    exports.record_export(
        access.community, actor=request.user, what="members", ip=client_ip(request)
    )
    return _csv_response(access, exports.members_csv(access.community), "members")


@community_view
@login_required
@require_GET
def export_activity(request: HttpRequest, access: Access) -> HttpResponse:
    """What happened in the community (from ?since=YYYY-MM-DD when given)."""
    access.require("community.facilitate")
    try:
        since = exports.parse_since(request.GET.get("since"))
    except ValueError:
        return HttpResponseBadRequest(
            _("The “since” date must be written YYYY-MM-DD."), content_type="text/plain"
        )
    exports.record_export(
        access.community,
        actor=request.user,
        what="activity",
        details={"since": since.isoformat()} if since else None,
        ip=client_ip(request),
    )
    lines = exports.activity_csv(access.community, since=since, absolute=request.build_absolute_uri)
    return _csv_response(access, lines, "activity")


urls = [
    path(
        "c/<slug:slug>/facilitate/export/members.csv",
        export_members,
        name="export_members",
    ),
    path(
        "c/<slug:slug>/facilitate/export/activity.csv",
        export_activity,
        name="export_activity",
    ),
]
urlpatterns = urls
