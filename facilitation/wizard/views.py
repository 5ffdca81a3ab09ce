"""/start/: the set-up wizard's pages. Each step validates what was sent and saves it into the
person's draft (facilitation.wizard.drafts); the review's Launch calls launch.launch once."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.models import Cycle
from communities import submissions
from communities.models import Community
from communities.permissions import can_create_community
from core.http import client_ip
from facilitation.models import WizardDraft
from facilitation.wizard import drafts, orientation
from facilitation.wizard.drafts import FIRST_STEP, LAST_STEP, answers_of, step_name, typed_of
from facilitation.wizard.forms import (
    AssessmentForm,
    ForumsForm,
    OrientationForm,
    PrivacyForm,
    RecruitmentForm,
    ThemeForm,
    template_choices,
    with_blank_row,
)
from facilitation.wizard.launch import WizardError, launch, unsaved_steps

FORMS = {
    1: ThemeForm,
    2: OrientationForm,
    3: PrivacyForm,
    4: ForumsForm,
    5: RecruitmentForm,
    6: AssessmentForm,
}
TITLES = {
    1: gettext_lazy("Theme"),
    2: gettext_lazy("Orientation"),
    3: gettext_lazy("Privacy and joining"),
    4: gettext_lazy("Forums"),
    5: gettext_lazy("Recruitment"),
    6: gettext_lazy("Assessment rhythm"),
    7: gettext_lazy("Review and launch"),
}
# Fields of a post that are not what the person typed.
NOT_TYPED = {"csrfmiddlewaretoken", submissions.FIELD, "action"}
# What is kept of a step that did not validate: enough for any step, bounded all the same.
MAX_TYPED_FIELDS, MAX_TYPED_CHARS = 200, 20_000
# A second Launch arriving after the first finished (without the form's key) is sent on to the
# community the first one made, for this long.
RELAUNCH_WINDOW = timedelta(minutes=30)


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "facilitation/wizard/refused.html", status=403)


def _dashboard_url(community: Community) -> str:
    return reverse("facilitate", args=[community.slug])


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _typed(post: QueryDict) -> dict:
    """What the person typed, JSON-safe and bounded (NUL bytes dropped: PostgreSQL's jsonb
    refuses them)."""
    typed = {}
    for key in list(post)[:MAX_TYPED_FIELDS]:
        if key in NOT_TYPED:
            continue
        typed[key[:200].replace("\x00", "")] = [
            value[:MAX_TYPED_CHARS].replace("\x00", "") for value in post.getlist(key)[:50]
        ]
    return typed


def _as_post(typed: dict) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in typed.items():
        if isinstance(values, list):
            data.setlist(key, [str(value) for value in values])
    return data


def _initial(number: int, draft: WizardDraft | None, request: HttpRequest):
    answers = answers_of(draft, step_name(number))
    if number == 1 and not answers:
        return {"language": request.LANGUAGE_CODE}
    if number == 4 and not answers:
        theme = answers_of(draft, "theme")
        ranking = answers_of(draft, "orientation").get("ranking", [])
        # The forums are the community's: suggested in its language.
        with translation.override(theme.get("language") or request.LANGUAGE_CODE):
            return [
                {"name": str(forum.name), "description": str(forum.description)}
                for forum in orientation.suggested_forums(theme.get("theme", ""), ranking)
            ]
    return FORMS[number].initial_from(answers)


def _form(number: int, draft: WizardDraft | None, request: HttpRequest, *, data=None, files=None):
    """The step's form: bound to what was sent, else to what was typed and not saved (its
    errors shown again), else filled with the saved answers or the suggestions."""
    kwargs = {"organizer_email": request.user.email} if number == 5 else {}
    if data is None:
        typed = typed_of(draft, step_name(number))
        if typed is None:
            return FORMS[number](initial=_initial(number, draft, request), **kwargs)
        form = FORMS[number](_as_post(typed), **kwargs)
        # Validated now, so the page lists the line-by-line errors above the form.
        form.is_valid()
        return form
    return FORMS[number](data, files, **kwargs)


def _steps(furthest: int) -> list[dict]:
    return [
        {
            "number": number,
            "title": title,
            "reachable": number <= furthest,
            "done": number < furthest,
        }
        for number, title in TITLES.items()
    ]


def _render(request, number: int, draft: WizardDraft | None, context: dict, status: int = 200):
    furthest = draft.step if draft is not None else FIRST_STEP
    context = {
        "number": number,
        "title": TITLES[number],
        "steps": _steps(furthest),
        "last_step": LAST_STEP,
        "draft": draft,
        "review_reached": furthest == LAST_STEP,
        **context,
    }
    return render(
        request, f"facilitation/wizard/step_{step_name(number)}.html", context, status=status
    )


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """/start/: the wizard at the furthest step the person's draft reached (step 1 for a new
    one)."""
    if not can_create_community(request.user):
        return _refused(request)
    draft = drafts.open_draft_of(request.user)
    if draft is None:
        return redirect("start_step", FIRST_STEP)
    if draft.step > FIRST_STEP:
        messages.info(
            request,
            _("Welcome back: your draft continues at step %(step)s, %(title)s.")
            % {"step": draft.step, "title": TITLES[draft.step]},
        )
    return redirect("start_step", draft.step)


@login_required
def start_step(request: HttpRequest, step: int) -> HttpResponse:
    """One step of the wizard: GET shows it, POST validates and saves it, then moves on."""
    if not can_create_community(request.user):
        return _refused(request)
    if not FIRST_STEP <= step <= LAST_STEP:
        raise Http404
    draft = drafts.open_draft_of(request.user)
    if step == LAST_STEP:
        return _review(request, draft)
    furthest = draft.step if draft is not None else FIRST_STEP
    if step > furthest:
        return redirect("start_step", furthest)
    if request.method != "POST":
        return _render(request, step, draft, _step_context(step, _form(step, draft, request)))
    action = request.POST.get("action", "next")
    if step == 4 and action == "suggest":
        drafts.forget_step(actor=request.user, number=step)
        messages.info(request, _("The forums suggested for your theme and orientation are back."))
        return redirect("start_step", step)
    if step == 4 and action == "add":
        drafts.save_typed(
            actor=request.user, number=step, typed=with_blank_row(_typed(request.POST))
        )
        return redirect(reverse("start_step", args=[step]) + "#forum-rows")
    form = _form(step, draft, request, data=request.POST, files=request.FILES)
    if form.is_valid():
        draft = drafts.save_step(
            actor=request.user,
            number=step,
            answers=form.answers(),
            advance=action not in {"back", "leave"},
        )
    else:
        draft = drafts.save_typed(actor=request.user, number=step, typed=_typed(request.POST))
    if action == "leave":
        messages.success(
            request,
            _("Your draft is saved. Come back to “Start a community” to go on where you left."),
        )
        return redirect("home")
    if action == "back":
        return redirect("start_step", max(FIRST_STEP, step - 1))
    if not form.is_valid():
        messages.error(request, _("Please correct the errors below."))
        return _render(request, step, draft, _step_context(step, form), status=400)
    if action == "review" and draft.step == LAST_STEP:
        return redirect("start_step", LAST_STEP)
    return redirect("start_step", step + 1)


def _recently_launched(request: HttpRequest) -> WizardDraft | None:
    return (
        WizardDraft.objects.filter(
            owner=request.user,
            launched_at__gte=timezone.now() - RELAUNCH_WINDOW,
            community__isnull=False,
        )
        .select_related("community")
        .order_by("-launched_at")
        .first()
    )


def _review(request: HttpRequest, draft: WizardDraft | None) -> HttpResponse:
    if draft is None and request.method == "POST":
        # Launched by an earlier send of this very form: show what it made.
        done = _recently_launched(request)
        if done is not None:
            messages.info(request, submissions.ALREADY_SENT)
            return redirect(_dashboard_url(done.community))
    if draft is None or draft.step < LAST_STEP:
        return redirect("start_step", draft.step if draft is not None else FIRST_STEP)
    if request.method == "POST":
        try:
            sent = submissions.once(
                request,
                lambda: launch(
                    draft, actor=request.user, ip=client_ip(request), base_url=_base_url(request)
                ),
                url=_dashboard_url,
            )
        except WizardError as error:
            done = _recently_launched(request)
            if done is not None and done.pk == draft.pk:
                # Another send of the form launched it while this one waited.
                messages.info(request, submissions.ALREADY_SENT)
                return redirect(_dashboard_url(done.community))
            messages.error(request, str(error))
            return redirect("start_step", LAST_STEP)
        except PermissionDenied:
            return _refused(request)
        if sent.repeated:
            messages.info(request, submissions.ALREADY_SENT)
        else:
            messages.success(
                request,
                _("%(name)s is launched. Here is its dashboard: start with the checklist.")
                % {"name": sent.made.name},
            )
        return redirect(sent.url)
    return _render(request, LAST_STEP, draft, _review_context(draft))


def _step_context(number: int, form) -> dict:
    if number == 6:
        return {"form": form, "templates": AssessmentForm.templates()}
    return {"form": form}


def _review_context(draft: WizardDraft) -> dict:
    ranking = answers_of(draft, "orientation").get("ranking", [])
    privacy = answers_of(draft, "privacy")
    assessment = answers_of(draft, "assessment")
    templates = dict(template_choices())
    # What the launch writes in the community's language is shown in it.
    with translation.override(
        answers_of(draft, "theme").get("language") or translation.get_language()
    ):
        help_forum = orientation.HELP_FORUM
        help_forum = {"name": str(help_forum.name), "description": str(help_forum.description)}
        folders = orientation.starter_folders(ranking)
    return {
        "theme": answers_of(draft, "theme"),
        "ranking": [orientation.BY_KEY[key] for key in ranking if key in orientation.BY_KEY],
        "top_choices": orientation.TOP_CHOICES,
        "privacy": privacy,
        "visibility": Community.Visibility(privacy["visibility"]).label
        if privacy.get("visibility") in Community.Visibility.values
        else "",
        "join_policy": Community.JoinPolicy(privacy["join_policy"]).label
        if privacy.get("join_policy") in Community.JoinPolicy.values
        else "",
        "help_forum": help_forum,
        "forums": answers_of(draft, "forums").get("forums", []),
        "folders": folders,
        "recruitment": answers_of(draft, "recruitment"),
        "assessment": assessment,
        "assessment_template": templates.get(assessment.get("template", ""), ""),
        "recurrence": _recurrence_label(assessment.get("recurrence", "")),
        "opens_on": _date_or_none(assessment.get("opens_on", "")),
        "unsaved": unsaved_steps(draft),
        "typed": [number for number in FORMS if typed_of(draft, step_name(number)) is not None],
        "language": dict(ThemeForm.base_fields["language"].choices).get(
            answers_of(draft, "theme").get("language", ""), ""
        ),
    }


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _recurrence_label(value: str) -> str:
    return Cycle.Recurrence(value).label if value in Cycle.Recurrence.values else ""


@login_required
def discard(request: HttpRequest) -> HttpResponse:
    """/start/discard/: throw the draft away, after a confirmation."""
    if not can_create_community(request.user):
        return _refused(request)
    draft = drafts.open_draft_of(request.user)
    if request.method == "POST":
        if drafts.discard_draft(actor=request.user):
            messages.success(request, _("Your draft was discarded."))
        return redirect("home")
    if draft is None:
        return redirect("start")
    return render(
        request,
        "facilitation/wizard/discard.html",
        {"draft": draft, "steps": _steps(draft.step), "title": TITLES[draft.step]},
    )


urls = [
    path("start/", start, name="start"),
    path("start/<int:step>/", start_step, name="start_step"),
    path("start/discard/", discard, name="start_discard"),
]
# facilitation/urls.py includes this module.
urlpatterns = urls
