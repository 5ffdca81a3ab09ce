"""One response per member per cycle; anonymous ones name nobody.

`respondent_key` is an HMAC of (cycle, person) keyed with the site's secret and the cycle's own
salt. The unique constraint on (cycle, key) refuses a second response — in anonymous cycles too —
and the person finds their own response by computing the key again, to change it while the
cycle is open. When an anonymous cycle closes its salt is wiped (services.cycles), and from then
on nobody, not even with the database and the secret, can tell whose response is whose.
"""

import hashlib
import hmac
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments.models import Answer, Cycle, Question, Response
from assessments.services.errors import AssessmentError
from assessments.services.revisions import freeze


def respondent_key(cycle: Cycle, user: User) -> str:
    if not cycle.salt:
        raise AssessmentError(_("This assessment has closed."))
    secret = f"{settings.SECRET_KEY}:{cycle.salt}".encode()
    message = f"assessments.response:{cycle.pk}:{user.pk}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def response_of(cycle: Cycle, user: User) -> Response | None:
    """The person's response to the cycle, while it can still be found (None once an anonymous
    cycle has closed and forgotten its key)."""
    if not cycle.salt:
        return None
    return (
        Response.objects.filter(cycle=cycle, respondent_key=respondent_key(cycle, user))
        .prefetch_related("answers")
        .first()
    )


def _today() -> date:
    return timezone.localdate()


def _answer_fields(question: Question, value) -> dict:
    if question.kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
        return {"number": None if value in (None, "") else Decimal(str(value))}
    if question.kind == Question.Kind.SINGLE:
        return {"choices": [value] if value else []}
    if question.kind == Question.Kind.MULTIPLE:
        return {"choices": list(value or [])}
    return {"text": (value or "").strip()}


def _is_empty(fields: dict) -> bool:
    return fields.get("number") is None and not fields.get("choices") and not fields.get("text")


@transaction.atomic
def submit_response(cycle: Cycle, user: User, values: dict[int, object], *, now=None) -> Response:
    """Save a member's answers (already validated by the answer form), creating their response
    or replacing its answers; refused outside the cycle's dates.

    `values` maps each question's id to its cleaned value: a number for Likert and number
    questions, the option text for a single choice, a list of them for multiple choice, text.
    """
    now = now or timezone.now()
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not cycle.is_open_at(now):
        raise AssessmentError(_("This assessment is not open for answers."))
    key = respondent_key(cycle, user)
    today = _today()
    response = Response.objects.filter(cycle=cycle, respondent_key=key).first()
    if response is None:
        try:
            with transaction.atomic():
                response = Response.objects.create(
                    cycle=cycle,
                    respondent=None if cycle.anonymous else user,
                    respondent_key=key,
                    submitted_on=today,
                    updated_on=today,
                )
        except IntegrityError:
            # The same person's other tab won the race: this submission updates that response.
            response = Response.objects.get(cycle=cycle, respondent_key=key)
    else:
        response.updated_on = today
        response.save(update_fields=["updated_on"])
    questions = {question.pk: question for question in cycle.revision.questions.all()}
    response.answers.all().delete()
    answers = []
    for question_id, value in values.items():
        question = questions.get(question_id)
        if question is None:
            continue
        fields = _answer_fields(question, value)
        if not _is_empty(fields):
            answers.append(Answer(response=response, question=question, **fields))
    Answer.objects.bulk_create(answers)
    freeze(cycle.revision)
    return response
