"""Emails rendered from templates in the recipient's language, and sent many over one connection.

Nothing here decides when an email leaves: every email goes through the outbox (core/outbox.py),
which renders with `render_email` when the message is queued and sends with `send_over`.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body: str
    html_body: str = ""


def render_email(
    template_prefix: str, *, context: dict, language: str | None = None
) -> RenderedEmail:
    """`<prefix>_subject.txt`, `<prefix>_body.txt` and, if it exists, `<prefix>_body.html`,
    rendered in `language`, with `site_name` and `site_url` (templates/email/base.*) known."""
    context = {"site_name": settings.COP_SITE_NAME, "site_url": settings.COP_SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        # Plain text is not HTML: rendered by the engine that escapes nothing (cop/settings.py).
        subject = render_to_string(f"{template_prefix}_subject.txt", context, using="text").strip()
        body = render_to_string(f"{template_prefix}_body.txt", context, using="text")
        try:
            html_body = render_to_string(f"{template_prefix}_body.html", context)
        except TemplateDoesNotExist:
            html_body = ""
    # A header is one line: a template's stray line break would end it early.
    subject = " ".join(subject.splitlines())
    return RenderedEmail(subject=subject_prefix() + subject, body=body, html_body=html_body)


def subject_prefix() -> str:
    """What every subject starts with: the installation's name."""
    return f"[{settings.COP_SITE_NAME}] "


def build_message(
    *, to: str, subject: str, body: str, html_body: str = "", headers: dict | None = None
) -> EmailMultiAlternatives:
    """One message from Praxis's sender to one address."""
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    if html_body:
        message.attach_alternative(html_body, "text/html")
    return message


def send_over(connection: BaseEmailBackend, message: EmailMultiAlternatives) -> bool:
    """Send one message over an open connection; True once the mail server accepted it.

    Errors are raised, not swallowed: the caller tells a refused address from a lost connection.
    """
    return connection.send_messages([message]) == 1
