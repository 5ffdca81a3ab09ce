"""Organizers' settings and the audit log."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from communities import selectors, services
from communities.forms import AuditFilterForm, CommunitySettingsForm
from communities.http import community_view, paginate, query_without_page
from communities.models import Community
from communities.permissions import Access, can_change_settings
from core.http import client_ip

AUDIT_PAGE_SIZE = 50


@community_view
@login_required
def community_settings(request: HttpRequest, access: Access) -> HttpResponse:
    """Organizers edit everything about the community; a new address redirects from the old."""
    access.require("community.manage")
    community = access.community
    # The form works on a copy, so a refused change never leaks into the page's header.
    instance = Community.objects.get(pk=community.pk)
    # Bound on every post, even an empty one, so missing fields are reported.
    data = request.POST if request.method == "POST" else None
    form = CommunitySettingsForm(data, instance=instance)
    if request.method == "POST" and not can_change_settings(access):
        messages.error(request, _("The community is closed: reopen it to change its settings."))
        return redirect("community_settings", community.slug)
    if request.method == "POST":
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
            changed = services.update_community_settings(
                community, actor=request.user, changes=changes, ip=client_ip(request)
            )
            if changed:
                messages.success(request, _("The settings are saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("community_settings", community.slug)
        messages.error(request, _("Please correct the errors below."))
    request_link = ""
    if not community.is_public and community.join_policy == Community.JoinPolicy.REQUEST:
        request_link = request.build_absolute_uri(
            reverse("join", args=[community.slug]) + f"?key={community.join_key}"
        )
    return render(
        request,
        "communities/settings.html",
        {"access": access, "community": community, "form": form, "request_link": request_link},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def audit_log(request: HttpRequest, access: Access) -> HttpResponse:
    """The community's audit log, with filters; nothing here can change it."""
    access.require("audit.view")
    form = AuditFilterForm(request.GET or None, actions=selectors.audit_actions(access))
    # A filter that does not validate is dropped (and said so); the others still apply.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    events = selectors.audit_events(
        access,
        action=filters.get("action", ""),
        actor=filters.get("actor", "").strip(),
        member=filters.get("member", "").strip(),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    context = {
        "access": access,
        "community": access.community,
        "form": form,
        "page": paginate(request, events, AUDIT_PAGE_SIZE),
        "filters": query_without_page(request),
    }
    return render(request, "communities/audit.html", context)
