"""Inviting people: by email (one, pasted or CSV), by link; revoke, resend; accepting."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from communities import selectors, services, submissions
from communities.adapters import SESSION_KEY
from communities.forms import BulkInviteForm, InvitationLinkForm
from communities.http import community_view, paginate
from communities.models import Invitation, Membership
from communities.permissions import Access, can_accept_invitation, can_invite_with_role
from core.http import client_ip


def _allowed_roles(access: Access) -> list[str]:
    return [role for role in Membership.Role.values if can_invite_with_role(access, role)]


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _page(request, access, *, email_form=None, link_form=None, status=200):
    roles = _allowed_roles(access)
    email_form = email_form or BulkInviteForm(community=access.community)
    link_form = link_form or InvitationLinkForm()
    email_form.limit_roles(roles)
    link_form.limit_roles(roles)
    context = {
        "access": access,
        "community": access.community,
        "email_form": email_form,
        "link_form": link_form,
        "invitations": paginate(request, selectors.invitations_of(access), 30),
        "base_url": _base_url(request),
    }
    return render(request, "communities/invitations.html", context, status=status)


@community_view
@login_required
def invitations(request: HttpRequest, access: Access) -> HttpResponse:
    """The invitations page; its first form invites by email."""
    access.require("invitation.manage")
    if request.method != "POST":
        return _page(request, access)
    form = BulkInviteForm(request.POST, request.FILES, community=access.community)
    form.limit_roles(_allowed_roles(access))
    if not form.is_valid():
        # Sent twice: the first send made these addresses "already invited".
        if (done := submissions.earlier(request)) is not None:
            messages.info(request, submissions.ALREADY_SENT)
            return redirect(done.url)
        messages.error(request, _("Nothing was sent: please correct the errors below."))
        return _page(request, access, email_form=form, status=400)
    submission = submissions.once(
        request,
        lambda: services.invite_by_email(
            access.community,
            actor=request.user,
            emails=form.cleaned_data["addresses"],
            role=form.cleaned_data["role"],
            message=form.cleaned_data["message"],
            base_url=_base_url(request),
            ip=client_ip(request),
        ),
        url=lambda _invitations: reverse("invitations", args=[access.community.slug]),
    )
    if submission.repeated:
        messages.info(request, submissions.ALREADY_SENT)
        return redirect(submission.url)
    sent = submission.made
    messages.success(
        request,
        ngettext("%(count)d invitation sent.", "%(count)d invitations sent.", len(sent))
        % {"count": len(sent)},
    )
    for skipped in form.skipped:
        messages.info(
            request,
            _("Line %(line)d, %(value)s: %(reason)s — skipped.")
            % {"line": skipped.line, "value": skipped.value, "reason": skipped.message},
        )
    for resent in form.resent:
        messages.info(
            request,
            _("Line %(line)d, %(value)s: %(reason)s — sent again.")
            % {"line": resent.line, "value": resent.value, "reason": resent.message},
        )
    return redirect("invitations", access.community.slug)


@community_view
@login_required
@require_POST
def create_link(request: HttpRequest, access: Access) -> HttpResponse:
    """A reusable invitation link with an expiry and a maximum number of uses."""
    access.require("invitation.manage")
    form = InvitationLinkForm(request.POST)
    form.limit_roles(_allowed_roles(access))
    if not form.is_valid():
        messages.error(request, _("The link was not created: please correct the errors below."))
        return _page(request, access, link_form=form, status=400)
    submission = submissions.once(
        request,
        lambda: services.create_invitation_link(
            access.community,
            actor=request.user,
            role=form.cleaned_data["role"],
            expires_at=form.cleaned_data["expires_at"],
            max_uses=form.cleaned_data["max_uses"],
            ip=client_ip(request),
        ),
        url=lambda _link: reverse("invitations", args=[access.community.slug]),
    )
    if submission.repeated:
        messages.info(request, submissions.ALREADY_SENT)
        return redirect(submission.url)
    messages.success(request, _("The invitation link is ready: copy it from the list below."))
    return redirect("invitations", access.community.slug)


def _invitation(access: Access, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation, pk=invitation_id, community=access.community)


@community_view
@login_required
@require_POST
def revoke(request: HttpRequest, access: Access, invitation_id: int) -> HttpResponse:
    access.require("invitation.manage")
    invitation = _invitation(access, invitation_id)
    if not can_invite_with_role(access, invitation.role):
        raise PermissionDenied
    if services.revoke_invitation(invitation, actor=request.user, ip=client_ip(request)):
        messages.success(request, _("The invitation is revoked."))
    return redirect("invitations", access.community.slug)


@community_view
@login_required
@require_POST
def resend(request: HttpRequest, access: Access, invitation_id: int) -> HttpResponse:
    access.require("invitation.manage")
    invitation = _invitation(access, invitation_id)
    if not can_invite_with_role(access, invitation.role):
        raise PermissionDenied
    if services.resend_invitation(
        invitation, actor=request.user, base_url=_base_url(request), ip=client_ip(request)
    ):
        messages.success(
            request, _("The invitation to %(email)s was sent again.") % {"email": invitation.email}
        )
    else:
        messages.error(request, _("This invitation cannot be sent again."))
    return redirect("invitations", access.community.slug)


def accept(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The page an invitation leads to; the token is what grants sight of the community."""
    invitation = get_object_or_404(
        Invitation.objects.select_related("community", "created_by"),
        token=token,
        community__slug=slug,
    )
    community = invitation.community
    user = request.user
    membership = (
        Membership.objects.filter(community=community, user=user).first()
        if user.is_authenticated
        else None
    )
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect(invitation)
        try:
            membership = services.accept_invitation(invitation, user=user)
        except services.MembershipError as error:
            messages.error(request, str(error))
            return redirect(invitation)
        messages.success(request, _("Welcome to %(name)s!") % {"name": community.name})
        return redirect(community)
    if not user.is_authenticated and invitation.is_usable:
        # Signing up or logging in from here comes back as a member (communities.adapters).
        request.session[SESSION_KEY] = invitation.token
        if invitation.kind == Invitation.Kind.EMAIL:
            # The address received this link: signing up with it needs no second verification.
            get_adapter(request).stash_verified_email(request, invitation.email)
    context = {
        "invitation": invitation,
        "community": community,
        "membership": membership,
        "can_accept": can_accept_invitation(user, invitation),
    }
    return render(
        request,
        "communities/invitation.html",
        context,
        status=200 if invitation.is_usable else 410,
    )
