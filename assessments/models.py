"""Assessments: surveys kept in revisions, recurring cycles, responses, value-creation stories.

A survey's questions live in a `SurveyRevision`. A revision that a cycle has collected answers
with is frozen: editing the survey then makes a new revision, used by the cycles created after,
so old results keep the questions they were answered with. A question keeps its `key` across
revisions while its meaning stays (same kind, text, scale, options); trends across cycles join
on that key.

Anonymous cycles store no link from a response to a person: the response carries a keyed hash
of (cycle, person) that refuses a second response and lets the person find and edit theirs while
the cycle is open; the cycle's salt is wiped when it closes, after which nobody can compute it
again. Responses and answers have random ids and carry no time finer than the day, so their
order says nothing about who answered when.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community


class ValueCycle(models.TextChoices):
    """The value-creation framework of Wenger, Trayner & de Laat (2011)."""

    IMMEDIATE = "immediate", _("Immediate value")
    POTENTIAL = "potential", _("Potential value")
    APPLIED = "applied", _("Applied value")
    REALIZED = "realized", _("Realized value")
    REFRAMING = "reframing", _("Reframing value")


class Survey(models.Model):
    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="surveys")
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The built-in template it was copied from ("" when written from scratch).
    template = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("survey", args=[self.community.slug, self.pk])


class SurveyRevision(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a cycle using it receives its first answer: from then on it never changes.
    frozen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["survey", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="one_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.survey} (v{self.number})"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None


class Section(models.Model):
    revision = models.ForeignKey(SurveyRevision, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["revision", "position", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Kind(models.TextChoices):
        LIKERT = "likert", _("Scale of 1 to 5")
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        NUMBER = "number", _("Number")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")

    revision = models.ForeignKey(SurveyRevision, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=0)
    # The same across revisions while the question means the same; trends join on it.
    key = models.CharField(max_length=32, default="")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.CharField(_("question"), max_length=500)
    help_text = models.CharField(_("help text"), max_length=500, blank=True)
    required = models.BooleanField(_("required"), default=True)
    # Likert: what 1 and 5 mean.
    low_label = models.CharField(_("label of 1"), max_length=80, blank=True)
    high_label = models.CharField(_("label of 5"), max_length=80, blank=True)
    # Single and multiple choice: the options, in order.
    options = models.JSONField(_("options"), default=list, blank=True)
    # Number: the bounds allowed.
    min_value = models.DecimalField(
        _("smallest"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("largest"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    # The value-creation cycle a question measures ("" for none): the value trends read it.
    value_cycle = models.CharField(
        _("value cycle"), max_length=20, choices=ValueCycle.choices, blank=True
    )

    class Meta:
        ordering = ["revision", "section__position", "position", "pk"]
        indexes = [models.Index(fields=["key"])]

    def __str__(self) -> str:
        return self.text

    @property
    def is_text(self) -> bool:
        return self.kind in (self.Kind.SHORT_TEXT, self.Kind.LONG_TEXT)

    @property
    def is_choice(self) -> bool:
        return self.kind in (self.Kind.SINGLE, self.Kind.MULTIPLE)


def new_salt() -> str:
    return secrets.token_hex(32)


class Cycle(models.Model):
    class Recurrence(models.TextChoices):
        NONE = "", _("Once")
        MONTHLY = "monthly", _("Every month")
        QUARTERLY = "quarterly", _("Every quarter")
        SEMIANNUAL = "semiannual", _("Twice a year")
        YEARLY = "yearly", _("Every year")

    class State(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="cycles")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="cycles")
    revision = models.ForeignKey(SurveyRevision, on_delete=models.PROTECT, related_name="cycles")
    title = models.CharField(_("title"), max_length=200)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    recurrence = models.CharField(
        _("repeat"), max_length=20, choices=Recurrence.choices, blank=True, default=""
    )
    anonymous = models.BooleanField(_("anonymous answers"), default=True)
    results_shared = models.BooleanField(_("results shared with members"), default=False)
    # The state the periodic task last moved it to (opening and closing are told once).
    state = models.CharField(max_length=20, choices=State.choices, default=State.SCHEDULED)
    # The cycle this one repeats: at most one next cycle per cycle, even when tasks race.
    previous = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_cycle"
    )
    # Keys the respondents' hashes; wiped at close for anonymous cycles (nobody can link then).
    salt = models.CharField(max_length=64, default=new_salt, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assessment cycle")
        verbose_name_plural = _("assessment cycles")
        ordering = ["-opens_at", "-pk"]
        indexes = [models.Index(fields=["community", "-opens_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="cycle_closes_after_opening"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cycle", args=[self.community.slug, self.pk])

    def is_open_at(self, moment) -> bool:
        return self.opens_at <= moment < self.closes_at

    @property
    def is_open(self) -> bool:
        return self.is_open_at(timezone.now())

    @property
    def is_closed(self) -> bool:
        return timezone.now() >= self.closes_at


class Response(models.Model):
    """One member's answers to one cycle (anonymous: nothing here names them)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="responses")
    # Named cycles only; always empty in anonymous ones.
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessment_responses",
    )
    # A keyed hash of (cycle, person): one response per member per cycle.
    respondent_key = models.CharField(max_length=64)
    # Days only: no time that would order the responses.
    submitted_on = models.DateField()
    updated_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "respondent_key"], name="one_response_per_member_per_cycle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.cycle}: {self.pk}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    # Likert (1–5) and number questions.
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # Single and multiple choice: the options chosen, as written in the revision.
    choices = models.JSONField(default=list, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="one_answer_per_question")
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.number or self.choices or self.text[:40]}"


class ValueStory(models.Model):
    """What happened, what it changed, for whom: a member's account of the value created."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="value_stories")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    happened = models.TextField(_("what happened"))
    changed = models.TextField(_("what it changed"))
    for_whom = models.CharField(_("for whom"), max_length=300)
    # The value cycles it shows (ValueCycle values).
    value_cycles = models.JSONField(_("value cycles"), default=list)
    # The month it tells about: stories are grouped by period.
    happened_on = models.DateField(_("when"))
    created_at = models.DateTimeField(default=timezone.now)
    featured_at = models.DateTimeField(null=True, blank=True)
    featured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("value story")
        verbose_name_plural = _("value stories")
        ordering = ["-happened_on", "-pk"]
        indexes = [models.Index(fields=["community", "-happened_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("value_story", args=[self.community.slug, self.pk])

    @property
    def is_featured(self) -> bool:
        return self.featured_at is not None
