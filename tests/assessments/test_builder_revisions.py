"""Editing a survey that has answers makes a new revision; past results keep their questions,
and a question keeps its key only while it means the same."""

import pytest

from assessments.models import Answer, Question, Section, SurveyRevision
from assessments.services import surveys as services
from assessments.services.errors import AssessmentError
from communities.models import AuditEvent
from tests.assessments.factories import answer, make_cycle, make_survey

pytestmark = pytest.mark.django_db


def _url(survey, tail=""):
    return f"/c/{survey.community.slug}/assessments/s/{survey.pk}/{tail}"


@pytest.fixture
def answered(cast):
    """A survey whose revision 1 has answers (so it is frozen)."""
    survey = make_survey(cast.public)
    cycle = make_cycle(survey, anonymous=False)
    answer(cycle, cast.member, {"Useful?": 4, "Role?": "Teacher", "Anything else?": "More"})
    return survey


def _snapshot(revision):
    return [
        (q.section.title, q.position, q.key, q.kind, q.text, q.help_text, q.options)
        for q in revision.questions.select_related("section").order_by(
            "section__position", "position"
        )
    ]


def _form(question, **changes):
    data = {
        "section": question.section_id,
        "kind": question.kind,
        "text": question.text,
        "help_text": question.help_text,
        "required": "on" if question.required else "",
        "low_label": question.low_label or "Low",
        "high_label": question.high_label or "High",
        "options": "\n".join(question.options),
        "min_value": "",
        "max_value": "",
        "value_cycle": question.value_cycle,
    }
    data.update(changes)
    return data


def test_builder_revisions_the_survey_page_says_a_change_makes_a_new_version(
    cast, facilitator_client, answered
):
    page = facilitator_client.get(_url(answered)).content.decode()
    assert "This version has answers: your changes make version 2" in page


def test_builder_revisions_editing_a_frozen_revision_makes_revision_2(
    cast, facilitator_client, answered
):
    first = answered.revisions.get()
    assert first.is_frozen
    before = _snapshot(first)
    answers_before = list(Answer.objects.values_list("question_id", "number", "choices", "text"))
    question = first.questions.get(text="Useful?")

    response = facilitator_client.post(
        _url(answered, f"questions/{question.pk}/edit/"),
        _form(question, text="How useful is the community?"),
    )

    assert response.status_code == 302
    second = answered.revisions.get(number=2)
    assert second.frozen_at is None
    # Revision 1 and its answers are untouched.
    first.refresh_from_db()
    assert _snapshot(first) == before
    assert list(Answer.objects.values_list("question_id", "number", "choices", "text")) == (
        answers_before
    )
    texts = [q.text for q in second.questions.order_by("section__position", "position")]
    assert texts == ["How useful is the community?", "Trust?", "Role?", "Anything else?"]
    assert AuditEvent.objects.filter(action="survey.revise").count() == 1
    # The page now shows the new version, and a second change lands in it (no version 3).
    page = facilitator_client.get(_url(answered)).content.decode()
    assert "Version 2" in page and "has answers" not in page
    trust = second.questions.get(text="Trust?")
    facilitator_client.post(
        _url(answered, f"questions/{trust.pk}/edit/"), _form(trust, help_text="Honestly")
    )
    assert SurveyRevision.objects.filter(survey=answered).count() == 2
    # The old revision's ids are no longer editable from the builder.
    old = first.questions.get(text="Trust?")
    assert facilitator_client.get(_url(answered, f"questions/{old.pk}/edit/")).status_code == 404


def test_builder_revisions_a_change_of_meaning_gets_a_new_key(cast, answered):
    first = answered.revisions.get()
    useful = first.questions.get(text="Useful?")
    role = first.questions.get(text="Role?")

    services.update_question(useful, actor=cast.facilitator, text="Useful to you?")
    second = answered.revisions.get(number=2)
    services.update_question(
        second.questions.get(text="Role?"), actor=cast.facilitator, options=["Teacher", "Parent"]
    )

    assert second.questions.get(text="Useful to you?").key != useful.key
    assert second.questions.get(text="Role?").key != role.key
    # The untouched questions keep theirs.
    assert second.questions.get(text="Trust?").key == first.questions.get(text="Trust?").key


