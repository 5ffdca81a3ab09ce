"""The builder's pages: who may see and change them, reordering, validation, the preview."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Question, Section, Survey
from assessments.services.surveys import add_question, create_survey
from communities.models import Community
from tests.assessments.factories import make_cycle, make_survey

pytestmark = pytest.mark.django_db


def _url(survey, tail=""):
    return f"/c/{survey.community.slug}/assessments/s/{survey.pk}/{tail}"


def _texts(survey):
    revision = survey.revisions.order_by("-number").first()
    return [q.text for q in revision.questions.order_by("section__position", "position", "pk")]


@pytest.fixture
def survey(cast):
    return make_survey(cast.public)


@pytest.fixture
def private_survey(cast):
    return make_survey(cast.private)


# --- Permissions ----------------------------------------------------------------------------


@pytest.mark.parametrize("tail", ["", "edit/", "preview/", "sections/new/", "questions/new/"])
def test_builder_pages_facilitators_and_organizers_open_them(
    cast, client_for, private_survey, tail
):
    for principal in ("facilitator", "organizer"):
        assert client_for(principal).get(_url(private_survey, tail)).status_code == 200


@pytest.mark.parametrize("tail", ["", "edit/", "preview/", "sections/new/", "questions/new/"])
def test_builder_pages_a_member_is_refused(cast, member_client, private_survey, tail):
    assert member_client.get(_url(private_survey, tail)).status_code == 403


@pytest.mark.parametrize("principal", ["anonymous", "outsider", "other_member"])
@pytest.mark.parametrize("tail", ["", "edit/", "preview/", "sections/new/"])
def test_builder_pages_strangers_to_a_private_community_get_404(
    cast, client_for, private_survey, principal, tail
):
    assert client_for(principal).get(_url(private_survey, tail)).status_code == 404


def test_builder_pages_new_survey_is_for_facilitators(cast, client_for):
    url = "/c/closed-circle/assessments/new/"
    assert client_for("facilitator").get(url).status_code == 200
    assert client_for("member").get(url).status_code == 403
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("anonymous").get(url).status_code == 404
    assert client_for("member").post(url, {"start": "pulse"}).status_code == 403
    assert not Survey.objects.exists()


def test_builder_pages_a_member_cannot_change_a_question(cast, member_client, survey):
    question = survey.revisions.get().questions.first()
    response = member_client.post(_url(survey, f"questions/{question.pk}/delete/"))
    assert response.status_code == 403
    assert Question.objects.filter(pk=question.pk).exists()


def test_builder_pages_another_communitys_survey_is_not_found(cast, facilitator_client):
    elsewhere = make_survey(cast.other)
    response = facilitator_client.get(f"/c/open-practice/assessments/s/{elsewhere.pk}/")
    assert response.status_code == 404


def test_builder_pages_ids_of_an_old_revision_or_absurd_ones_are_not_found(
    cast, facilitator_client, survey
):
    question = survey.revisions.get().questions.first()
    assert facilitator_client.get(_url(survey, f"questions/{2**70}/edit/")).status_code == 404
    assert facilitator_client.get(_url(survey, "sections/99999/edit/")).status_code == 404
    other = make_survey(cast.public, title="Other")
    response = facilitator_client.get(_url(other, f"questions/{question.pk}/edit/"))
    assert response.status_code == 404


def test_builder_pages_read_only_in_an_archived_community(cast, facilitator_client, survey):
    cast.public.status = Community.Status.ARCHIVED
    cast.public.save(update_fields=["status"])

    page = facilitator_client.get(_url(survey))

    assert page.status_code == 200
    assert "Useful?" in page.content.decode()
    assert "Add a question" not in page.content.decode()
    assert facilitator_client.get(_url(survey, "edit/")).status_code == 403


def test_builder_pages_move_needs_post(cast, facilitator_client, survey):
    question = survey.revisions.get().questions.first()
    assert facilitator_client.get(_url(survey, f"questions/{question.pk}/move/")).status_code == 405


# --- The builder page -----------------------------------------------------------------------


def test_builder_pages_show_sections_questions_and_buttons(cast, facilitator_client, survey):
    page = facilitator_client.get(_url(survey)).content.decode()

    for text in ("About the community", "Useful?", "Trust?", "Role?", "Anything else?"):
        assert text in page
    assert "Add a question" in page and "Add a section" in page
    assert "Move up" in page and "Move down" in page
    assert "Version 1" in page
    assert "has answers" not in page


def test_builder_pages_list_the_surveys_cycles(cast, facilitator_client, survey):
    make_cycle(survey, title="Spring round")
    page = facilitator_client.get(_url(survey)).content.decode()
    assert "Spring round" in page


# --- Reordering -----------------------------------------------------------------------------


def test_builder_pages_move_a_question_up_and_down(cast, facilitator_client, survey):
    questions = list(survey.revisions.get().questions.all())

    facilitator_client.post(_url(survey, f"questions/{questions[1].pk}/move/"), {"direction": "up"})
    assert _texts(survey) == ["Trust?", "Useful?", "Role?", "Anything else?"]
    facilitator_client.post(
        _url(survey, f"questions/{questions[1].pk}/move/"), {"direction": "down"}
    )
    facilitator_client.post(
        _url(survey, f"questions/{questions[1].pk}/move/"), {"direction": "down"}
    )
    assert _texts(survey) == ["Useful?", "Role?", "Trust?", "Anything else?"]


def test_builder_pages_moving_past_either_end_changes_nothing(cast, facilitator_client, survey):
    questions = list(survey.revisions.get().questions.all())

    first = facilitator_client.post(
        _url(survey, f"questions/{questions[0].pk}/move/"), {"direction": "up"}
    )
    facilitator_client.post(
        _url(survey, f"questions/{questions[-1].pk}/move/"), {"direction": "down"}
    )

    assert first.status_code == 302
    assert _texts(survey) == ["Useful?", "Trust?", "Role?", "Anything else?"]


def test_builder_pages_move_sections(cast, facilitator_client, survey):
    revision = survey.revisions.get()
    second = Section.objects.create(revision=revision, position=1, title="Second")
    third = Section.objects.create(revision=revision, position=2, title="Third")

    facilitator_client.post(_url(survey, f"sections/{third.pk}/move/"), {"direction": "up"})
    facilitator_client.post(_url(survey, f"sections/{third.pk}/move/"), {"direction": "up"})
    facilitator_client.post(_url(survey, f"sections/{third.pk}/move/"), {"direction": "up"})
    facilitator_client.post(_url(survey, f"sections/{second.pk}/move/"), {"direction": "down"})

    titles = list(revision.sections.order_by("position").values_list("title", flat=True))
    assert titles == ["Third", "About the community", "Second"]
    # Questions follow their section.
    assert _texts(survey)[0] == "Useful?"


# --- Sections -------------------------------------------------------------------------------


def test_builder_pages_add_edit_and_delete_a_section(cast, facilitator_client, survey):
    response = facilitator_client.post(
        _url(survey, "sections/new/"), {"title": "Practice", "description": "How you work"}
    )
    section = Section.objects.get(title="Practice")
    assert response.status_code == 302
    assert section.position == 1

    facilitator_client.post(
        _url(survey, f"sections/{section.pk}/edit/"), {"title": "Our practice", "description": ""}
    )
    section.refresh_from_db()
    assert (section.title, section.description) == ("Our practice", "")

    confirm = facilitator_client.get(_url(survey, f"sections/{section.pk}/delete/"))
    assert confirm.status_code == 200
    facilitator_client.post(_url(survey, f"sections/{section.pk}/delete/"))
    assert not Section.objects.filter(pk=section.pk).exists()


def test_builder_pages_deleting_a_section_with_questions_asks_first(
    cast, facilitator_client, survey
):
    section = survey.revisions.get().sections.get()

    page = facilitator_client.get(_url(survey, f"sections/{section.pk}/delete/")).content.decode()

    assert "Its 4 questions will be deleted too" in page
    assert "Useful?" in page
    assert Question.objects.filter(section=section).count() == 4
    facilitator_client.post(_url(survey, f"sections/{section.pk}/delete/"))
    assert not Question.objects.filter(revision__survey=survey).exists()


def test_builder_pages_a_section_needs_a_title(cast, facilitator_client, survey):
    response = facilitator_client.post(
        _url(survey, "sections/new/"), {"title": "", "description": "Kept text"}
    )
    assert response.status_code == 400
    assert "Kept text" in response.content.decode()


# --- Questions ------------------------------------------------------------------------------


def _question(**fields):
    data = {
        "kind": "likert",
        "text": "",
        "help_text": "",
        "required": "on",
        "low_label": "Never",
        "high_label": "Always",
        "options": "",
        "min_value": "",
        "max_value": "",
        "value_cycle": "",
    }
    data.update(fields)
    return data


def test_builder_pages_add_a_question_of_each_kind(cast, facilitator_client, survey):
    section = survey.revisions.get().sections.get()
    url = _url(survey, f"questions/new/?section={section.pk}")
    assert facilitator_client.get(url).status_code == 200
    kinds = [
        _question(text="How often?", value_cycle="applied"),
        _question(kind="single", text="Where?", options="Online\nOn site\n"),
        _question(kind="multiple", text="Which?", options="A\nB\nC"),
        _question(kind="number", text="How many hours?", min_value="0", max_value="40"),
        _question(kind="short_text", text="One word?"),
        _question(kind="long_text", text="Tell us", required=""),
    ]
    for data in kinds:
        response = facilitator_client.post(url, {"section": section.pk, **data})
        assert response.status_code == 302, response.content.decode()

    added = {q.text: q for q in Question.objects.filter(position__gte=4)}
    assert added["How often?"].value_cycle == "applied"
    assert added["How often?"].low_label == "Never"
    assert added["Where?"].options == ["Online", "On site"]
    # Fields that do not belong to the kind are not kept.
    assert added["Where?"].low_label == ""
    assert (added["How many hours?"].min_value, added["How many hours?"].max_value) == (0, 40)
    assert added["Tell us"].required is False
    assert _texts(survey)[-1] == "Tell us"
    assert len({q.key for q in added.values()}) == 6


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"kind": "single", "options": "Only one"}, "Give at least two options"),
        ({"kind": "multiple", "options": "Same\nOther\nsame"}, "is given twice"),
        (
            {"kind": "single", "options": "\n".join(f"Option {n}" for n in range(21))},
            "Give at most 20 options",
        ),
        ({"kind": "number", "min_value": "10", "max_value": "2"}, "cannot be below the smallest"),
        ({"kind": "number", "min_value": "1" + "0" * 30}, "Ensure that there are no more than"),
        ({"kind": "likert", "low_label": ""}, "Say what this end of the scale means."),
        ({"kind": "nonsense"}, "Select a valid choice"),
    ],
)
def test_builder_pages_question_errors_keep_the_typed_text(
    cast, facilitator_client, survey, fields, message
):
    section = survey.revisions.get().sections.get()
    data = _question(text="My carefully typed question", help_text="A typed hint", **fields)

    response = facilitator_client.post(
        _url(survey, "questions/new/"), {"section": section.pk, **data}
    )

    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "My carefully typed question" in page and "A typed hint" in page
    assert Question.objects.count() == 4


def test_builder_pages_edit_a_question_and_move_it_to_another_section(
    cast, facilitator_client, survey
):
    revision = survey.revisions.get()
    other = Section.objects.create(revision=revision, position=1, title="Other")
    question = revision.questions.get(text="Role?")

    page = facilitator_client.get(_url(survey, f"questions/{question.pk}/edit/")).content.decode()
    assert "Teacher\nHead" in page
    response = facilitator_client.post(
        _url(survey, f"questions/{question.pk}/edit/"),
        _question(kind="single", text="Role?", options="Teacher\nHead", section=other.pk),
    )

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.section == other
    assert list(
        Question.objects.filter(section=revision.sections.get(position=0)).values_list(
            "position", flat=True
        )
    ) == [0, 1, 2]


def test_builder_pages_delete_a_question(cast, facilitator_client, survey):
    question = survey.revisions.get().questions.get(text="Trust?")
    assert (
        facilitator_client.get(_url(survey, f"questions/{question.pk}/delete/")).status_code == 200
    )
    facilitator_client.post(_url(survey, f"questions/{question.pk}/delete/"))
    assert _texts(survey) == ["Useful?", "Role?", "Anything else?"]


# --- Preview --------------------------------------------------------------------------------


def test_builder_pages_preview_renders_every_kind(cast, facilitator_client):
    survey = create_survey(cast.public, actor=cast.facilitator, title="All kinds")
    section = survey.revisions.get().sections.get()
    for kind, extra in [
        ("likert", {"low_label": "Low end", "high_label": "High end"}),
        ("single", {"options": ["Alpha", "Beta"]}),
        ("multiple", {"options": ["Gamma", "Delta"]}),
        ("number", {"min_value": 1, "max_value": 9}),
        ("short_text", {}),
        ("long_text", {"help_text": "Tell it your way"}),
    ]:
        add_question(section, actor=cast.facilitator, kind=kind, text=f"The {kind} one", **extra)

    page = facilitator_client.get(_url(survey, "preview/")).content.decode()

    assert "Preview of version 1" in page and "answers are not saved" in page
    for kind in ("likert", "single", "multiple", "number", "short_text", "long_text"):
        assert f"The {kind} one" in page
    for text in (
        "Low end",
        "High end",
        "Alpha",
        "Delta",
        "A number from 1 to 9",
        "Tell it your way",
    ):
        assert text in page
    assert page.count('type="radio"') == 5 + 2
    assert page.count('type="checkbox"') == 2
    assert 'type="number"' in page and "<textarea" in page
    assert "disabled" in page
    assert 'method="post"' not in page.split('class="answer-form"')[1].split("</form>")[0]


# --- Query count ----------------------------------------------------------------------------


def _measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return (
        len(queries),
        response.content.decode().count(
            'class="list-group-item d-flex flex-wrap gap-2 align-items-start builder-question"'
        ),
        [q["sql"] for q in queries],
    )


@pytest.mark.parametrize("tail", ["", "preview/"])
def test_builder_pages_query_count_is_flat(cast, facilitator_client, tail):
    survey = create_survey(cast.public, actor=cast.facilitator, title="Long one")

    def add(count):
        for number in range(count):
            section = Section.objects.create(
                revision=survey.revisions.get(), position=number + 1, title=f"S{number}"
            )
            add_question(
                section, actor=cast.facilitator, kind="single", text="Q", options=["a", "b"]
            )
            add_question(section, actor=cast.facilitator, kind="likert", text="L")
        make_cycle(survey, title=f"Cycle {count}")

    url = _url(survey, tail)
    add(1)
    facilitator_client.get(url)
    one, shown_one, _sql = _measure(facilitator_client, url)
    add(29)
    thirty, shown_thirty, sql = _measure(facilitator_client, url)
    if not tail:
        assert (shown_one, shown_thirty) == (2, 60)
    assert one == thirty, "\n".join(sql)


def test_builder_pages_link_to_the_cycles(cast, facilitator_client, survey):
    cycle = make_cycle(survey, title="Autumn round")
    page = facilitator_client.get(_url(survey)).content.decode()
    cycle_url = reverse("cycle", args=["open-practice", cycle.pk])
    assert f'href="{cycle_url}"' in page
    assert f'href="{reverse("cycle_new", args=["open-practice", survey.pk])}"' in page


# --- Double submits -------------------------------------------------------------------------


def test_builder_pages_a_double_submit_adds_one_section(survey, facilitator_client):
    data = {"title": "Practice", "description": "", "submission": "a" * 32}

    first = facilitator_client.post(_url(survey, "sections/new/"), data)
    second = facilitator_client.post(_url(survey, "sections/new/"), data)

    [section] = Section.objects.filter(revision__survey=survey, title="Practice")
    assert first["Location"] == second["Location"] == _url(survey) + f"#section-{section.pk}"


def test_builder_pages_a_double_submit_adds_one_question(survey, facilitator_client):
    section = Section.objects.get(revision__survey=survey)
    data = {
        "section": section.pk,
        "kind": Question.Kind.SHORT_TEXT,
        "text": "Your school?",
        "required": "on",
        "submission": "b" * 32,
    }

    first = facilitator_client.post(_url(survey, "questions/new/"), data)
    second = facilitator_client.post(_url(survey, "questions/new/"), data)

    [question] = Question.objects.filter(section=section, text="Your school?")
    assert first["Location"] == second["Location"] == _url(survey) + f"#question-{question.pk}"
