"""allauth hooks that bring a newly signed-in or verified person into the communities that
invited them."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _

from accounts.adapters import AccountAdapter
from communities import services
from communities.models import Invitation

SESSION_KEY = "pending_invitation"


class InvitationAccountAdapter(AccountAdapter):
    """Accept invitations on the way in: after verifying an address, and after logging in."""

    def confirm_email(self, request, email_address) -> bool:
        confirmed = super().confirm_email(request, email_address)
        if confirmed:
            for membership in services.accept_invitations_for_email(
                email_address.user, email_address.email
            ):
                messages.success(
                    request,
                    _("You are now a member of %(community)s.")
                    % {"community": membership.community.name},
                )
        return confirmed

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        token = request.session.pop(SESSION_KEY, None)
        if not token:
            return response
        invitation = Invitation.objects.filter(token=token).select_related("community").first()
        if invitation is None:
            return response
        try:
            membership = services.accept_invitation(invitation, user=user)
        except services.MembershipError:
            # The invitation page explains why (expired, used up, another address).
            return HttpResponseRedirect(invitation.get_absolute_url())
        messages.success(
            request,
            _("You are now a member of %(community)s.") % {"community": membership.community.name},
        )
        return HttpResponseRedirect(membership.community.get_absolute_url())
