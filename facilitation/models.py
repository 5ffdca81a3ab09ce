"""The facilitators' layer's own records: wizard drafts, community guidelines, the getting-started
set-up of a launched community."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from communities.models import Community


class WizardDraft(models.Model):
    """An organizer's set-up wizard in progress: what each step saved, resumed from /start/."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wizard_drafts"
    )
    # Each step's cleaned answers, by step name (JSON-safe values only).
    data = models.JSONField(default=dict, blank=True)
    # The furthest step reached (1 to 7).
    step = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set at launch: the draft is then finished and a new /start/ begins afresh.
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    launched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("wizard draft")
        verbose_name_plural = _("wizard drafts")
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["owner"],
                condition=models.Q(launched_at__isnull=True),
                name="one_open_wizard_draft_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.owner} step {self.step}"


class Guidelines(models.Model):
    """A community's rules of the game, written by its facilitators with its members."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="guidelines")
    body = models.TextField(_("guidelines"), max_length=20_000)
    body_html = models.TextField(editable=False, blank=True)
    # Where members propose changes (a thread of the community's forums).
    discussion = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Empty while a draft only facilitators see.
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("community guidelines")
        verbose_name_plural = _("community guidelines")

    def __str__(self) -> str:
        return f"{self.community}: guidelines"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class GuidelinesRevision(models.Model):
    """One saved version of a community's guidelines (every save keeps one)."""

    guidelines = models.ForeignKey(Guidelines, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField(max_length=20_000)
    note = models.CharField(_("what changed"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("guidelines revision")
        verbose_name_plural = _("guidelines revisions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["guidelines", "number"], name="one_guidelines_revision_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.guidelines_id} r{self.number}"


class CommunitySetup(models.Model):
    """What the getting-started checklist of a launched community needs to remember: the threads
    it made (the welcome post, the introductions thread)."""

    community = models.OneToOneField(Community, on_delete=models.CASCADE, related_name="setup")
    welcome_thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    introductions_thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    launched_at = models.DateTimeField(default=timezone.now)
    # Invitations sent at launch: "invite more" ticks once there are more than these.
    invitations_at_launch = models.PositiveIntegerField(default=0)
    # Set once every item is done: the checklist leaves the dashboard.
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("community set-up")
        verbose_name_plural = _("community set-ups")

    def __str__(self) -> str:
        return f"{self.community}: set-up"


class DigestDelivery(models.Model):
    """One member's digest for one period: claimed once, so a retry or a second beat tick never
    sends it twice. A period with nothing new is claimed too (`empty`), and sends nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_deliveries"
    )
    # "daily:2026-12-07" or "weekly:2026-W49" (ISO week), in the member's time zone.
    period = models.CharField(max_length=20)
    frequency = models.CharField(max_length=10)
    # What the digest covers: from the previous digest (or the period's length before) to then.
    since = models.DateTimeField()
    until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    # The outbox row's key; empty when there was nothing to send.
    email_key = models.CharField(max_length=200, blank=True)
    empty = models.BooleanField(default=False)
    # A test digest asked for from the preferences page (not a period's).
    is_test = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("digest delivery")
        verbose_name_plural = _("digest deliveries")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "period"], name="one_digest_per_period")
        ]
        indexes = [models.Index(fields=["user", "-until"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period}"


class InboundMessage(models.Model):
    """One email that arrived at a reply address (facilitation/inbound.py): claimed by its
    Message-ID before anything is posted, so the same message delivered twice posts once."""

    class Outcome(models.TextChoices):
        POSTED = "posted", pgettext_lazy("email reply", "posted")
        HELD = "held", pgettext_lazy("email reply", "held for approval")
        REFUSED = "refused", pgettext_lazy("email reply", "refused")

    # sha256 of the Message-ID (of the whole message when it has none): a Message-ID can be
    # longer than an index allows.
    message_key = models.CharField(max_length=64, unique=True)
    received_at = models.DateTimeField(default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    # Why it was refused (facilitation.inbound.Refusal), empty when posted.
    reason = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("email reply")
        verbose_name_plural = _("email replies")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.message_key[:12]} {self.outcome}"


# --- Knowledge archive (issue 16) --------------------------------------------------------------


class KnowledgeEntry(models.Model):
    """A piece of the community's knowledge, curated by a facilitator from threads, posts,
    documents and value stories: a summary with its sources, a steward and a review date."""

    class Status(models.TextChoices):
        DRAFT = "draft", pgettext_lazy("knowledge entry", "Draft")
        PUBLISHED = "published", pgettext_lazy("knowledge entry", "Published")
        RETIRED = "retired", pgettext_lazy("knowledge entry", "Retired")

    class Visibility(models.TextChoices):
        MEMBERS = "members", _("Members only")
        PUBLIC = "public", _("Public: anyone, without an account")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="knowledge_entries"
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=20_000)
    summary_html = models.TextField(editable=False, blank=True)
    # Normalised tags between commas (",energy,heritage,"): browsing by a tag is one
    # `contains` filter, portable to SQLite.
    tags = models.CharField(_("tags"), max_length=500, blank=True, default="")
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("steward"),
    )
    review_on = models.DateField(_("review date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge entries")
        ordering = ["-published_at", "-created_at"]
        indexes = [
            models.Index(fields=["community", "status", "-published_at"]),
            models.Index(fields=["community", "review_on"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("knowledge_entry", args=[self.community.slug, self.pk])

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split(",") if tag]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC


class KnowledgeSource(models.Model):
    """Where an entry's knowledge came from. The title and address are kept as they were at
    promotion, so the source stays listed when its object is hidden, trashed or deleted."""

    class Kind(models.TextChoices):
        THREAD = "thread", _("Thread")
        POST = "post", _("Post")
        DOCUMENT = "document", _("Document")
        VALUE_STORY = "value_story", _("Value story")

    entry = models.ForeignKey(KnowledgeEntry, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    thread = models.ForeignKey(
        "forums.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        "forums.Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    document = models.ForeignKey(
        "documents.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value_story = models.ForeignKey(
        "assessments.ValueStory",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=500)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("knowledge source")
        verbose_name_plural = _("knowledge sources")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title
