"""Joining, leaving, the member directory, roles and suspensions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import selectors, services
from communities.forms import (
    JoinRequestForm,
    MemberFilterForm,
    RoleForm,
    SilenceForm,
    SuspendForm,
)
from communities.http import community_view, paginate, query_without_page
from communities.models import Community, Membership
from communities.permissions import (
    Access,
    access_for,
    can_change_role,
    can_leave,
    can_reinstate,
    can_request_with_key,
    can_silence,
    can_suspend,
    request_key_matches,
)
from core.http import client_ip

MEMBERS_PAGE_SIZE = 30


def join(request: HttpRequest, slug: str) -> HttpResponse:
    """Join an open community, or ask to join one that approves its members."""
    community = get_object_or_404(Community, slug=slug)
    access = access_for(request.user, community)
    key = request.GET.get("key") or request.POST.get("key") or ""
    if not access.can("community.view") and not can_request_with_key(request.user, community, key):
        # Only the holder of the real key is sent to log in: any other key must not tell a
        # private community from one that does not exist.
        if not request.user.is_authenticated and request_key_matches(community, key):
            return redirect_to_login(request.get_full_path())
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if access.membership is not None:
        return redirect(community)
    pending = selectors.pending_request_of(access)
    form = JoinRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and pending is not None:
        messages.error(
            request, _("You have already asked to join; the facilitators will answer soon.")
        )
    if request.method == "POST" and pending is None:
        try:
            if community.join_policy == Community.JoinPolicy.OPEN:
                services.join_community(community, request.user)
                messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
                return redirect(community)
            if community.join_policy == Community.JoinPolicy.REQUEST and form.is_valid():
                services.request_to_join(
                    community, request.user, message=form.cleaned_data["message"]
                )
                messages.success(
                    request,
                    _("Your request has been sent. The facilitators will answer it soon."),
                )
                if access.can("community.view"):
                    return redirect(community)
                return redirect("home")
            if community.join_policy == Community.JoinPolicy.INVITE:
                raise services.MembershipError(
                    _(
                        "This community is open by invitation only. Ask one of its facilitators "
                        "for an invitation."
                    )
                )
        except services.MembershipError as error:
            messages.error(request, str(error))
    return render(
        request,
        "communities/join.html",
        {"community": community, "access": access, "form": form, "pending": pending, "key": key},
        # Every successful post redirects: a post that lands here was refused.
        status=200 if request.method == "GET" else 400,
    )


def withdraw_request(request: HttpRequest, slug: str) -> HttpResponse:
    """Take back one's pending request."""
    community = get_object_or_404(Community, slug=slug)
    access = access_for(request.user, community)
    pending = selectors.pending_request_of(access)
    # Only those who may see the community, or who asked to join it, learn that it exists:
    # the 404 comes before the login redirect and the method check.
    if pending is None and not access.can("community.view"):
        raise Http404
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if pending is None:
        raise Http404
    services.withdraw_join_request(pending, actor=request.user)
    messages.info(request, _("Your request has been withdrawn."))
    return redirect(community if access.can("community.view") else "home")


@community_view
@login_required
def leave(request: HttpRequest, access: Access) -> HttpResponse:
    """Leave the community, after confirming."""
    if access.membership is None:
        raise Http404 if not access.can("community.view") else PermissionDenied
    membership = access.membership
    if request.method == "POST":
        try:
            services.leave_community(membership, actor=request.user, ip=client_ip(request))
        except services.MembershipError as error:
            messages.error(request, str(error))
            return redirect(access.community)
        messages.info(request, _("You have left %(name)s.") % {"name": access.community.name})
        return redirect("home")
    return render(
        request,
        "communities/leave.html",
        {"access": access, "community": access.community, "allowed": can_leave(membership)},
    )


