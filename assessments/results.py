"""What a cycle's answers add up to, and how the answers move across a survey's cycles.

Everything is counted in the database, grouped by question and value, so a page costs the same
few queries at 3 responses and at 3,000; only multiple choices (a JSON list per answer) are
counted here, from one query. In anonymous cycles a question answered by fewer than
`MIN_GROUP` people shows nothing but that fact — on the page, in both CSV files and in the
trends — since a distribution of two answers tells each of the two what the other said.

Trends join questions on their `key`, which a revision keeps while the question means the same:
a question reworded into something else gets a new key and a line of its own.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Avg, Count, Max, Min
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.models import Answer, Cycle, Question, Response, Survey, ValueCycle
from communities.models import Membership
from communities.permissions import Access, can_see_results
from core import charts

# Fewer answers than this to a question of an anonymous cycle: nothing of them is shown.
MIN_GROUP = 3
LIKERT_VALUES = (1, 2, 3, 4, 5)
# How many cycles a trend shows at most (the latest ones).
TREND_CYCLES = 24
COMPACT_TREND_CYCLES = 8


def _float(value) -> float | None:
    return None if value is None else float(value)


def plain_number(value) -> str:
    """4.00 → "4", 2.50 → "2.5": numbers as people write them (CSV and page)."""
    if value is None:
        return ""
    number = Decimal(value).quantize(Decimal("0.01"))
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass
class QuestionResult:
    """One question's answers, added up (nothing but `answers` when `hidden`)."""

    question: Question
    answers: int = 0
    mean: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    # (label, count): Likert values 1–5 or the options, in order.
    distribution: list[tuple[str, int]] = field(default_factory=list)
    # (text, respondent's name or "") — names only in named cycles, for facilitators.
    texts: list[tuple[str, str]] = field(default_factory=list)
    hidden: bool = False
    # The mean's change since the previous cycle (Likert questions with the same key).
    change: float | None = None

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def signed_change(self) -> str:
        """ "+0.4", "-0.3", "±0" in the reader's number format."""
        if self.change is None:
            return ""
        if round(self.change, 1) == 0:
            return "±0"
        sign = "+" if self.change > 0 else ""
        return sign + number_format(round(self.change, 1), 1)

    @property
    def chart(self) -> SafeString | None:
        if self.hidden or not self.distribution:
            return None
        return charts.bar_chart(
            self.distribution,
            title=self.question.text,
            description=_("Number of answers for each value: %(values)s.")
            % {"values": "; ".join(f"{label}: {count}" for label, count in self.distribution)},
        )


@dataclass
class CycleResults:
    cycle: Cycle
    responses: int
    members: int
    questions: list[QuestionResult]
    previous: Cycle | None = None

    @property
    def rate(self) -> int:
        """The response rate in whole percent of the active members."""
        return round(100 * self.responses / self.members) if self.members else 0

    @property
    def hidden(self) -> bool:
        """Too few responses in an anonymous cycle to show anything."""
        return self.cycle.anonymous and self.responses < MIN_GROUP


def is_hidden(cycle: Cycle, answers: int) -> bool:
    return cycle.anonymous and answers < MIN_GROUP


def likert_label(question: Question, value: int) -> str:
    """ "1 – Not at all", "3", "5 – Very": the scale's ends carry their labels."""
    label = {1: question.low_label, 5: question.high_label}.get(value, "")
    return f"{value} – {label}" if label else str(value)


def _questions(cycle: Cycle) -> list[Question]:
    return list(
        Question.objects.filter(revision_id=cycle.revision_id)
        .select_related("section")
        .order_by("section__position", "section_id", "position", "pk")
    )


