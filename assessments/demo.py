"""Demo assessments: the value-creation survey of the mathematics network with two past
quarterly cycles (answers that improve, so the trends show), one open cycle and a few value
stories. Idempotent: nothing is added twice."""

import hashlib
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.models import Cycle, Question, ValueCycle
from assessments.services.cycles import add_months, advance_cycles, create_cycle
from assessments.services.responses import submit_response
from assessments.services.stories import create_story, feature_story
from assessments.services.surveys import create_from_template
from communities.models import Community, Membership

OPEN_FOR = timedelta(days=14)
# Open answers of the demo, by value cycle.
REMARKS = {
    ValueCycle.IMMEDIATE: "The monthly meetups are the hour of the month I learn most.",
    ValueCycle.POTENTIAL: "I now know whom to ask about assessment without marks.",
    ValueCycle.APPLIED: "I used the 'notice and wonder' opening in three classes.",
    ValueCycle.REALIZED: "Fewer students give up on the first hard problem.",
    ValueCycle.REFRAMING: "Our department changed how we plan the first week of term.",
}
STORIES = [
    (
        "member@example.com",
        "Exit tickets changed my Monday planning",
        "After the lesson study on exit tickets I asked three questions at the end of each "
        "lesson for a month.",
        "I regroup students on Monday from what they wrote on Friday; the weakest group gets "
        "ten minutes with me first.",
        "My two Year 9 classes",
        [ValueCycle.APPLIED, ValueCycle.REALIZED],
        True,
    ),
    (
        "facilitator@example.com",
        "A shared problem bank across four schools",
        "Members pooled the problems they had tested in class into the library.",
        "New teachers start the year with forty tried problems instead of a blank page.",
        "New teachers of the network",
        [ValueCycle.POTENTIAL, ValueCycle.APPLIED],
        False,
    ),
    (
        "member@example.com",
        "Our department rethought the first week",
        "A thread about low-floor, high-ceiling tasks made us question our diagnostic test.",
        "The first week is now three rich tasks; the test is gone.",
        "The mathematics department of Lycée Jean Moulin",
        [ValueCycle.REFRAMING],
        False,
    ),
]


def _score(person: User, question: Question, cycle_number: int) -> int:
    """A steady 1–5 answer per person and question that rises a little from cycle to cycle."""
    digest = hashlib.sha256(f"{person.email}:{question.position}".encode()).digest()
    return max(1, min(5, 2 + digest[0] % 3 + (cycle_number - 1)))


def _answers(cycle: Cycle, person: User, cycle_number: int) -> dict[int, object]:
    values: dict[int, object] = {}
    for question in cycle.revision.questions.all():
        if question.kind == Question.Kind.LIKERT:
            values[question.pk] = _score(person, question, cycle_number)
        elif question.is_text and question.value_cycle and cycle_number > 1:
            values[question.pk] = REMARKS.get(question.value_cycle, "")
    return values


def _answer_all(cycle: Cycle, people: list[User], cycle_number: int) -> None:
    answered_at = cycle.opens_at + timedelta(days=2)
    for person in people:
        submit_response(cycle, person, _answers(cycle, person, cycle_number), now=answered_at)


@transaction.atomic
def seed_assessments(communities: list[Community]) -> None:
    """Two quarters ago the facilitator scheduled a quarterly value-creation cycle; the
    periodic pass, run here at the moments it would have run, opened, closed and repeated it."""
    community = next((c for c in communities if c.slug == "math-teachers"), None)
    if community is None or community.surveys.filter(template="value_creation").exists():
        return
    facilitator = User.objects.get(email="facilitator@example.com")
    survey = create_from_template(community, actor=facilitator, template="value_creation")
    people = list(
        User.objects.filter(
            memberships__community=community, memberships__state=Membership.State.ACTIVE
        ).order_by("pk")
    )
    now = timezone.now()
    opens_at = add_months(now, -6) - timedelta(days=2)
    cycle = create_cycle(
        survey,
        actor=facilitator,
        title="",
        opens_at=opens_at,
        closes_at=opens_at + OPEN_FOR,
        recurrence=Cycle.Recurrence.QUARTERLY,
        results_shared=True,
    )
    # Each quarter more members answer, a little more positively.
    for number, answering in ((1, people[:6]), (2, people[:7])):
        advance_cycles(now=cycle.opens_at + timedelta(hours=1))
        _answer_all(cycle, answering, number)
        advance_cycles(now=cycle.closes_at + timedelta(hours=1))
        cycle = Cycle.objects.get(previous=cycle)
    advance_cycles(now=now)
    _answer_all(cycle, people[2:4], 3)
    _seed_stories(community)


def _seed_stories(community: Community) -> None:
    people = {
        person.email: person for person in User.objects.filter(email__endswith="@example.com")
    }
    today = timezone.localdate()
    this_month = date(today.year, today.month, 1)
    for email, title, happened, changed, for_whom, cycles, featured in STORIES:
        # The featured story belongs to the last complete quarter (the value report's default);
        # the others to this month.
        month = add_months(this_month, -3) if featured else this_month
        story = create_story(
            community,
            actor=people[email],
            title=title,
            happened=happened,
            changed=changed,
            for_whom=for_whom,
            value_cycles=[str(cycle) for cycle in cycles],
            happened_on=month,
        )
        if featured:
            feature_story(story, actor=people["facilitator@example.com"])
