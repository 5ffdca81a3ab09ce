"""Closing a community (read-only for everyone) and reopening it: organizers only, confirmed.

Closing archives the community: nobody posts, uploads, answers or joins any more, it leaves the
public directory, and what it published stays readable. Both steps are audited and told to the
other organizers and facilitators (communities.services.communities).
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from communities.http import community_view
from communities.permissions import Access, can_close_or_reopen
from communities.services.communities import close_community, reopen_community
from core.http import client_ip


class CloseConfirmationForm(forms.Form):
    """Closing is confirmed by ticking a box that says what it does."""

    confirm = forms.BooleanField(
        label=gettext_lazy("I understand: the community becomes read-only for everyone."),
        required=True,
        error_messages={"required": gettext_lazy("Tick the box to confirm the closure.")},
    )


def _require_organizer(access: Access) -> None:
    """404 to those who may not see the community, 403 to everyone but its organizers."""
    access.require("community.view")
    if not can_close_or_reopen(access):
        raise PermissionDenied


@community_view
@login_required
def close(request: HttpRequest, access: Access) -> HttpResponse:
    """The confirmation page (GET) and the closure itself (POST, with the box ticked)."""
    _require_organizer(access)
    community = access.community
    if community.is_archived:
        messages.info(request, _("This community is already closed."))
        return redirect(community)
    form = CloseConfirmationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            close_community(community, actor=request.user, ip=client_ip(request))
            messages.success(request, _("The community is closed: it is now read-only."))
            return redirect(community)
        messages.error(request, _("The community is still open: tick the box to confirm."))
    context = {"access": access, "community": community, "form": form}
    return render(request, "communities/close.html", context, status=400 if form.errors else 200)


@community_view
@login_required
def reopen(request: HttpRequest, access: Access) -> HttpResponse:
    """The confirmation page (GET) and the reopening (POST)."""
    _require_organizer(access)
    community = access.community
    if not community.is_archived:
        messages.info(request, _("This community is open."))
        return redirect(community)
    if request.method == "POST":
        reopen_community(community, actor=request.user, ip=client_ip(request))
        messages.success(request, _("The community is open again."))
        return redirect(community)
    return render(request, "communities/reopen.html", {"access": access, "community": community})