@community_view
@login_required
def members(request: HttpRequest, access: Access) -> HttpResponse:
    """The member directory with its filters and the community's interdisciplinary mix."""
    access.require("member.list")
    form = MemberFilterForm(request.GET or None)
    # A filter that does not validate is dropped (and said so); the others still apply.
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    page = paginate(
        request,
        selectors.members_visible_to(
            access,
            query=filters.get("q", "").strip(),
            role=filters.get("role", ""),
            sector=filters.get("sector", ""),
            discipline=filters.get("discipline", "").strip(),
            organization=filters.get("organization", "").strip(),
        ),
        MEMBERS_PAGE_SIZE,
    )
    context = {
        "access": access,
        "community": access.community,
        "form": form,
        "page": page,
        "mix": selectors.member_mix(access),
        "filters": query_without_page(request),
        "roles": Membership.Role.choices,
    }
    template = "communities/members.html"
    if request.htmx and request.htmx.target == "member-list":
        template += "#member-list"
    return render(request, template, context)


def _target(access: Access, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "community"),
        pk=membership_id,
        community=access.community,
    )


@community_view
@login_required
@require_POST
def change_role(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    """Organizers promote and demote."""
    access.require("member.promote")
    target = _target(access, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role."))
        return redirect("members", access.community.slug)
    role = form.cleaned_data["role"]
    if not can_change_role(access, target, role):
        if target.role == Membership.Role.ORGANIZER:
            messages.error(request, _("The last organizer cannot be demoted."))
        else:
            messages.error(request, _("This role change is not possible."))
        return redirect("members", access.community.slug)
    services.change_role(target, actor=request.user, role=role, ip=client_ip(request))
    messages.success(
        request,
        _("%(name)s is now: %(role)s.")
        % {"name": target.user.name, "role": Membership.Role(role).label},
    )
    return redirect("members", access.community.slug)


def _sanction(request, access, membership_id, *, allowed, form_class, apply, template, done):
    """The shared steps of suspending and silencing: check, validate, apply, report."""
    access.require("member.suspend")
    target = _target(access, membership_id)
    if not allowed(access, target):
        raise PermissionDenied
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        apply(
            target,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            until=form.cleaned_data["until"],
            ip=client_ip(request),
        )
        messages.success(request, done % {"name": target.user.name})
        return redirect("members", access.community.slug)
    return render(
        request,
        template,
        {"access": access, "community": access.community, "target": target, "form": form},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def suspend(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    """Facilitators suspend a member, for some days or until lifted, with a reason they are told."""
    return _sanction(
        request,
        access,
        membership_id,
        allowed=can_suspend,
        form_class=SuspendForm,
        apply=services.suspend_member,
        template="communities/suspend.html",
        done=_("%(name)s is suspended."),
    )


@community_view
@login_required
@require_POST
def reinstate(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    """Facilitators lift a suspension."""
    access.require("member.suspend")
    target = _target(access, membership_id)
    if not can_reinstate(access, target):
        raise PermissionDenied
    services.reinstate_member(target, actor=request.user, ip=client_ip(request))
    messages.success(request, _("%(name)s is active again.") % {"name": target.user.name})
    return redirect("members", access.community.slug)


@community_view
@login_required
def silence(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    """Facilitators silence a member for some days: they may read, not post."""
    return _sanction(
        request,
        access,
        membership_id,
        allowed=can_silence,
        form_class=SilenceForm,
        apply=services.silence_member,
        template="communities/silence.html",
        done=_("%(name)s is silenced."),
    )


@community_view
@login_required
@require_POST
def unsilence(request: HttpRequest, access: Access, membership_id: int) -> HttpResponse:
    """Facilitators end a silence early."""
    access.require("member.suspend")
    target = _target(access, membership_id)
    # The rules of silencing: a silenced facilitator may not end their own silence, nor one
    # an organizer imposed on a colleague.
    if not can_silence(access, target):
        raise PermissionDenied
    if services.unsilence_member(target, actor=request.user, ip=client_ip(request)):
        messages.success(request, _("%(name)s can post again.") % {"name": target.user.name})
    return redirect("members", access.community.slug)