@pytest.mark.parametrize(
    "change",
    [
        {"kind": Question.Kind.NUMBER, "low_label": "", "high_label": ""},
        {"low_label": "Hardly"},
        {"high_label": "Totally"},
    ],
)
def test_builder_revisions_kind_and_scale_labels_are_meaning(cast, answered, change):
    useful = answered.revisions.get().questions.get(text="Useful?")
    assert services.update_question(useful, actor=cast.facilitator, **change)
    assert answered.revisions.get(number=2).questions.get(text="Useful?").key != useful.key


def test_builder_revisions_help_text_required_and_position_keep_the_key(
    cast, facilitator_client, answered
):
    first = answered.revisions.get()
    useful = first.questions.get(text="Useful?")

    facilitator_client.post(
        _url(answered, f"questions/{useful.pk}/edit/"),
        _form(useful, help_text="Think of the last three months", required=""),
    )
    second = answered.revisions.get(number=2)
    copied = second.questions.get(text="Useful?")
    facilitator_client.post(_url(answered, f"questions/{copied.pk}/move/"), {"direction": "down"})

    copied.refresh_from_db()
    assert copied.key == useful.key
    assert (copied.help_text, copied.required, copied.position) == (
        "Think of the last three months",
        False,
        1,
    )
    useful.refresh_from_db()
    assert (useful.help_text, useful.required, useful.position) == ("", True, 0)


def test_builder_revisions_deleting_from_a_frozen_revision_keeps_the_old_one(
    cast, facilitator_client, answered
):
    first = answered.revisions.get()
    useful = first.questions.get(text="Useful?")

    facilitator_client.post(_url(answered, f"questions/{useful.pk}/delete/"))

    second = answered.revisions.get(number=2)
    assert not second.questions.filter(text="Useful?").exists()
    assert first.questions.filter(pk=useful.pk).exists()
    assert Answer.objects.filter(question=useful).count() == 1


def test_builder_revisions_deleting_a_section_of_a_frozen_revision(
    cast, facilitator_client, answered
):
    first = answered.revisions.get()
    section = first.sections.get()

    facilitator_client.post(_url(answered, f"sections/{section.pk}/delete/"))

    assert not answered.revisions.get(number=2).sections.exists()
    assert Section.objects.filter(pk=section.pk).exists()
    assert Answer.objects.count() == 3


def test_builder_revisions_a_no_op_makes_no_revision(cast, facilitator_client, answered):
    first = answered.revisions.get()
    useful = first.questions.get(text="Useful?")
    section = first.sections.get()

    facilitator_client.post(_url(answered, f"questions/{useful.pk}/edit/"), _form(useful))
    facilitator_client.post(_url(answered, f"questions/{useful.pk}/move/"), {"direction": "up"})
    facilitator_client.post(
        _url(answered, f"sections/{section.pk}/edit/"),
        {"title": section.title, "description": section.description},
    )
    facilitator_client.post(_url(answered, f"sections/{section.pk}/move/"), {"direction": "down"})

    assert SurveyRevision.objects.filter(survey=answered).count() == 1
    assert not services.move_question(useful, actor=cast.facilitator, offset=-1)


def test_builder_revisions_adding_to_a_frozen_survey_lands_in_the_copy(cast, answered):
    first = answered.revisions.get()

    question = services.add_question(
        first.sections.get(), actor=cast.facilitator, kind="short_text", text="New one"
    )
    section = services.add_section(answered, actor=cast.facilitator, title="More")

    second = answered.revisions.get(number=2)
    assert section.revision == second
    assert question.revision == second and question.section.revision == second
    assert first.questions.count() == 4 and first.sections.count() == 1
    # A page still showing revision 1 is told to look again, never changes the wrong thing.
    with pytest.raises(AssessmentError):
        services.add_question(
            first.sections.get(), actor=cast.facilitator, kind="short_text", text="X"
        )


def test_builder_revisions_a_new_cycle_after_the_edit_is_unaffected_old_results_intact(
    cast, answered
):
    old_cycle = answered.cycles.get()
    services.update_question(
        answered.revisions.get().questions.get(text="Useful?"),
        actor=cast.facilitator,
        text="Worth it?",
    )

    new_cycle = make_cycle(answered, title="Next")
    assert new_cycle.revision.number == 2
    assert [q.text for q in old_cycle.revision.questions.all()][0] == "Useful?"
