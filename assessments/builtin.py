"""The built-in survey templates, in our own words: a facilitator copies one into the community
and adapts it there (services.surveys.create_from_template).

The texts are lazy translations: the copy is written once, in the community's language, and
from then on belongs to the community like any survey it wrote itself.

The value-creation template follows the five cycles of Wenger, Trayner & de Laat (2011),
"Promoting and assessing value creation in communities and networks": each cycle has a few
Likert items tagged with their cycle (the value trends read the tag) and an open question for
the stories numbers cannot tell.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from assessments.models import Question, ValueCycle

LIKERT = Question.Kind.LIKERT
LONG_TEXT = Question.Kind.LONG_TEXT
SINGLE = Question.Kind.SINGLE
MULTIPLE = Question.Kind.MULTIPLE

NOT_AT_ALL = _("Not at all")
A_GREAT_DEAL = _("A great deal")
DISAGREE = _("Strongly disagree")
AGREE = _("Strongly agree")


@dataclass(frozen=True)
class QuestionSpec:
    """One question of a template (fields of Question; texts are lazy translations)."""

    kind: str
    text: str
    help_text: str = ""
    required: bool = True
    low_label: str = ""
    high_label: str = ""
    options: tuple = ()
    value_cycle: str = ""


@dataclass(frozen=True)
class SectionSpec:
    title: str
    description: str = ""
    questions: tuple[QuestionSpec, ...] = field(default_factory=tuple)


def _value(cycle: str, text: str) -> QuestionSpec:
    return QuestionSpec(
        LIKERT, text, low_label=NOT_AT_ALL, high_label=A_GREAT_DEAL, value_cycle=cycle
    )


def _story(cycle: str, text: str) -> QuestionSpec:
    return QuestionSpec(LONG_TEXT, text, required=False, value_cycle=cycle)


def _pulse(text: str) -> QuestionSpec:
    return QuestionSpec(LIKERT, text, low_label=DISAGREE, high_label=AGREE)


VALUE_CREATION = (
    SectionSpec(
        _("Immediate value: taking part"),
        _("What taking part in the community is like, as it happens."),
        (
            _value(
                ValueCycle.IMMEDIATE,
                _("Taking part in the community was worth the time I gave it."),
            ),
            _value(
                ValueCycle.IMMEDIATE,
                _("I enjoyed the exchanges and felt welcome in them."),
            ),
            _value(
                ValueCycle.IMMEDIATE,
                _("I came across ideas or people I would not have met otherwise."),
            ),
            _story(
                ValueCycle.IMMEDIATE,
                _("Which moment of the community was the most useful to you lately?"),
            ),
        ),
    ),
    SectionSpec(
        _("Potential value: what I take away"),
        _("The knowledge, skills, contacts and confidence the community gave you, used or not."),
        (
            _value(
                ValueCycle.POTENTIAL,
                _("I learned something I can use in my own practice."),
            ),
            _value(
                ValueCycle.POTENTIAL,
                _("I know whom to ask when I face a problem in my work."),
            ),
            _value(
                ValueCycle.POTENTIAL,
                _("I feel more confident in my practice thanks to the community."),
            ),
            _story(
                ValueCycle.POTENTIAL,
                _("What did you take away that you may use later?"),
            ),
        ),
    ),
    SectionSpec(
        _("Applied value: changes in practice"),
        _("What you did differently because of the community."),
        (
            _value(
                ValueCycle.APPLIED,
                _("I tried out in my work something I found in the community."),
            ),
            _value(
                ValueCycle.APPLIED,
                _("I reused a document, a tool or a method shared here."),
            ),
            _story(
                ValueCycle.APPLIED,
                _("Describe something you now do differently, and what led you to it."),
            ),
        ),
    ),
    SectionSpec(
        _("Realized value: results"),
        _("The difference these changes made to results that matter to you or your organization."),
        (
            _value(
                ValueCycle.REALIZED,
                _("What I applied improved the results of my work."),
            ),
            _value(
                ValueCycle.REALIZED,
                _("The community helped my organization save time, money or effort."),
            ),
            _story(
                ValueCycle.REALIZED,
                _("Which result would not have happened without the community?"),
            ),
        ),
    ),
    SectionSpec(
        _("Reframing value: new ways of seeing"),
        _("How the community changed what counts as success, or how things are organized."),
        (
            _value(
                ValueCycle.REFRAMING,
                _("The community changed how I think about success in my work."),
            ),
            _value(
                ValueCycle.REFRAMING,
                _(
                    "The community led my organization to change a rule, a strategy or a way "
                    "of working."
                ),
            ),
            _story(
                ValueCycle.REFRAMING,
                _("What do you or your organization now see differently?"),
            ),
        ),
    ),
)

PULSE = (
    SectionSpec(
        _("Community pulse"),
        _("Five quick questions on how the community feels right now."),
        (
            _pulse(_("The community is useful to me.")),
            _pulse(_("I trust the other members enough to share my questions and mistakes.")),
            _pulse(_("I take part as much as I would like to.")),
            _pulse(_("The facilitation helps the community run well.")),
            _pulse(_("I intend to stay in the community next year.")),
        ),
    ),
)

NEWCOMER = (
    SectionSpec(
        _("Welcome"),
        _("Tell us what brings you here, so that we can connect you with the right people."),
        (
            QuestionSpec(LONG_TEXT, _("What do you hope to learn in this community?")),
            QuestionSpec(
                LONG_TEXT,
                _("What could you bring to the other members?"),
                help_text=_("Experience, a skill, questions worth asking: everything counts."),
            ),
            QuestionSpec(
                MULTIPLE,
                _("Which topics matter most to you?"),
                required=False,
                options=(
                    _("Sharing good practices"),
                    _("Solving concrete problems"),
                    _("Tools and methods"),
                    _("Research and new ideas"),
                    _("Meeting peers"),
                ),
            ),
            QuestionSpec(
                SINGLE,
                _("How do you prefer to take part?"),
                options=(
                    _("Mostly reading"),
                    _("Asking questions"),
                    _("Answering and sharing"),
                    _("Leading activities"),
                ),
            ),
        ),
    ),
)

# key → (title, description, sections)
BUILTIN_TEMPLATES: dict[str, tuple[str, str, tuple[SectionSpec, ...]]] = {
    "value_creation": (
        _("Value creation"),
        _(
            "The five value cycles of Wenger, Trayner & de Laat: immediate, potential, applied, "
            "realized and reframing value, a few scale items and one open question each."
        ),
        VALUE_CREATION,
    ),
    "pulse": (
        _("Community pulse"),
        _("Five short items: usefulness, trust, participation, facilitation, intention to stay."),
        PULSE,
    ),
    "newcomer": (
        _("Newcomer needs"),
        _(
            "What a new member hopes to learn and can contribute, their topics and how they like "
            "to take part."
        ),
        NEWCOMER,
    ),
}


def builtin_template(key: str) -> tuple[str, str, tuple[SectionSpec, ...]] | None:
    """The template of that key (title, description, sections), or None."""
    return BUILTIN_TEMPLATES.get(key)


def question_count(key: str) -> int:
    """How many questions the template holds (shown when choosing one)."""
    _title, _description, sections = BUILTIN_TEMPLATES[key]
    return sum(len(section.questions) for section in sections)
