"""Emails rendered from templates, in the recipient's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated_email(
    template_prefix: str, *, to: str, context: dict, language: str | None = None
) -> None:
    """Send `<prefix>_subject.txt` and `<prefix>_body.txt`, rendered in `language`."""
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"{template_prefix}_subject.txt", context).strip()
        subject = " ".join(subject.splitlines())
        body = render_to_string(f"{template_prefix}_body.txt", context)
    message = EmailMultiAlternatives(
        subject=f"[Praxis] {subject}", body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.send()