def cycle_results(cycle: Cycle, *, access: Access, names: bool = False) -> CycleResults:
    """The cycle's answers added up per question; `names` shows who wrote each text answer
    (named cycles only, whatever is asked)."""
    questions = _questions(cycle)
    results = {question.pk: QuestionResult(question) for question in questions}
    answers = Answer.objects.filter(response__cycle=cycle)
    for row in answers.values("question_id").annotate(
        count=Count("id"), mean=Avg("number"), low=Min("number"), high=Max("number")
    ):
        result = results.get(row["question_id"])
        if result is None:
            continue
        result.answers = row["count"]
        if result.kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
            result.mean, result.minimum, result.maximum = (
                _float(row["mean"]),
                _float(row["low"]),
                _float(row["high"]),
            )
    for result in results.values():
        result.hidden = is_hidden(cycle, result.answers)
        if result.hidden:
            result.mean = result.minimum = result.maximum = None
    shown = [result for result in results.values() if not result.hidden]
    _add_likert_counts(cycle, [r for r in shown if r.kind == Question.Kind.LIKERT])
    _add_choice_counts(cycle, [r for r in shown if r.question.is_choice])
    _add_texts(cycle, [r for r in shown if r.question.is_text], names=names and not cycle.anonymous)
    previous = previous_cycle(cycle)
    if previous is not None and can_see_results(access, previous):
        _add_changes(previous, [r for r in shown if r.kind == Question.Kind.LIKERT])
    else:
        previous = None
    return CycleResults(
        cycle=cycle,
        responses=Response.objects.filter(cycle=cycle).count(),
        members=active_member_count(cycle),
        questions=list(results.values()),
        previous=previous,
    )


def active_member_count(cycle: Cycle) -> int:
    """The response rate's denominator: the community's active members today."""
    return Membership.objects.filter(
        community_id=cycle.community_id, state=Membership.State.ACTIVE
    ).count()


def _add_likert_counts(cycle: Cycle, results: list[QuestionResult]) -> None:
    if not results:
        return
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = (
        Answer.objects.filter(
            response__cycle=cycle, question_id__in=[r.question.pk for r in results]
        )
        .values("question_id", "number")
        .annotate(count=Count("id"))
    )
    for row in rows:
        if row["number"] is not None:
            counts[row["question_id"]][int(row["number"])] += row["count"]
    for result in results:
        result.distribution = [
            (likert_label(result.question, value), counts[result.question.pk][value])
            for value in LIKERT_VALUES
        ]


def _add_choice_counts(cycle: Cycle, results: list[QuestionResult]) -> None:
    """Choices live in a JSON list per answer: counted here, from one query."""
    if not results:
        return
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = Answer.objects.filter(
        response__cycle=cycle, question_id__in=[r.question.pk for r in results]
    ).values_list("question_id", "choices")
    for question_id, choices in rows:
        for choice in choices or []:
            counts[question_id][str(choice)] += 1
    for result in results:
        options = [str(option) for option in result.question.options or []]
        # An option chosen but no longer listed still counts (it cannot happen in a frozen
        # revision, but the numbers must add up whatever happened).
        extra = [choice for choice in counts[result.question.pk] if choice not in options]
        result.distribution = [
            (option, counts[result.question.pk][option]) for option in options + extra
        ]


def _add_texts(cycle: Cycle, results: list[QuestionResult], *, names: bool) -> None:
    """Text answers in a random but stable order (by their random ids), never by time."""
    if not results:
        return
    by_question = {result.question.pk: result for result in results}
    rows = Answer.objects.filter(response__cycle=cycle, question_id__in=by_question).exclude(
        text=""
    )
    if names:
        rows = rows.select_related("response__respondent").order_by("id")
        for answer in rows:
            respondent = answer.response.respondent
            name = respondent.name if respondent is not None else ""
            by_question[answer.question_id].texts.append((answer.text, name))
        return
    for question_id, text in rows.order_by("id").values_list("question_id", "text"):
        by_question[question_id].texts.append((text, ""))


def previous_cycle(cycle: Cycle) -> Cycle | None:
    """The cycle of the same survey opened last before this one."""
    return (
        Cycle.objects.filter(survey_id=cycle.survey_id, opens_at__lt=cycle.opens_at)
        .order_by("-opens_at", "-pk")
        .first()
    )


def _add_changes(previous: Cycle, results: list[QuestionResult]) -> None:
    if not results:
        return
    rows = (
        Answer.objects.filter(response__cycle=previous, question__kind=Question.Kind.LIKERT)
        .values("question__key")
        .annotate(mean=Avg("number"), count=Count("id"))
    )
    before = {
        row["question__key"]: float(row["mean"])
        for row in rows
        if row["mean"] is not None and not is_hidden(previous, row["count"])
    }
    for result in results:
        if result.mean is not None and result.question.key in before:
            result.change = round(result.mean - before[result.question.key], 2)


