"""The outbox: one row per email Praxis sends (DESIGN.md, "The outbox")."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxEmail(models.Model):
    """One email, rendered when it was queued, sent by a task, retried by the sweeper.

    Unsent while `sent_at` and `failed_at` are both empty. `sent_at` is written only once the
    mail server accepted the message; `failed_at` when it refused it for good (a bad address) or
    when the tries ran out.
    """

    # What the email is about, e.g. "invitation:42:1": the same key is never queued twice.
    key = models.CharField(max_length=200, unique=True)
    to = models.EmailField(max_length=254)
    subject = models.CharField(max_length=500)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    # Extra headers of this message (List-Unsubscribe, Reply-To, …).
    headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the sweeper next hands it to a task, unless a task sent it before.
    next_attempt_at = models.DateTimeField()
    # When a task last took it to send; a recent one means a task may be sending it right now.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            # The sweeper's question, "which unsent emails are due", reads this index only.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_unsent_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.to}"
