"""A survey's questions change only in a revision no cycle has collected answers with.

Every write to sections and questions goes through `editable_revision`: while the survey's
latest revision is not frozen, it is that revision; once frozen (a cycle using it received an
answer), a copy is made — sections and questions with the same keys — and the change lands in
the copy, which the cycles created afterwards — and those scheduled but not open yet — use. Cycles
that have opened keep their revision, so their results never change under them.
"""

import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.events import AssessmentEvent
from assessments.models import Cycle, Question, Section, Survey, SurveyRevision
from communities import services as community_services


def new_question_key() -> str:
    """A question's identity across revisions (a new one when its meaning changes)."""
    return secrets.token_hex(8)


def current_revision(survey: Survey) -> SurveyRevision:
    """The survey's latest revision (a survey always has one)."""
    return survey.revisions.order_by("-number").first()


@dataclass
class Editable:
    """The revision to change, and where the objects of the revision the person was looking at
    went (the same objects when no copy was needed)."""

    revision: SurveyRevision
    sections: dict[int, Section] = field(default_factory=dict)
    questions: dict[int, Question] = field(default_factory=dict)

    def section(self, pk: int) -> Section:
        return self.sections[pk]


@transaction.atomic
def editable_revision(survey: Survey, *, actor: User | None) -> Editable:
    """The revision a change may land in: the latest while unfrozen, else a fresh copy."""
    Survey.objects.select_for_update().filter(pk=survey.pk).first()
    latest = current_revision(survey)
    sections = list(latest.sections.all())
    questions = list(latest.questions.all())
    if not latest.is_frozen:
        return Editable(
            latest,
            {section.pk: section for section in sections},
            {question.pk: question for question in questions},
        )
    revision = SurveyRevision.objects.create(
        survey=survey, number=latest.number + 1, created_by=actor
    )
    section_map: dict[int, Section] = {}
    for section in sections:
        old_pk = section.pk
        section.pk = None
        section.revision = revision
        section.save()
        section_map[old_pk] = section
    question_map: dict[int, Question] = {}
    for question in questions:
        old_pk = question.pk
        question.pk = None
        question.revision = revision
        question.section = section_map[question.section_id]
        question.save()
        question_map[old_pk] = question
    # Cycles not open yet are future cycles: they ask the questions as they are now.
    Cycle.objects.filter(survey=survey, opens_at__gt=timezone.now(), responses__isnull=True).update(
        revision=revision
    )
    community_services.audit(
        actor,
        survey.community,
        AssessmentEvent.SURVEY_REVISE,
        survey,
        details={"version": revision.number},
    )
    return Editable(revision, section_map, question_map)


def freeze(revision: SurveyRevision) -> None:
    """From now on this revision never changes (called with a cycle's first answer)."""
    if revision.frozen_at is None:
        SurveyRevision.objects.filter(pk=revision.pk, frozen_at__isnull=True).update(
            frozen_at=timezone.now()
        )
        revision.frozen_at = timezone.now()
