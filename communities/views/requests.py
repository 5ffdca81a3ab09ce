"""Facilitators' view of join requests."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import selectors, services
from communities.forms import DecisionForm
from communities.http import community_view, paginate
from communities.models import JoinRequest
from communities.permissions import Access
from core.http import client_ip


@community_view
@login_required
def join_requests(request: HttpRequest, access: Access) -> HttpResponse:
    """Pending requests, oldest first, and the recent decisions."""
    access.require("join_request.decide")
    context = {
        "access": access,
        "community": access.community,
        "pending": list(selectors.pending_join_requests(access)),
        "decided": paginate(request, selectors.recent_join_decisions(access), 20),
    }
    return render(request, "communities/requests.html", context)


@community_view
@login_required
@require_POST
def decide(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """Approve or decline one request, with an optional reply."""
    access.require("join_request.decide")
    join_request = get_object_or_404(
        JoinRequest.objects.select_related("user"), pk=request_id, community=access.community
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose approve or decline."))
        return redirect("join_requests", access.community.slug)
    approve = form.cleaned_data["decision"] == "approve"
    decided = services.decide_join_request(
        join_request,
        actor=request.user,
        approve=approve,
        reply=form.cleaned_data["reply"],
        ip=client_ip(request),
    )
    if request.htmx:
        # The row answers in place; a flash message would only trail to the next page. It shows
        # the request's real state, which another facilitator may have decided first.
        join_request.refresh_from_db(fields=["state"])
        return render(
            request,
            "communities/requests.html#request-row",
            {
                "access": access,
                "community": access.community,
                "join_request": join_request,
                "answered": True,
                "already_answered": not decided,
                "approved": join_request.state == JoinRequest.State.APPROVED,
            },
        )
    if not decided:
        messages.info(request, _("This request had already been answered."))
    elif approve:
        messages.success(request, _("%(name)s is now a member.") % {"name": join_request.user.name})
    else:
        messages.info(
            request, _("The request of %(name)s was declined.") % {"name": join_request.user.name}
        )
    return redirect("join_requests", access.community.slug)
