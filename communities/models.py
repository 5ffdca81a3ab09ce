"""Communities, who belongs to them, and the logs every tool writes into."""

import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities import events


def _new_token() -> str:
    return secrets.token_urlsafe(24)


class Community(models.Model):
    """A community of practice: a theme, the people who practise it, their tools."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: anyone can find it and read it")
        PRIVATE = "private", _("Private: invisible to non-members")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("Open: anyone may join at once")
        REQUEST = "request", _("On request: facilitators approve each request")
        INVITE = "invite", _("Invitation only")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ARCHIVED = "archived", _("Archived (read-only)")

    slug = models.SlugField(
        _("web address"),
        max_length=60,
        unique=True,
        help_text=_(
            "Lower-case letters, digits and hyphens; the community lives at /c/<address>/."
        ),
    )
    name = models.CharField(_("name"), max_length=120)
    theme = models.CharField(
        _("theme"), max_length=200, help_text=_("The practice this community serves, in a line.")
    )
    description = models.TextField(
        _("description"), blank=True, max_length=20_000, help_text=_("Markdown is supported.")
    )
    description_html = models.TextField(editable=False, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    join_policy = models.CharField(
        _("who can join"), max_length=10, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    # The secret of the "request to join" link of a private community: without it, outsiders
    # cannot tell the community exists.
    join_key = models.CharField(max_length=64, default=_new_token, editable=False)
    # Moderation settings.
    flag_threshold = models.PositiveSmallIntegerField(
        _("flags that hide a post"),
        default=3,
        help_text=_(
            "A post flagged by this many members is hidden until a facilitator reviews it."
        ),
    )
    premoderated_posts = models.PositiveSmallIntegerField(
        _("posts held for approval"),
        default=0,
        help_text=_(
            "The first posts of each new member wait for a facilitator's approval (0: none)."
        ),
    )
    post_rate_limit = models.PositiveSmallIntegerField(_("posts per member per minute"), default=6)
    flag_rate_limit = models.PositiveSmallIntegerField(_("flags per member per minute"), default=10)
    storage_limit_mb = models.PositiveIntegerField(
        _("document storage limit (MB)"),
        null=True,
        blank=True,
        help_text=_(
            "Uploads that would take the library past this size are refused (empty: no limit)."
        ),
    )
    # Participation levels (the facilitator's dashboard): contributions over a rolling 90 days
    # at or above which a member counts as core, active, occasional; one or more is peripheral,
    # none inactive.
    core_threshold = models.PositiveSmallIntegerField(
        _("contributions to count as core"),
        default=20,
        help_text=_("Threads, posts, documents and value stories in 90 days for the core group."),
    )
    active_threshold = models.PositiveSmallIntegerField(
        _("contributions to count as active"),
        default=6,
        help_text=_("Fewer than the core threshold, at least this many in 90 days: active."),
    )
    occasional_threshold = models.PositiveSmallIntegerField(
        _("contributions to count as occasional"),
        default=2,
        help_text=_(
            "At least this many in 90 days: occasional; fewer but one or more: peripheral; "
            "none: inactive."
        ),
    )
    # Knowledge (issue 16): whether facilitators may publish knowledge entries to everyone.
    allow_public_knowledge = models.BooleanField(
        _("allow public knowledge"),
        default=False,
        help_text=_(
            "Facilitators may publish knowledge entries for anyone to read, without an account "
            "(only while the community is public)."
        ),
    )
    # The setup wizard's answers (purpose, audience, rhythm), kept for the facilitator.
    orientation = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]
        indexes = [models.Index(fields=["visibility", "status", "name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community", args=[self.slug])

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC

    @property
    def is_archived(self) -> bool:
        return self.status == self.Status.ARCHIVED


class SlugRedirect(models.Model):
    """An old web address of a community, redirected to its current one."""

    old_slug = models.SlugField(max_length=60, unique=True)
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.old_slug} → {self.community.slug}"


class Membership(models.Model):
    """A person's place in a community: their role, and whether they are suspended."""

    class Role(models.TextChoices):
        ORGANIZER = "organizer", _("Organizer")
        FACILITATOR = "facilitator", _("Facilitator")
        MEMBER = "member", _("Member")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    suspended_at = models.DateTimeField(null=True, blank=True)
    suspended_reason = models.TextField(_("reason"), blank=True, max_length=2000)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty: the suspension lasts until a facilitator lifts it.
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    # Silenced: may read, may not post, until this moment.
    silenced_until = models.DateTimeField(_("silenced until"), null=True, blank=True)
    silenced_reason = models.TextField(_("reason for silence"), blank=True, max_length=2000)
    silenced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_membership_per_person")
        ]
        indexes = [models.Index(fields=["community", "state", "role"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.community} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE

    @property
    def is_silenced(self) -> bool:
        return self.silenced_until is not None and self.silenced_until > timezone.now()


class Invitation(models.Model):
    """An invitation to join: to one email address, or a reusable link with limits."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        LINK = "link", _("Link")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.EMAIL)
    email = models.EmailField(_("email"), blank=True)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    role = models.CharField(
        _("role"), max_length=12, choices=Membership.Role.choices, default=Membership.Role.MEMBER
    )
    message = models.TextField(_("personal message"), blank=True, max_length=2000)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    max_uses = models.PositiveIntegerField(_("maximum uses"), default=1)
    use_count = models.PositiveIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "email"],
                condition=Q(kind="email", revoked_at__isnull=True, use_count=0),
                name="one_open_invitation_per_address",
            ),
            models.CheckConstraint(
                condition=Q(kind="link") | ~Q(email=""), name="email_invitation_has_address"
            ),
        ]

    def __str__(self) -> str:
        return self.email or f"link {self.token[:6]}…"

    def get_absolute_url(self) -> str:
        return reverse("invitation", args=[self.community.slug, self.token])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_used_up(self) -> bool:
        return self.use_count >= self.max_uses

    @property
    def is_usable(self) -> bool:
        return not (self.is_revoked or self.is_expired or self.is_used_up)


class JoinRequest(models.Model):
    """Someone asking to join a community whose join policy is 'on request'."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.TextField(_("message"), max_length=2000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True, max_length=2000)

    class Meta:
        verbose_name = _("join request")
        verbose_name_plural = _("join requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "user"],
                condition=Q(state="pending"),
                name="one_pending_request_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.community} ({self.state})"


class Activity(models.Model):
    """One thing that happened in a community: the feed, digests and health metrics read it."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    verb = models.CharField(max_length=40)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    summary = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Set while what it is about is hidden by moderation: the feed leaves it out.
    is_hidden = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["community", "-created_at"]),
            # Participation levels and health tiles: one person's activity in one community.
            models.Index(fields=["community", "actor", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.summary


class Notification(models.Model):
    """Something a person should know about, shown at /notifications/."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A declared event (communities.events) and its parameters: the sentence is told when read,
    # in the reader's language and time zone.
    verb = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)
    # The sentence of a notification written before events were declared (empty since).
    summary = models.CharField(max_length=300, blank=True)
    url = models.CharField(max_length=500, blank=True)
    # How many events this notification stands for (several replies collapse into one).
    count = models.PositiveIntegerField(default=1)
    # What it is about ("forums.post:42"), so moderation can hide it with its subject.
    target = models.CharField(max_length=80, blank=True, db_index=True)
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # When it was told by email, on its own or in a digest (communities.emails); empty: not yet.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"]),
            # The email task's question: which notifications are still to be told by email.
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notification_to_email",
            ),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        """What it says, in the current language."""
        return self.summary or events.notice_text(self.verb, self.params, count=self.count)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class AuditEventQuerySet(models.QuerySet):
    """Audit rows are written once and never changed or removed, in bulk either."""

    def update(self, **kwargs):
        raise PermissionDenied("Audit events cannot be changed.")

    def delete(self):
        raise PermissionDenied("Audit events cannot be deleted.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be changed.")


class AuditEvent(models.Model):
    """An append-only record of a sensitive action: who did what, to whom, from where.

    Its foreign keys carry no database constraint and do nothing on delete, so removing a
    person or a community never rewrites the log; a trigger (see the migration) refuses UPDATE
    and DELETE at the database itself.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=320, blank=True)
    community = models.ForeignKey(
        Community,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=60, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["community", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionDenied("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit events cannot be deleted.")

    @property
    def label(self) -> str:
        """What was done, in the current language."""
        return events.label(self.action)

    @property
    def detail_lines(self) -> list[tuple[str, str]]:
        return events.describe_details(self.details)


class Submission(models.Model):
    """A create form sent once: its one-time key, and what it made (communities.submissions).

    A second identical send of the same form finds the row and gets the first one's result
    instead of making a second thing. Rows older than a day are purged.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # sha256 of the form's random key, the address it was sent to and what it carried.
    key = models.CharField(max_length=64)
    # Where the person goes next; set in the same transaction as the claim.
    url = models.CharField(max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="one_submission_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key[:12]} → {self.url}"


class SiteSettings(models.Model):
    """Settings of the whole installation that site staff change in the admin (one row)."""

    class Creators(models.TextChoices):
        ANYONE = "anyone", _("Anyone signed in")
        ORGANIZERS = "organizers", _("Only people staff have marked as organizers")

    community_creators = models.CharField(
        _("who may start a community"),
        max_length=12,
        choices=Creators.choices,
        default=Creators.ANYONE,
    )

    class Meta:
        verbose_name = _("site settings")
        verbose_name_plural = _("site settings")

    def __str__(self) -> str:
        return str(_("Site settings"))

    @classmethod
    def current(cls) -> "SiteSettings":
        """The installation's settings (the defaults until staff save them)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class HelpRequest(models.Model):
    """A member asking the community's facilitators for help: a private conversation."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="help_requests")
    asker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="help_requests"
    )
    subject = models.CharField(_("subject"), max_length=200)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    # The page the member asked from, so facilitators see what they were looking at.
    asked_from = models.CharField(_("asked from"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The last message, either side: the queue is ordered by it.
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["community", "state", "-updated_at"])]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("help_request", args=[self.community.slug, self.pk])


class HelpMessage(models.Model):
    """One message of a help request, from the member or a facilitator."""

    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("message"), max_length=10_000)
    body_html = models.TextField(editable=False, blank=True)
    # Written by a facilitator (kept even if their role changes later).
    from_facilitator = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("help message")
        verbose_name_plural = _("help messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.body[:40]}"
