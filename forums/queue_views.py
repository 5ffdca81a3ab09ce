"""The facilitators' review queue: flagged posts and posts held for approval.

It lives in forums (at /c/<slug>/facilitate/moderation/) so the forum write layer can name it
with reverse() without reaching up into facilitation."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from communities.http import community_view, paginate
from communities.permissions import Access
from forums import selectors as forum_selectors


@community_view
@login_required
def moderation_queue(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/facilitate/moderation/: what needs a facilitator's decision."""
    access.require("forum.moderate")
    context = {
        "access": access,
        "community": access.community,
        "flagged": paginate(request, forum_selectors.flagged_posts(access), 20),
        "pending": list(forum_selectors.pending_posts(access)[:50]),
    }
    return render(request, "forums/moderation_queue.html", context)
