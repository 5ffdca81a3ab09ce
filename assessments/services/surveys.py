"""Surveys and their sections and questions: creating (blank or from a built-in template) and
editing them.

Every change to sections and questions lands in `editable_revision(...)`: the survey's latest
revision while no cycle has answers for it, else a copy made first. The caller hands over the
section or question of the revision the person was looking at; the Editable maps it to the
object to change. Each function checks first whether anything would change, so a no-op never
makes a new revision, and returns False then.

A question keeps its `key` while it means the same, and trends join on the key. A change of
meaning (kind, text, options, scale labels, bounds) gives it a new key, so that answers to the
old wording are never compared with answers to the new one; help text, required and position
keep it.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments.builtin import BUILTIN_TEMPLATES, SectionSpec
from assessments.events import AssessmentEvent
from assessments.models import Question, Section, Survey, SurveyRevision
from assessments.services.errors import AssessmentError
from assessments.services.revisions import Editable, editable_revision, new_question_key
from communities import services as community_services
from communities.models import Community

# The fields whose change makes a question mean something else (a new key).
MEANING_FIELDS = ("kind", "text", "options", "low_label", "high_label", "min_value", "max_value")
QUESTION_FIELDS = (*MEANING_FIELDS, "help_text", "required", "value_cycle")
STALE = _("The survey changed while you were editing it: please look at it again.")


def _new_survey(community: Community, *, actor: User, title: str, description: str, template: str):
    survey = Survey.objects.create(
        community=community,
        title=title.strip(),
        description=description.strip(),
        template=template,
        created_by=actor,
    )
    revision = SurveyRevision.objects.create(survey=survey, number=1, created_by=actor)
    return survey, revision


def _created(survey: Survey, actor: User) -> Survey:
    community_services.audit(
        actor,
        survey.community,
        AssessmentEvent.SURVEY_CREATE,
        survey,
        details={"template": survey.template},
    )
    return survey


@transaction.atomic
def create_survey(
    community: Community, *, actor: User, title: str, description: str = ""
) -> Survey:
    """A blank survey, with one empty section ready for its first questions."""
    survey, revision = _new_survey(
        community, actor=actor, title=title, description=description, template=""
    )
    with translation.override(community.language):
        Section.objects.create(revision=revision, position=0, title=str(_("Questions")))
    return _created(survey, actor)


def _copy_sections(revision: SurveyRevision, sections: tuple[SectionSpec, ...]) -> None:
    questions = []
    for section_position, spec in enumerate(sections):
        section = Section.objects.create(
            revision=revision,
            position=section_position,
            title=str(spec.title),
            description=str(spec.description),
        )
        for position, item in enumerate(spec.questions):
            questions.append(
                Question(
                    revision=revision,
                    section=section,
                    position=position,
                    key=new_question_key(),
                    kind=item.kind,
                    text=str(item.text),
                    help_text=str(item.help_text),
                    required=item.required,
                    low_label=str(item.low_label),
                    high_label=str(item.high_label),
                    options=[str(option) for option in item.options],
                    value_cycle=item.value_cycle,
                )
            )
    Question.objects.bulk_create(questions)


@transaction.atomic
def create_from_template(community: Community, *, actor: User, template: str) -> Survey:
    """A copy of a built-in template, written in the community's language, to adapt freely."""
    if template not in BUILTIN_TEMPLATES:
        raise AssessmentError(_("There is no such template."))
    title, description, sections = BUILTIN_TEMPLATES[template]
    with translation.override(community.language):
        survey, revision = _new_survey(
            community,
            actor=actor,
            title=str(title),
            description=str(description),
            template=template,
        )
        _copy_sections(revision, sections)
    return _created(survey, actor)


@transaction.atomic
def update_survey(survey: Survey, *, actor: User, title: str, description: str) -> bool:
    """Rename or describe a survey (not part of its revisions: old cycles show the new title)."""
    title, description = title.strip(), description.strip()
    if (survey.title, survey.description) == (title, description):
        return False
    survey.title, survey.description = title, description
    survey.save(update_fields=["title", "description"])
    return True


# --- Sections -------------------------------------------------------------------------------


def _in_editable(item: Section | Question, actor: User) -> tuple[Editable, Section | Question]:
    """The editable revision, and where `item` (of the revision the person was looking at) is
    in it; refused when that revision is no longer the survey's latest."""
    editable = editable_revision(item.revision.survey, actor=actor)
    found = editable.sections if isinstance(item, Section) else editable.questions
    if item.pk not in found:
        raise AssessmentError(STALE)
    return editable, found[item.pk]


def _editable_section(section: Section, actor: User) -> tuple[Editable, Section]:
    return _in_editable(section, actor)


def _renumber(items) -> None:
    """Positions 0, 1, 2 … in the given order, saving only the rows that moved."""
    for position, item in enumerate(items):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


def _moved(items: list, index: int, offset: int) -> list | None:
    target = index + offset
    if offset not in (-1, 1) or not 0 <= target < len(items):
        return None
    items = list(items)
    items[index], items[target] = items[target], items[index]
    return items


