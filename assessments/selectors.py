"""What the assessments show, always through the reader's Access; the fetch-and-check of one
survey, cycle or value story (404 for missing and invisible alike)."""

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from assessments.models import Cycle, Question, Section, Survey, SurveyRevision, ValueStory
from communities.permissions import Access, can_see_results


def _int_id(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number < 2**63:
        raise Http404
    return number


def surveys_of(access: Access) -> QuerySet[Survey]:
    """The community's surveys, for those who build them."""
    if not access.can("assessment.manage") and not access.can("assessment.results"):
        return Survey.objects.none()
    return (
        Survey.objects.filter(community=access.community, archived_at__isnull=True)
        .annotate(cycle_count=Count("cycles", distinct=True))
        .order_by("title", "pk")
    )


def access_survey(access: Access, survey_id) -> Survey:
    """One survey of the community, for those who build or read results; 404 otherwise."""
    if not access.can("assessment.manage") and not access.can("assessment.results"):
        raise Http404
    survey = (
        Survey.objects.filter(community=access.community, pk=_int_id(survey_id))
        .select_related("community")
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def cycles_of(access: Access) -> QuerySet[Cycle]:
    """The cycles a person may know of: all of them for facilitators; for members, those
    opened already (a scheduled cycle is not shown before it opens)."""
    if not access.can("community.view") or not (
        access.is_member or access.can("assessment.results")
    ):
        return Cycle.objects.none()
    cycles = Cycle.objects.filter(community=access.community).select_related("community", "survey")
    if not access.can("assessment.manage") and not access.can("assessment.results"):
        cycles = cycles.filter(opens_at__lte=timezone.now())
    return cycles.order_by("-opens_at", "-pk")


def open_cycles_of(access: Access) -> QuerySet[Cycle]:
    now = timezone.now()
    return cycles_of(access).filter(opens_at__lte=now, closes_at__gt=now)


def access_cycle(access: Access, cycle_id) -> Cycle:
    """One cycle the person may know of; 404 otherwise."""
    cycle = cycles_of(access).filter(pk=_int_id(cycle_id)).select_related("revision").first()
    if cycle is None:
        raise Http404
    return cycle


def access_results(access: Access, cycle_id) -> Cycle:
    """A cycle whose results the person may see; 404 otherwise (members learn nothing of
    results not shared with them)."""
    cycle = access_cycle(access, cycle_id)
    if not can_see_results(access, cycle):
        raise Http404
    return cycle


def stories_of(access: Access) -> QuerySet[ValueStory]:
    """The community's value stories, for its members and facilitators."""
    if not (access.is_member or access.can("assessment.results")):
        return ValueStory.objects.none()
    return ValueStory.objects.filter(community=access.community).select_related(
        "author", "community"
    )


def access_story(access: Access, story_id) -> ValueStory:
    story = stories_of(access).filter(pk=_int_id(story_id)).first()
    if story is None:
        raise Http404
    return story


# --- Value stories (the stories part) ------------------------------------------------------------


def stories_showing(access: Access, value_cycle: str = "") -> QuerySet[ValueStory]:
    """The community's stories, newest first; those tagged with `value_cycle` when given."""
    stories = stories_of(access).order_by("-happened_on", "-pk")
    if value_cycle:
        # A text match on the stored JSON list (`contains` on JSON is not portable to SQLite);
        # the quotes keep one cycle's name from matching inside another's.
        stories = stories.filter(value_cycles__icontains=f'"{value_cycle}"')
    return stories


def stories_between(access: Access, start, end) -> list[ValueStory]:
    """The stories that happened on a day in [start, end), for the matrix over periods."""
    return list(
        stories_of(access)
        .filter(happened_on__gte=start, happened_on__lt=end)
        .select_related(None)
        .only("pk", "title", "happened_on", "value_cycles")
        .order_by("happened_on", "pk")
    )


def story_labels(ids) -> dict[int, str]:
    """Current titles of value stories, for the community feed (communities.activity)."""
    return dict(ValueStory.objects.filter(pk__in=ids).values_list("pk", "title"))


# --- The builder (issue 13, builder part) ---------------------------------------------------


def survey_outline(survey: Survey) -> SurveyRevision:
    """The survey's latest revision with `section_list`, each section with its `question_list`,
    in order: three queries whatever the number of questions."""
    revision = survey.revisions.order_by("-number").first()
    sections = list(revision.sections.order_by("position", "pk"))
    by_pk = {}
    for section in sections:
        section.question_list = []
        by_pk[section.pk] = section
    for question in revision.questions.order_by("position", "pk"):
        question.section = by_pk[question.section_id]
        by_pk[question.section_id].question_list.append(question)
    revision.section_list = sections
    return revision


def survey_cycles(survey: Survey) -> QuerySet[Cycle]:
    """The cycles run with a survey, newest first, with the revision each one uses."""
    return survey.cycles.select_related("revision", "community").order_by("-opens_at", "-pk")


def access_section(access: Access, survey_id, section_id) -> Section:
    """A section of a survey's latest revision (the only one the builder shows); 404 otherwise."""
    survey = access_survey(access, survey_id)
    section = (
        Section.objects.filter(revision__survey=survey, pk=_int_id(section_id))
        .select_related("revision__survey__community")
        .first()
    )
    if section is None or section.revision.number != _latest_number(survey):
        raise Http404
    return section


def access_question(access: Access, survey_id, question_id) -> Question:
    """A question of a survey's latest revision; 404 otherwise."""
    survey = access_survey(access, survey_id)
    question = (
        Question.objects.filter(revision__survey=survey, pk=_int_id(question_id))
        .select_related("revision__survey__community", "section")
        .first()
    )
    if question is None or question.revision.number != _latest_number(survey):
        raise Http404
    return question


def _latest_number(survey: Survey) -> int:
    return survey.revisions.order_by("-number").values_list("number", flat=True).first()


def answered_cycle_ids(access: Access, cycles) -> set[int]:
    """Which of these cycles the person has answered (one query, whatever their number): each
    key is computed here and looked up, so anonymous responses stay unnamed."""
    from assessments.models import Response
    from assessments.services.responses import respondent_key

    keys = {
        cycle.pk: respondent_key(cycle, access.user)
        for cycle in cycles
        if cycle.salt and access.is_member
    }
    if not keys:
        return set()
    found = Response.objects.filter(
        cycle_id__in=list(keys), respondent_key__in=list(keys.values())
    ).values_list("cycle_id", "respondent_key")
    return {cycle_id for cycle_id, key in found if keys.get(cycle_id) == key}


# --- Community health (the facilitators' dashboard) -----------------------------------------


def open_cycle_responses(community, *, now=None) -> dict:
    """The cycles open now and the responses they have (`cycles`, `responses`), in one query."""
    now = now or timezone.now()
    return Cycle.objects.filter(
        community=community, opens_at__lte=now, closes_at__gt=now
    ).aggregate(cycles=Count("pk", distinct=True), responses=Count("responses"))


def has_cycles(community) -> bool:
    """Whether the community has scheduled any assessment cycle."""
    return Cycle.objects.filter(community=community).exists()


# --- Digests (facilitation.digests) ------------------------------------------------------------


def digest_cycles(community_ids, *, now) -> list[Cycle]:
    """The cycles of these communities open at `now` and still taking answers, closing first
    first, each with its community."""
    return list(
        Cycle.objects.filter(community_id__in=community_ids, opens_at__lte=now, closes_at__gt=now)
        .exclude(salt="")
        .select_related("community")
        .order_by("closes_at", "pk")
    )


def responded_pairs(cycles, users) -> set[tuple[int, int]]:
    """Which (cycle id, user id) of these cycles and people have a response, in one query: each
    respondent key is computed here and looked up, so anonymous responses stay unnamed."""
    from assessments.models import Response
    from assessments.services.responses import respondent_key

    keys = {
        (cycle.pk, user.pk): respondent_key(cycle, user)
        for cycle in cycles
        if cycle.salt
        for user in users
    }
    if not keys:
        return set()
    found = set(
        Response.objects.filter(
            cycle_id__in={cycle_id for cycle_id, _user in keys},
            respondent_key__in=list(keys.values()),
        ).values_list("cycle_id", "respondent_key")
    )
    return {pair for pair, key in keys.items() if (pair[0], key) in found}
