"""The organizer's wizard draft: each step's answers saved as JSON, resumed from /start/.

A draft holds, by step name, the answers of each step that passed validation, and under
"typed" what was typed in a step that did not (so going back or leaving loses no text). `step`
is the furthest step reached: the steps up to it can be visited again.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from facilitation.models import WizardDraft

# The steps, in order (step n is STEPS[n - 1]).
STEPS = ("theme", "orientation", "privacy", "forums", "recruitment", "assessment", "review")
FIRST_STEP, LAST_STEP = 1, len(STEPS)
TYPED = "typed"


def step_name(number: int) -> str:
    return STEPS[number - 1]


def open_draft_of(owner: User) -> WizardDraft | None:
    """The person's draft in progress (not launched), if any."""
    return WizardDraft.objects.filter(owner=owner, launched_at__isnull=True).first()


def answers_of(draft: WizardDraft | None, name: str) -> dict:
    """The saved answers of one step (empty when it was never saved)."""
    if draft is None:
        return {}
    answers = draft.data.get(name)
    return answers if isinstance(answers, dict) else {}


def typed_of(draft: WizardDraft | None, name: str) -> dict | None:
    """What was typed in a step and not saved because it did not validate, if anything."""
    if draft is None:
        return None
    typed = draft.data.get(TYPED, {})
    found = typed.get(name) if isinstance(typed, dict) else None
    return found if isinstance(found, dict) else None


def _locked_draft(owner: User) -> WizardDraft:
    """The person's open draft, locked for this transaction; made when there is none."""
    draft = WizardDraft.objects.select_for_update().filter(owner=owner, launched_at__isnull=True)
    found = draft.first()
    if found is not None:
        return found
    try:
        # A savepoint: another tab of the same person may make the draft this instant (one open
        # draft per person); theirs is then the one.
        with transaction.atomic():
            return WizardDraft.objects.create(owner=owner)
    except IntegrityError:
        return draft.get()


@transaction.atomic
def save_step(*, actor: User, number: int, answers: dict, advance: bool) -> WizardDraft:
    """Save a step's validated answers (dropping anything typed in it before); `advance` makes
    the next step reachable."""
    draft = _locked_draft(actor)
    name = step_name(number)
    data = dict(draft.data)
    data[name] = answers
    typed = dict(data.get(TYPED) or {})
    typed.pop(name, None)
    data[TYPED] = typed
    draft.data = data
    if advance:
        draft.step = min(max(draft.step, number + 1), LAST_STEP)
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "step", "updated_at"])
    return draft


@transaction.atomic
def save_typed(*, actor: User, number: int, typed: dict) -> WizardDraft:
    """Keep what was typed in a step that did not validate (its saved answers stay as they were)."""
    draft = _locked_draft(actor)
    data = dict(draft.data)
    kept = dict(data.get(TYPED) or {})
    kept[step_name(number)] = typed
    data[TYPED] = kept
    draft.data = data
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "updated_at"])
    return draft


@transaction.atomic
def forget_step(*, actor: User, number: int) -> WizardDraft | None:
    """Drop a step's answers and what was typed in it (its suggestions come back)."""
    draft = open_draft_of(actor)
    if draft is None:
        return None
    name = step_name(number)
    data = dict(draft.data)
    data.pop(name, None)
    data[TYPED] = {key: value for key, value in (data.get(TYPED) or {}).items() if key != name}
    draft.data = data
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "updated_at"])
    return draft


@transaction.atomic
def discard_draft(*, actor: User) -> bool:
    """Throw the person's draft away; False when there was none."""
    deleted, _detail = WizardDraft.objects.filter(owner=actor, launched_at__isnull=True).delete()
    return bool(deleted)