@transaction.atomic
def add_section(survey: Survey, *, actor: User, title: str, description: str = "") -> Section:
    """A new section at the end of the survey."""
    revision = editable_revision(survey, actor=actor).revision
    last = revision.sections.order_by("-position").values_list("position", flat=True).first()
    return Section.objects.create(
        revision=revision,
        position=0 if last is None else last + 1,
        title=title.strip(),
        description=description.strip(),
    )


@transaction.atomic
def update_section(section: Section, *, actor: User, title: str, description: str) -> bool:
    """Retitle or describe a section."""
    title, description = title.strip(), description.strip()
    if (section.title, section.description) == (title, description):
        return False
    _editable, target = _editable_section(section, actor)
    target.title, target.description = title, description
    target.save(update_fields=["title", "description"])
    return True


def _siblings(item: Section | Question) -> list:
    """The items `item` is ordered among: its revision's sections, or its section's questions."""
    if isinstance(item, Section):
        return list(item.revision.sections.order_by("position", "pk"))
    return list(Question.objects.filter(section_id=item.section_id).order_by("position", "pk"))


def _move(item: Section | Question, *, actor: User, offset: int) -> bool:
    """Move a section or a question one place up (-1) or down (+1); False at either end —
    checked before any copy, so a move that cannot happen never makes a new version."""
    siblings = _siblings(item)
    index = next(i for i, other in enumerate(siblings) if other.pk == item.pk)
    if _moved(siblings, index, offset) is None:
        return False
    _editable, target = _in_editable(item, actor)
    siblings = _siblings(target)
    index = next(i for i, other in enumerate(siblings) if other.pk == target.pk)
    moved = _moved(siblings, index, offset)
    if moved is None:
        return False
    _renumber(moved)
    return True


@transaction.atomic
def move_section(section: Section, *, actor: User, offset: int) -> bool:
    """Move a section up (-1) or down (+1); False at either end."""
    return _move(section, actor=actor, offset=offset)


@transaction.atomic
def delete_section(section: Section, *, actor: User) -> bool:
    """Delete a section and its questions (from the new revision only when frozen)."""
    editable, target = _editable_section(section, actor)
    target.delete()
    _renumber(editable.revision.sections.order_by("position", "pk"))
    return True


# --- Questions ------------------------------------------------------------------------------


def _editable_question(question: Question, actor: User) -> tuple[Editable, Question]:
    return _in_editable(question, actor)


def _question_fields(fields: dict) -> dict:
    unknown = set(fields) - set(QUESTION_FIELDS)
    if unknown:
        raise TypeError(f"not question fields: {sorted(unknown)}")
    return fields


@transaction.atomic
def add_question(section: Section, *, actor: User, **fields) -> Question:
    """A new question at the end of a section, with a key of its own."""
    editable, target = _editable_section(section, actor)
    last = target.questions.order_by("-position").values_list("position", flat=True).first()
    return Question.objects.create(
        revision=editable.revision,
        section=target,
        position=0 if last is None else last + 1,
        key=new_question_key(),
        **_question_fields(fields),
    )


@transaction.atomic
def update_question(
    question: Question, *, actor: User, section: Section | None = None, **fields
) -> bool:
    """Change a question (and optionally move it to the end of another section); a change of
    meaning gives it a new key."""
    changed = {
        name: value
        for name, value in _question_fields(fields).items()
        if getattr(question, name) != value
    }
    moving = section is not None and section.pk != question.section_id
    if not changed and not moving:
        return False
    editable, target = _editable_question(question, actor)
    for name, value in changed.items():
        setattr(target, name, value)
    update_fields = list(changed)
    if any(name in MEANING_FIELDS for name in changed):
        # Answers given to the old wording must never be compared with the new one.
        target.key = new_question_key()
        update_fields.append("key")
    if moving:
        try:
            new_section = editable.section(section.pk)
        except KeyError:
            raise AssessmentError(STALE) from None
        old_section_id = target.section_id
        last = new_section.questions.order_by("-position").values_list("position", flat=True)
        last = last.first()
        target.section = new_section
        target.position = 0 if last is None else last + 1
        update_fields += ["section", "position"]
    target.save(update_fields=update_fields)
    if moving:
        _renumber(Question.objects.filter(section_id=old_section_id).order_by("position", "pk"))
    return True


@transaction.atomic
def move_question(question: Question, *, actor: User, offset: int) -> bool:
    """Move a question up (-1) or down (+1) within its section; False at either end."""
    return _move(question, actor=actor, offset=offset)


@transaction.atomic
def delete_question(question: Question, *, actor: User) -> bool:
    """Delete a question (from the new revision only when frozen: past answers keep theirs)."""
    _editable, target = _editable_question(question, actor)
    section_id = target.section_id
    target.delete()
    _renumber(Question.objects.filter(section_id=section_id).order_by("position", "pk"))
    return True
