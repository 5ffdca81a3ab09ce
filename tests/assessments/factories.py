"""Surveys, cycles and answers for the assessments' tests, built straight from the models (the
builder's own tests go through its services)."""

from datetime import timedelta

from django.utils import timezone

from assessments.models import Cycle, Question, Section, Survey, SurveyRevision
from assessments.services.responses import submit_response
from assessments.services.revisions import new_question_key

LIKERT = Question.Kind.LIKERT


def make_survey(community, *, title="Pulse", questions=None, created_by=None) -> Survey:
    """A survey with one section; `questions` is a list of dicts of Question fields (default:
    two Likert items, one single choice, one long text)."""
    survey = Survey.objects.create(community=community, title=title, created_by=created_by)
    revision = SurveyRevision.objects.create(survey=survey, number=1, created_by=created_by)
    section = Section.objects.create(revision=revision, position=0, title="About the community")
    questions = questions or [
        {"kind": LIKERT, "text": "Useful?", "low_label": "Not at all", "high_label": "Very"},
        {"kind": LIKERT, "text": "Trust?", "value_cycle": "immediate"},
        {"kind": Question.Kind.SINGLE, "text": "Role?", "options": ["Teacher", "Head"]},
        {"kind": Question.Kind.LONG_TEXT, "text": "Anything else?", "required": False},
    ]
    for position, fields in enumerate(questions):
        Question.objects.create(
            revision=revision,
            section=section,
            position=position,
            key=new_question_key(),
            **fields,
        )
    return survey


def make_cycle(survey, *, days_open=14, started_days_ago=1, **fields) -> Cycle:
    """A cycle of the survey's latest revision, open now unless told otherwise."""
    now = timezone.now()
    opens_at = fields.pop("opens_at", now - timedelta(days=started_days_ago))
    return Cycle.objects.create(
        community=survey.community,
        survey=survey,
        revision=survey.revisions.order_by("-number").first(),
        title=fields.pop("title", f"{survey.title} cycle"),
        opens_at=opens_at,
        closes_at=fields.pop("closes_at", opens_at + timedelta(days=days_open)),
        **fields,
    )


def answer(cycle, user, by_text: dict, *, now=None):
    """Submit `user`'s answers, given by question text: {"Useful?": 4, "Role?": "Teacher"}."""
    questions = {question.text: question.pk for question in cycle.revision.questions.all()}
    return submit_response(
        cycle, user, {questions[text]: value for text, value in by_text.items()}, now=now
    )
