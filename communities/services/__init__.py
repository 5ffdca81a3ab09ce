"""Every write of the communities app, one module per subject."""

from communities.services.communities import (
    create_community,
    update_community_settings,
    update_site_settings,
)
from communities.services.help import (
    HelpError,
    ask_for_help,
    close_help,
    reopen_help,
    reply_to_help,
)
from communities.services.invitations import (
    accept_invitation,
    accept_invitations_for_email,
    create_invitation_link,
    invite_by_email,
    resend_invitation,
    revoke_invitation,
)
from communities.services.join_requests import (
    decide_join_request,
    request_to_join,
    withdraw_join_request,
)
from communities.services.logs import (
    audit,
    notify,
    notify_collapsed,
    notify_many,
    record_activity,
    set_target_hidden,
    target_key,
)
from communities.services.membership import (
    MembershipError,
    add_member,
    change_role,
    join_community,
    leave_community,
    lift_expired_sanctions,
    reinstate_member,
    silence_member,
    suspend_member,
    unsilence_member,
)
from communities.services.notifications import (
    mark_all_notifications_read,
    mark_notification_read,
)

__all__ = [
    "HelpError",
    "ask_for_help",
    "close_help",
    "reopen_help",
    "reply_to_help",
    "MembershipError",
    "accept_invitation",
    "accept_invitations_for_email",
    "add_member",
    "audit",
    "change_role",
    "create_community",
    "create_invitation_link",
    "decide_join_request",
    "invite_by_email",
    "join_community",
    "leave_community",
    "mark_all_notifications_read",
    "mark_notification_read",
    "notify",
    "notify_collapsed",
    "notify_many",
    "record_activity",
    "set_target_hidden",
    "target_key",
    "lift_expired_sanctions",
    "reinstate_member",
    "silence_member",
    "unsilence_member",
    "request_to_join",
    "resend_invitation",
    "revoke_invitation",
    "suspend_member",
    "update_community_settings",
    "update_site_settings",
    "withdraw_join_request",
]
