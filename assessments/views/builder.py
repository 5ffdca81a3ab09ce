"""The survey builder: facilitators write surveys (blank or from a built-in template), their
sections and questions, reorder them with plain buttons, and preview the answer form.

Pages show the survey's latest revision and send the ids of its sections and questions; the
services map them into the revision the change lands in (a copy, when the latest has answers).
Those who read results without building ("assessment.results" alone, as in an archived
community) see the survey page and the preview, read-only.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import selectors
from assessments.forms.answers import AnswerForm, field_name
from assessments.forms.builder import BLANK, NewSurveyForm, QuestionForm, SectionForm, SurveyForm
from assessments.models import Question, Section, Survey
from assessments.services import surveys as services
from assessments.services.errors import AssessmentError
from communities import submissions
from communities.http import community_view
from communities.permissions import Access


def _require_reader(access: Access) -> None:
    """The survey page and its preview: builders, and those who read results."""
    if not access.can("assessment.results"):
        access.require("assessment.manage")


def _page(request: HttpRequest, access: Access, template: str, context: dict, status=200):
    return render(
        request,
        f"assessments/{template}",
        {"access": access, "community": access.community, **context},
        status=status,
    )


def _survey_url(survey: Survey, anchor: str = "") -> str:
    url = reverse("survey", args=[survey.community.slug, survey.pk])
    return f"{url}#{anchor}" if anchor else url


def _to_survey(survey: Survey, anchor: str = "") -> HttpResponse:
    return redirect(_survey_url(survey, anchor))


def _added(request: HttpRequest, survey: Survey, viewed: int, create, anchor: str) -> HttpResponse:
    """Add a section or a question once per form sent (a double click adds one), then show it."""
    sent = submissions.once(
        request, create, url=lambda made: _survey_url(survey, f"{anchor}-{made.pk}")
    )
    if sent.repeated:
        messages.info(request, submissions.ALREADY_SENT)
    else:
        _saved(request, survey, viewed, True)
    return redirect(sent.url)


def _saved(request: HttpRequest, survey: Survey, viewed_number: int, done: bool) -> None:
    """Tell the person what their change did, and when it started a new version."""
    if not done:
        messages.info(request, _("Nothing changed."))
        return
    number = survey.revisions.order_by("-number").values_list("number", flat=True).first()
    if number != viewed_number:
        messages.success(
            request,
            _(
                "Saved in version %(number)s of the survey: the cycles created from now on use "
                "it, and past results keep their questions."
            )
            % {"number": number},
        )
    else:
        messages.success(request, _("Saved."))


def _offset(request: HttpRequest) -> int:
    return -1 if request.POST.get("direction") == "up" else 1


# --- Surveys --------------------------------------------------------------------------------


@community_view
@login_required
def survey_new(request: HttpRequest, access: Access) -> HttpResponse:
    """Start a survey: a copy of a built-in template, or a blank one."""
    access.require("assessment.manage")
    form = NewSurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> Survey:
            if data["start"] == BLANK:
                return services.create_survey(
                    access.community,
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                )
            return services.create_from_template(
                access.community, actor=request.user, template=data["start"]
            )

        sent = submissions.once(request, create)
        if sent.repeated:
            messages.info(request, submissions.ALREADY_SENT)
        else:
            messages.success(request, _("The survey is ready: adapt it to your community."))
        return redirect(sent.url)
    return _page(
        request,
        access,
        "survey_new.html",
        {"form": form, "templates": NewSurveyForm.templates()},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def survey(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    """The builder: the survey's latest version, its sections and questions, and its cycles."""
    _require_reader(access)
    item = selectors.access_survey(access, survey_id)
    revision = selectors.survey_outline(item)
    slug = access.community.slug
    cycles = [
        (cycle, reverse("cycle", args=[slug, cycle.pk])) for cycle in selectors.survey_cycles(item)
    ]
    return _page(
        request,
        access,
        "survey.html",
        {
            "survey": item,
            "revision": revision,
            "sections": revision.section_list,
            "cycles": cycles,
            "new_cycle_url": reverse("cycle_new", args=[slug, item.pk]),
            "can_build": access.can("assessment.manage"),
        },
    )