# --- CSV rows -----------------------------------------------------------------------------------


def _answer_cell(question: Question, number, choices, text) -> str:
    if question.kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
        return plain_number(number)
    if question.is_choice:
        return "; ".join(str(choice) for choice in choices or [])
    return text or ""


def response_rows(cycle: Cycle) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the responses export: one row per response numbered 1..n in the order
    of their random ids; names and organizations in named cycles only. In anonymous cycles a
    question answered by fewer than MIN_GROUP people has an empty column, and a cycle with
    fewer than MIN_GROUP responses has no rows at all."""
    questions = _questions(cycle)
    header = [_("Response"), _("Submitted on")]
    if not cycle.anonymous:
        header += [_("Name"), _("Organization")]
    header += [question.text for question in questions]
    responses = Response.objects.filter(cycle=cycle).order_by("id")
    if cycle.anonymous:
        responses = responses.only("id", "submitted_on")
    else:
        responses = responses.select_related("respondent")
    responses = list(responses)
    if cycle.anonymous and len(responses) < MIN_GROUP:
        return header, []
    cells: dict = defaultdict(dict)
    counts: Counter = Counter()
    by_id = {question.pk: question for question in questions}
    for response_id, question_id, number, choices, text in Answer.objects.filter(
        response__cycle=cycle
    ).values_list("response_id", "question_id", "number", "choices", "text"):
        question = by_id.get(question_id)
        if question is not None:
            cells[response_id][question_id] = _answer_cell(question, number, choices, text)
            counts[question_id] += 1
    shown = [q for q in questions if not is_hidden(cycle, counts[q.pk])]
    rows = []
    for number, response in enumerate(responses, start=1):
        row = [str(number), response.submitted_on.isoformat()]
        if not cycle.anonymous:
            person = response.respondent
            row += [person.name, person.organization] if person is not None else ["", ""]
        row += [cells[response.pk].get(q.pk, "") if q in shown else "" for q in questions]
        rows.append(row)
    return header, rows


def aggregate_rows(results: CycleResults) -> tuple[list[str], list[list[str]]]:
    """(header, rows) of the aggregates export: a line per question (kind, answers, mean, min,
    max), then a line per Likert value or option with its count; hidden groups say so."""
    header = [
        _("Question"),
        _("Kind"),
        _("Answers"),
        _("Mean"),
        _("Smallest"),
        _("Largest"),
        _("Value or option"),
        _("Count"),
    ]
    hidden = _("hidden: fewer than 3 answers")
    rows = []
    for result in results.questions:
        kind = str(result.question.get_kind_display())
        if result.hidden:
            rows.append([result.question.text, kind, hidden, "", "", "", "", ""])
            continue
        rows.append(
            [
                result.question.text,
                kind,
                str(result.answers),
                plain_number(result.mean),
                plain_number(result.minimum) if result.kind == Question.Kind.NUMBER else "",
                plain_number(result.maximum) if result.kind == Question.Kind.NUMBER else "",
                "",
                "",
            ]
        )
        for label, count in result.distribution:
            rows.append([result.question.text, kind, "", "", "", "", label, str(count)])
    return header, rows


# --- Trends --------------------------------------------------------------------------------------


@dataclass
class TrendLine:
    """One line of a trend: a mean per cycle (None: a gap, `notes` says why)."""

    key: str
    name: str
    values: list[float | None]
    notes: list[str]
    cycle_titles: list[str] = field(default_factory=list)

    @property
    def points(self) -> list[tuple[str, float | None, str]]:
        """(cycle title, mean, why it is missing) for the data table."""
        return list(zip(self.cycle_titles, self.values, self.notes, strict=False))

    @property
    def chart(self) -> SafeString:
        return charts.line_chart(
            [(self.name, self.values)], self.cycle_titles, title=self.name, y_min=1, y_max=5
        )


@dataclass
class Trend:
    cycles: list[Cycle]
    questions: list[TrendLine]
    values: list[TrendLine]

    @property
    def titles(self) -> list[str]:
        return [cycle.title for cycle in self.cycles]

    @property
    def value_chart(self) -> SafeString | None:
        if not self.values:
            return None
        return charts.line_chart(
            [(line.name, line.values) for line in self.values],
            self.titles,
            title=_("Value creation across cycles"),
            y_min=1,
            y_max=5,
        )

    @property
    def has_data(self) -> bool:
        return len(self.cycles) > 1 and any(
            value is not None for line in self.questions + self.values for value in line.values
        )


def trend_cycles(
    access: Access, survey: Survey, *, until: Cycle | None = None, limit: int = TREND_CYCLES
) -> list[Cycle]:
    """The survey's opened cycles whose results the person may see, oldest first (up to and
    including `until`), the latest `limit` of them."""
    cycles = Cycle.objects.filter(survey=survey, opens_at__lte=timezone.now()).select_related(
        "community"
    )
    if until is not None:
        cycles = cycles.filter(opens_at__lte=until.opens_at)
    latest = list(cycles.order_by("-opens_at", "-pk")[: limit * 2])
    visible = [cycle for cycle in latest if can_see_results(access, cycle)][:limit]
    return list(reversed(visible))


def trend(cycles: list[Cycle]) -> Trend:
    """The mean of each Likert question (by key) and of each value cycle, per cycle: three
    queries however many cycles and responses."""
    if not cycles:
        return Trend([], [], [])
    ids = [cycle.pk for cycle in cycles]
    index = {cycle.pk: number for number, cycle in enumerate(cycles)}
    titles = [cycle.title for cycle in cycles]
    questions = (
        Question.objects.filter(
            revision_id__in={c.revision_id for c in cycles}, kind=Question.Kind.LIKERT
        )
        .order_by("section__position", "section_id", "position", "pk")
        .values_list("revision_id", "key", "text")
    )
    asked: dict[str, set[int]] = defaultdict(set)
    texts: dict[str, dict[int, str]] = defaultdict(dict)
    for revision_id, key, text in questions:
        texts[key][revision_id] = text
    for cycle in cycles:
        for key, by_revision in texts.items():
            if cycle.revision_id in by_revision:
                asked[key].add(cycle.pk)
    likert = Answer.objects.filter(response__cycle_id__in=ids, question__kind=Question.Kind.LIKERT)
    means = likert.values("response__cycle_id", "question__key").annotate(
        mean=Avg("number"), count=Count("id")
    )
    by_key: dict[str, dict[int, tuple[float | None, int]]] = defaultdict(dict)
    for row in means:
        by_key[row["question__key"]][row["response__cycle_id"]] = (
            _float(row["mean"]),
            row["count"],
        )
    lines = []
    for key, by_revision in texts.items():
        # The wording of the latest cycle that asked it names the line.
        latest = [c for c in cycles if c.revision_id in by_revision][-1]
        lines.append(_line(key, by_revision[latest.revision_id], cycles, by_key[key], asked[key]))
    value_means = (
        likert.exclude(question__value_cycle="")
        .values("response__cycle_id", "question__value_cycle")
        .annotate(mean=Avg("number"), count=Count("response_id", distinct=True))
    )
    by_value: dict[str, dict[int, tuple[float | None, int]]] = defaultdict(dict)
    for row in value_means:
        by_value[row["question__value_cycle"]][row["response__cycle_id"]] = (
            _float(row["mean"]),
            row["count"],
        )
    values = [
        _line(value, str(label), cycles, by_value[value], set(index))
        for value, label in ValueCycle.choices
        if value in by_value
    ]
    for line in lines + values:
        line.cycle_titles = titles
    return Trend(cycles, lines, values)


def _line(key, name, cycles, by_cycle, asked: set[int]) -> TrendLine:
    values: list[float | None] = []
    notes: list[str] = []
    for cycle in cycles:
        mean, count = by_cycle.get(cycle.pk, (None, 0))
        if cycle.pk not in asked:
            values.append(None)
            notes.append(_("not asked"))
        elif count == 0 or mean is None:
            values.append(None)
            notes.append(_("no answers"))
        elif is_hidden(cycle, count):
            values.append(None)
            notes.append(_("hidden: fewer than 3 answers"))
        else:
            values.append(round(mean, 2))
            notes.append("")
    return TrendLine(key=key, name=name, values=values, notes=notes)
