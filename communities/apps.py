from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "communities"

    def ready(self) -> None:
        from communities.services.invitations import note_invitation_email_sent
        from core.outbox import register_sent_hook

        register_sent_hook("invitation", note_invitation_email_sent)
