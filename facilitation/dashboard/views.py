"""/c/<slug>/facilitate/: the facilitators' dashboard, and its small actions (nudge a member,
write the welcome post, open the introductions thread)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from communities import selectors as community_selectors
from communities import submissions
from communities.http import community_view
from communities.models import Membership
from communities.permissions import Access, can_nudge
from core.charts import bar_chart, line_chart
from core.forms import MAX_ID
from facilitation import health
from facilitation.checklist import checklist_for, setup_of
from facilitation.dashboard import services
from facilitation.dashboard.forms import (
    NudgeForm,
    StarterThreadForm,
    default_nudge_message,
    introductions_defaults,
    welcome_defaults,
)
from facilitation.knowledge import selectors as knowledge_selectors
from forums import selectors as forum_selectors
from forums.services import ForumError

HELP_REQUESTS_SHOWN = 5
UNANSWERED_SHOWN = 5


def _with_nudges(access: Access, movers: health.Movers, nudged: dict) -> health.Movers:
    """Attach to each mover whether this facilitator may nudge them and when they last were."""
    for membership in movers.shown:
        membership.nudged_at = nudged.get(membership.user_id)
        membership.may_nudge = membership.nudged_at is None and can_nudge(access, membership)
    return movers


def format_wait(wait) -> str:
    """A duration as a facilitator reads it: "—" when unknown, else days and hours, hours and
    minutes, or minutes."""
    if wait is None:
        return "—"
    minutes = max(int(wait.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return _("%(days)s d %(hours)s h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)s min") % {"minutes": minutes}


def _levels_chart(participation: health.Participation):
    return bar_chart(
        [(str(share.label), share.count) for share in participation.levels],
        title=_("Members by participation level"),
    )


def _activity_chart(weeks: list[health.Week]):
    top = max([week.contributions for week in weeks] + [week.people for week in weeks] + [1])
    step = max(1, -(-top // 5))
    return line_chart(
        [
            (_("Contributions"), [week.contributions for week in weeks]),
            (_("People contributing"), [week.people for week in weeks]),
        ],
        [formats.date_format(week.start, "j M") for week in weeks],
        title=_("Activity in the last 12 weeks"),
        y_min=0,
        y_max=step * 5,
        y_step=step,
    )


@community_view
@login_required
def dashboard(request: HttpRequest, access: Access) -> HttpResponse:
    """The dashboard: every number in a fixed number of queries, whatever the size."""
    access.require("community.facilitate")
    community = access.community
    now = timezone.now()
    participation = health.participation(community, now=now)
    nudged = health.recently_nudged(community, now=now)
    weeks = health.weekly_activity(community, now=now)
    checklist = None
    if not community.is_archived:
        checklist = checklist_for(community)
        if checklist.completed_before:
            checklist = None
        elif checklist.complete:
            services.complete_setup(community, now=now)
            checklist = None
    tiles = health.tiles(community, now=now)
    context = {
        "access": access,
        "community": community,
        "tiles": tiles,
        "median_wait": format_wait(tiles.median_first_reply),
        "participation": participation,
        "levels_chart": _levels_chart(participation),
        "drifted": _with_nudges(access, health.drifted_down(community, now=now), nudged),
        "newcomers": _with_nudges(access, health.silent_newcomers(community, now=now), nudged),
        "mix": health.mix(community, now=now),
        "weeks": weeks,
        "activity_chart": _activity_chart(weeks),
        "checklist": checklist,
        "help_requests": list(
            community_selectors.open_help_requests(community).select_related("community")[
                :HELP_REQUESTS_SHOWN
            ]
        ),
        "unanswered": list(
            forum_selectors.unanswered_threads(community, older_than=now - health.UNANSWERED_AFTER)[
                :UNANSWERED_SHOWN
            ]
        ),
        "knowledge_due": list(
            knowledge_selectors.due_for_review(community, today=timezone.localdate(now))[:10]
        ),
        "nudge_message": default_nudge_message(community),
        "nudge_max": NudgeForm.base_fields["message"].max_length,
        "window_days": health.WINDOW.days,
        "shift_days": health.MOVEMENT_SHIFT.days,
        "grace_days": health.NEWCOMER_GRACE.days,
        "nudge_days": health.NUDGE_INTERVAL.days,
    }
    return render(request, "facilitation/dashboard/dashboard.html", context)


@community_view
@login_required
@require_POST
def nudge(request: HttpRequest, access: Access, user_id: int) -> HttpResponse:
    """Send one member a friendly nudge (at most once in 14 days)."""
    access.require("community.facilitate")
    if not 0 < user_id <= MAX_ID:
        raise Http404
    membership = (
        Membership.objects.filter(community=access.community, user_id=user_id)
        .select_related("user", "community")
        .first()
    )
    if membership is None:
        raise Http404
    if not can_nudge(access, membership):
        raise PermissionDenied
    form = NudgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("message", [])))
        return redirect("facilitate", access.community.slug)
    sent = services.nudge_member(
        membership, actor=request.user, message=form.cleaned_data["message"]
    )
    if sent:
        messages.success(
            request, _("%(name)s has been sent your message.") % {"name": membership.user.name}
        )
    else:
        messages.info(
            request,
            _("%(name)s was nudged less than %(days)s days ago: nothing more was sent.")
            % {"name": membership.user.name, "days": health.NUDGE_INTERVAL.days},
        )
    return redirect(reverse("facilitate", args=[access.community.slug]) + "#movement")


def _starter_thread(request: HttpRequest, access: Access, *, kind: str) -> HttpResponse:
    """The welcome post's or the introductions thread's page: a form filled in from a template
    in the community's language, which starts the thread."""
    access.require("community.facilitate")
    access.require("forum.moderate")
    community = access.community
    setup = setup_of(community)
    existing = getattr(setup, f"{kind}_thread", None) if setup is not None else None
    if existing is not None:
        return redirect(existing)
    defaults = (
        welcome_defaults(community) if kind == "welcome" else introductions_defaults(community)
    )
    form = StarterThreadForm(request.POST or None, community=community, initial=defaults)
    if request.method == "POST" and form.is_valid():
        post = services.post_welcome if kind == "welcome" else services.post_introductions
        try:
            sent = submissions.once(
                request,
                lambda: post(
                    community,
                    actor=request.user,
                    forum=form.cleaned_data["forum"],
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                ),
            )
        except services.DashboardError as error:
            messages.error(request, str(error))
            return redirect("facilitate", community.slug)
        except ForumError as error:
            form.add_error(None, str(error))
        else:
            if sent.repeated:
                messages.info(request, submissions.ALREADY_SENT)
            elif kind == "welcome":
                messages.success(request, _("The welcome post is pinned at the top of its forum."))
            else:
                messages.success(request, _("The introductions thread is open."))
            return redirect(sent.url)
    context = {
        "access": access,
        "community": community,
        "form": form,
        "kind": kind,
        "has_forums": form.fields["forum"].queryset.exists(),
    }
    return render(request, "facilitation/dashboard/starter_thread.html", context)


@community_view
@login_required
def welcome(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/facilitate/welcome/: write the pinned welcome post."""
    return _starter_thread(request, access, kind="welcome")


@community_view
@login_required
def introductions(request: HttpRequest, access: Access) -> HttpResponse:
    """/c/<slug>/facilitate/introductions/: open the "introduce yourself" thread."""
    return _starter_thread(request, access, kind="introductions")


urls = [
    path("c/<slug:slug>/facilitate/", dashboard, name="facilitate"),
    path("c/<slug:slug>/facilitate/welcome/", welcome, name="facilitate_welcome"),
    path("c/<slug:slug>/facilitate/introductions/", introductions, name="facilitate_introductions"),
    path("c/<slug:slug>/facilitate/nudge/<int:user_id>/", nudge, name="facilitate_nudge"),
]
# facilitation/urls.py includes this module.
urlpatterns = urls
