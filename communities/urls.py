from django.urls import path

from communities.views import (
    closure,
    help,
    invitations,
    manage,
    membership,
    notifications,
    pages,
    requests,
)
from communities.views import email as email_views

urlpatterns = [
    path("", pages.home, name="home"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/email/", email_views.email_preferences, name="email_preferences"),
    path("email/unsubscribe/<str:token>/", email_views.unsubscribe, name="email_unsubscribe"),
    path("notifications/read-all/", notifications.mark_all_read, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.mark_read,
        name="notification_read",
    ),
    path(
        "notifications/<int:notification_id>/open/",
        notifications.open_notification,
        name="notification_open",
    ),
    path("c/<slug:slug>/", pages.community, name="community"),
    path("c/<slug:slug>/join/", membership.join, name="join"),
    path("c/<slug:slug>/join/withdraw/", membership.withdraw_request, name="withdraw_request"),
    path("c/<slug:slug>/leave/", membership.leave, name="leave"),
    path("c/<slug:slug>/members/", membership.members, name="members"),
    path(
        "c/<slug:slug>/members/<int:membership_id>/role/",
        membership.change_role,
        name="member_role",
    ),
    path(
        "c/<slug:slug>/members/<int:membership_id>/suspend/",
        membership.suspend,
        name="member_suspend",
    ),
    path(
        "c/<slug:slug>/members/<int:membership_id>/reinstate/",
        membership.reinstate,
        name="member_reinstate",
    ),
    path(
        "c/<slug:slug>/members/<int:membership_id>/silence/",
        membership.silence,
        name="member_silence",
    ),
    path(
        "c/<slug:slug>/members/<int:membership_id>/unsilence/",
        membership.unsilence,
        name="member_unsilence",
    ),
    path("c/<slug:slug>/requests/", requests.join_requests, name="join_requests"),
    path("c/<slug:slug>/requests/<int:request_id>/", requests.decide, name="join_request_decide"),
    path("c/<slug:slug>/invitations/", invitations.invitations, name="invitations"),
    path("c/<slug:slug>/invitations/link/", invitations.create_link, name="invitation_link"),
    path(
        "c/<slug:slug>/invitations/<int:invitation_id>/revoke/",
        invitations.revoke,
        name="invitation_revoke",
    ),
    path(
        "c/<slug:slug>/invitations/<int:invitation_id>/resend/",
        invitations.resend,
        name="invitation_resend",
    ),
    path("c/<slug:slug>/invite/<str:token>/", invitations.accept, name="invitation"),
    path("c/<slug:slug>/settings/", manage.community_settings, name="community_settings"),
    path("c/<slug:slug>/audit/", manage.audit_log, name="audit_log"),
    path("c/<slug:slug>/close/", closure.close, name="community_close"),
    path("c/<slug:slug>/reopen/", closure.reopen, name="community_reopen"),
    path("c/<slug:slug>/help/", help.help_requests, name="help_requests"),
    path("c/<slug:slug>/help/new/", help.help_ask, name="help_ask"),
    path("c/<slug:slug>/help/<int:request_id>/", help.help_request, name="help_request"),
    path("c/<slug:slug>/help/<int:request_id>/close/", help.help_close, name="help_close"),
    path("c/<slug:slug>/help/<int:request_id>/reopen/", help.help_reopen, name="help_reopen"),
]
