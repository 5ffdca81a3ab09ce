"""Assessment cycles: facilitators schedule and change them; members answer while they are open
and change their answers until they close."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assessments import selectors
from assessments.forms.answers import AnswerForm, initial_from
from assessments.forms.cycles import CycleForm
from assessments.models import Cycle, Response
from assessments.services import cycles as services
from assessments.services.errors import AssessmentError
from assessments.services.responses import response_of, submit_response
from communities import selectors as community_selectors
from communities import submissions
from communities.http import community_view
from communities.permissions import Access, can_respond, can_see_results


def _cycle_fields(form: CycleForm) -> dict:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "opens_at": data["opens_at"],
        "closes_at": data["closes_at"],
        "recurrence": data["recurrence"] or "",
        "anonymous": data["anonymous"],
        "results_shared": data["results_shared"],
    }


@community_view
@login_required
def cycle_new(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    """Facilitators schedule a cycle of a survey (its current questions)."""
    access.require("assessment.manage")
    survey = selectors.access_survey(access, survey_id)
    form = CycleForm(
        request.POST if request.method == "POST" else None,
        initial=CycleForm.initial_for_new(services.default_title(survey, timezone.now())),
    )
    if request.method == "POST" and form.is_valid():
        try:
            sent = submissions.once(
                request,
                lambda: services.create_cycle(survey, actor=request.user, **_cycle_fields(form)),
            )
        except AssessmentError as error:
            form.add_error(None, str(error))
        else:
            if sent.repeated:
                messages.info(request, submissions.ALREADY_SENT)
            else:
                messages.success(request, _("The assessment is scheduled."))
            return redirect(sent.url)
    context = {"access": access, "community": access.community, "survey": survey, "form": form}
    status = 400 if form.errors else 200
    return render(request, "assessments/cycle_form.html", context, status=status)


@community_view
@login_required
def cycle_edit(request: HttpRequest, access: Access, cycle_id: int) -> HttpResponse:
    """Facilitators change a cycle's title, dates, recurrence and sharing."""
    access.require("assessment.manage")
    cycle = selectors.access_cycle(access, cycle_id)
    locked = Response.objects.filter(cycle=cycle).exists()
    form = CycleForm(
        request.POST if request.method == "POST" else None,
        initial=CycleForm.initial_of(cycle),
        anonymity_locked=locked,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.update_cycle(cycle, actor=request.user, changes=_cycle_fields(form))
        except AssessmentError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("The assessment is saved."))
            return redirect(cycle)
    context = {
        "access": access,
        "community": access.community,
        "survey": cycle.survey,
        "cycle": cycle,
        "form": form,
    }
    status = 400 if form.errors else 200
    return render(request, "assessments/cycle_form.html", context, status=status)


def _status(cycle: Cycle, now) -> str:
    if now < cycle.opens_at:
        return Cycle.State.SCHEDULED
    if cycle.is_open_at(now):
        return Cycle.State.OPEN
    return Cycle.State.CLOSED


def _facilitation(access: Access, cycle: Cycle, now) -> dict | None:
    """What facilitators see of a cycle: status, responses and rate, where to go next."""
    if not access.can("assessment.manage") and not access.can("assessment.results"):
        return None
    responses = Response.objects.filter(cycle=cycle).count()
    members = community_selectors.member_count(access.community)
    status = _status(cycle, now)
    return {
        "status": status,
        "status_label": Cycle.State(status).label,
        "responses": responses,
        "members": members,
        "rate": round(100 * responses / members) if members else 0,
        "can_edit": access.can("assessment.manage"),
        "results_url": reverse("cycle_results", args=[access.community.slug, cycle.pk]),
        "survey_url": reverse("survey", args=[access.community.slug, cycle.survey_id]),
    }


@community_view
@login_required
def cycle(request: HttpRequest, access: Access, cycle_id: int) -> HttpResponse:
    """A cycle's page: the answer form while it is open, what happens next otherwise."""
    cycle = selectors.access_cycle(access, cycle_id)
    now = timezone.now()
    answering = can_respond(access, cycle, now=now)
    response = response_of(cycle, request.user) if answering else None
    form = None
    error = ""
    if answering:
        questions = list(
            cycle.revision.questions.select_related("section").order_by(
                "section__position", "section__pk", "position", "pk"
            )
        )
        form = AnswerForm(
            request.POST if request.method == "POST" else None,
            questions=questions,
            initial=initial_from(questions, response),
        )
        if request.method == "POST" and form.is_valid():
            try:
                submit_response(cycle, request.user, form.values(), now=now)
            except AssessmentError as refused:
                error = str(refused)
            else:
                messages.success(request, _saved_message(cycle))
                return redirect(cycle)
    elif request.method == "POST":
        messages.error(request, _("This assessment is not open for answers."))
        return redirect(cycle)
    context = {
        "access": access,
        "community": access.community,
        "cycle": cycle,
        "status": _status(cycle, now),
        "form": form,
        "sections": _sections(form) if form is not None else [],
        "response": response,
        "error": error,
        "facilitation": _facilitation(access, cycle, now),
        "results_url": (
            reverse("cycle_results", args=[access.community.slug, cycle.pk])
            if not answering and can_see_results(access, cycle, now=now)
            else ""
        ),
    }
    status = 400 if (form is not None and form.errors) or error else 200
    return render(request, "assessments/cycle.html", context, status=status)


def _saved_message(cycle: Cycle) -> str:
    closes = formats.date_format(timezone.localtime(cycle.closes_at), "DATETIME_FORMAT")
    return _("Thank you — your answers are saved; you can change them until %(closes)s.") % {
        "closes": closes
    }


def _sections(form: AnswerForm) -> list[dict]:
    """The questions grouped under their sections, in order, for the template."""
    sections: list[dict] = []
    for question, field in form.items():
        if not sections or sections[-1]["section"].pk != question.section_id:
            sections.append({"section": question.section, "items": []})
        sections[-1]["items"].append(
            {"question": question, "field": field, "anchor": form.anchor(question)}
        )
    return sections


urls = [
    path(
        "c/<slug:slug>/assessments/s/<int:survey_id>/cycles/new/",
        cycle_new,
        name="cycle_new",
    ),
    path("c/<slug:slug>/assessments/cycles/<int:cycle_id>/", cycle, name="cycle"),
    path("c/<slug:slug>/assessments/cycles/<int:cycle_id>/edit/", cycle_edit, name="cycle_edit"),
]
