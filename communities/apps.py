from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class CommunitiesConfig(AppConfig):
    name = "communities"

    def ready(self) -> None:
        from communities.events import register_community_events
        from communities.services.invitations import note_invitation_email_sent
        from core.outbox import register_sent_hook

        register_sent_hook("invitation", note_invitation_email_sent)
        register_community_events()
        self._map_email_kinds()
        self._register_tabs()

    def _map_email_kinds(self) -> None:
        from communities.emails import map_events
        from communities.events import CommunityEvent as event

        membership = [event.INVITATION_ACCEPT, event.JOIN_REQUEST_APPROVE, event.MEMBER_ROLE]
        map_events("membership", [*membership, event.JOIN_REQUEST_DECLINE])
        map_events("membership", [event.INVITATION_EXPIRE])
        # A community closed or reopened by its organizers: what one's membership now allows.
        map_events("membership", [event.COMMUNITY_CLOSE, event.COMMUNITY_REOPEN])
        sanctions = [event.MEMBER_SUSPEND, event.MEMBER_REINSTATE, event.MEMBER_SILENCE]
        map_events("moderation", [*sanctions, event.MEMBER_UNSILENCE])
        map_events("join_requests", [event.JOIN_REQUEST_CREATE])
        map_events("help", [event.HELP_REQUEST_ANSWER, event.HELP_REQUEST_CLOSE])
        asked = [event.HELP_REQUEST_CREATE, event.HELP_REQUEST_REPLY, event.HELP_REQUEST_REOPEN]
        map_events("help_requests", asked)

    def _register_tabs(self) -> None:
        from communities.models import Community
        from communities.tabs import check_tabs, register_tab

        def takes_requests(community: Community) -> bool:
            return community.join_policy == Community.JoinPolicy.REQUEST

        register_tab(name="home", label=_("Home"), url_name="community", order=0)
        register_tab(
            name="members",
            label=_("Members"),
            url_name="members",
            capability="member.list",
            order=40,
        )
        register_tab(
            name="join_requests",
            label=_("Join requests"),
            url_name="join_requests",
            capability="join_request.decide",
            order=50,
            shown_if=takes_requests,
        )
        register_tab(
            name="invitations",
            label=_("Invitations"),
            url_name="invitations",
            capability="invitation.manage",
            order=60,
        )
        register_tab(
            name="audit_log",
            label=_("Audit log"),
            url_name="audit_log",
            capability="audit.view",
            order=80,
        )
        register_tab(
            name="settings",
            label=_("Settings"),
            url_name="community_settings",
            capability="community.manage",
            order=90,
        )
        checks.register(check_tabs, checks.Tags.urls)
