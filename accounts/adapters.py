"""allauth hooks."""

import uuid
from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.http import HttpRequest

from core import outbox
from core.http import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """Praxis's account rules on top of allauth's defaults."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return True

    def get_client_ip(self, request: HttpRequest) -> str | None:
        """The address login and sign-up rate limits count by: behind COP_TRUSTED_PROXIES
        proxies, the one they report, as for the audit log (never a shared proxy address)."""
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account emails (address verification, password reset, warnings) go through the
        outbox like every other email (DESIGN.md): a row written now, sent after the commit,
        sent again by the sweeper if the mail server or the broker is away. They name the
        installation, not the host the request came to."""
        request = allauth_context.request  # the request being answered, as allauth keeps it
        site = SimpleNamespace(
            name=settings.COP_SITE_NAME,
            domain=request.get_host() if request is not None else settings.COP_SITE_URL,
        )
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": site, **context},
        )
        body, html_body = message.body, ""
        if message.content_subtype == "html":
            body, html_body = "", message.body
        for content, mimetype in getattr(message, "alternatives", ()):
            if mimetype == "text/html":
                html_body = content
        kind = template_prefix.rpartition("/")[2]
        # Each is its own message (a new link, a new code): a fresh key.
        outbox.queue_email(
            key=f"account:{kind}:{uuid.uuid4().hex}",
            to=email,
            subject=message.subject,
            body=body,
            html_body=html_body,
        )