@community_view
@login_required
def survey_edit(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    access.require("assessment.manage")
    item = selectors.access_survey(access, survey_id)
    form = SurveyForm(
        request.POST if request.method == "POST" else None,
        initial={"title": item.title, "description": item.description},
    )
    if request.method == "POST" and form.is_valid():
        if services.update_survey(item, actor=request.user, **form.cleaned_data):
            messages.success(request, _("Saved."))
        else:
            messages.info(request, _("Nothing changed."))
        return _to_survey(item)
    return _page(
        request,
        access,
        "survey_edit.html",
        {"survey": item, "form": form},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def survey_preview(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    """The latest version as a member sees the answer form; nothing can be sent from it."""
    _require_reader(access)
    item = selectors.access_survey(access, survey_id)
    revision = selectors.survey_outline(item)
    questions = [q for section in revision.section_list for q in section.question_list]
    form = AnswerForm(questions=questions)
    for field in form.fields.values():
        field.disabled = True
    for section in revision.section_list:
        section.fields = [(q, form[field_name(q)]) for q in section.question_list]
    return _page(
        request,
        access,
        "survey_preview.html",
        {"survey": item, "revision": revision, "sections": revision.section_list},
    )


# --- Sections -------------------------------------------------------------------------------


@community_view
@login_required
def section_new(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    access.require("assessment.manage")
    item = selectors.access_survey(access, survey_id)
    form = SectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        viewed = selectors.survey_outline(item).number
        return _added(
            request,
            item,
            viewed,
            lambda: services.add_section(item, actor=request.user, **form.cleaned_data),
            "section",
        )
    return _page(
        request,
        access,
        "section_form.html",
        {"survey": item, "form": form, "section": None},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def section_edit(request: HttpRequest, access: Access, survey_id: int, section_id: int):
    access.require("assessment.manage")
    section = selectors.access_section(access, survey_id, section_id)
    item = section.revision.survey
    form = SectionForm(
        request.POST if request.method == "POST" else None,
        initial={"title": section.title, "description": section.description},
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = services.update_section(section, actor=request.user, **form.cleaned_data)
        except AssessmentError as error:
            messages.error(request, str(error))
            return _to_survey(item)
        _saved(request, item, section.revision.number, done)
        return _to_survey(item)
    return _page(
        request,
        access,
        "section_form.html",
        {"survey": item, "form": form, "section": section},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
@require_POST
def section_move(request: HttpRequest, access: Access, survey_id: int, section_id: int):
    access.require("assessment.manage")
    section = selectors.access_section(access, survey_id, section_id)
    item = section.revision.survey
    try:
        services.move_section(section, actor=request.user, offset=_offset(request))
    except AssessmentError as error:
        messages.error(request, str(error))
    return _to_survey(item)


@community_view
@login_required
def section_delete(request: HttpRequest, access: Access, survey_id: int, section_id: int):
    access.require("assessment.manage")
    section = selectors.access_section(access, survey_id, section_id)
    return _delete(
        request,
        access,
        section,
        services.delete_section,
        "section_delete.html",
        {"section": section, "questions": list(section.questions.order_by("position", "pk"))},
    )


def _delete(request, access: Access, item, delete, template: str, context: dict) -> HttpResponse:
    """Ask to confirm (GET), then delete `item` — a section or a question — (POST)."""
    survey = item.revision.survey
    if request.method == "POST":
        try:
            delete(item, actor=request.user)
        except AssessmentError as error:
            messages.error(request, str(error))
            return _to_survey(survey)
        _saved(request, survey, item.revision.number, True)
        return _to_survey(survey)
    context = {"survey": survey, "frozen": item.revision.is_frozen, **context}
    return _page(request, access, template, context)


# --- Questions ------------------------------------------------------------------------------


def _question_form(request: HttpRequest, section_choices, initial: dict) -> QuestionForm:
    return QuestionForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        sections=section_choices,
    )


@community_view
@login_required
def question_new(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    """A new question; `?section=` says where (the form can change it)."""
    access.require("assessment.manage")
    item = selectors.access_survey(access, survey_id)
    revision = selectors.survey_outline(item)
    if not revision.section_list:
        messages.info(request, _("Add a section first: questions are grouped in sections."))
        return redirect("section_new", access.community.slug, item.pk)
    sections = Section.objects.filter(revision=revision).order_by("position", "pk")
    chosen = request.POST.get("section") or request.GET.get("section")
    initial_section = next(
        (s for s in revision.section_list if str(s.pk) == chosen), revision.section_list[-1]
    )
    form = _question_form(
        request,
        sections,
        {
            "section": initial_section.pk,
            "kind": Question.Kind.LIKERT,
            "required": True,
            "low_label": _("Not at all"),
            "high_label": _("A great deal"),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            return _added(
                request,
                item,
                revision.number,
                lambda: services.add_question(
                    form.cleaned_data["section"], actor=request.user, **form.question_fields()
                ),
                "question",
            )
        except AssessmentError as error:
            messages.error(request, str(error))
            return _to_survey(item)
    return _page(
        request,
        access,
        "question_form.html",
        {"survey": item, "form": form, "question": None, "section": initial_section},
        status=400 if form.errors else 200,
    )


@community_view
@login_required
def question_edit(request: HttpRequest, access: Access, survey_id: int, question_id: int):
    access.require("assessment.manage")
    question = selectors.access_question(access, survey_id, question_id)
    item = question.revision.survey
    sections = Section.objects.filter(revision=question.revision).order_by("position", "pk")
    form = _question_form(request, sections, QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid():
        try:
            done = services.update_question(
                question,
                actor=request.user,
                section=form.cleaned_data["section"],
                **form.question_fields(),
            )
        except AssessmentError as error:
            messages.error(request, str(error))
            return _to_survey(item)
        _saved(request, item, question.revision.number, done)
        return _to_survey(item)
    return _page(
        request,
        access,
        "question_form.html",
        {
            "survey": item,
            "form": form,
            "question": question,
            "section": question.section,
            "frozen": question.revision.is_frozen,
        },
        status=400 if form.errors else 200,
    )


@community_view
@login_required
@require_POST
def question_move(request: HttpRequest, access: Access, survey_id: int, question_id: int):
    access.require("assessment.manage")
    question = selectors.access_question(access, survey_id, question_id)
    try:
        services.move_question(question, actor=request.user, offset=_offset(request))
    except AssessmentError as error:
        messages.error(request, str(error))
    return _to_survey(question.revision.survey)


@community_view
@login_required
def question_delete(request: HttpRequest, access: Access, survey_id: int, question_id: int):
    access.require("assessment.manage")
    question = selectors.access_question(access, survey_id, question_id)
    return _delete(
        request,
        access,
        question,
        services.delete_question,
        "question_delete.html",
        {"question": question},
    )


PREFIX = "c/<slug:slug>/assessments/s/<int:survey_id>/"

urls = [
    path("c/<slug:slug>/assessments/new/", survey_new, name="survey_new"),
    path(PREFIX, survey, name="survey"),
    path(f"{PREFIX}edit/", survey_edit, name="survey_edit"),
    path(f"{PREFIX}preview/", survey_preview, name="survey_preview"),
    path(f"{PREFIX}sections/new/", section_new, name="section_new"),
    path(f"{PREFIX}sections/<int:section_id>/edit/", section_edit, name="section_edit"),
    path(f"{PREFIX}sections/<int:section_id>/move/", section_move, name="section_move"),
    path(f"{PREFIX}sections/<int:section_id>/delete/", section_delete, name="section_delete"),
    path(f"{PREFIX}questions/new/", question_new, name="question_new"),
    path(f"{PREFIX}questions/<int:question_id>/edit/", question_edit, name="question_edit"),
    path(f"{PREFIX}questions/<int:question_id>/move/", question_move, name="question_move"),
    path(f"{PREFIX}questions/<int:question_id>/delete/", question_delete, name="question_delete"),
]
