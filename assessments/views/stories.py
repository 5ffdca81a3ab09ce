"""/c/<slug>/assessments/stories/: value-creation stories. Members tell what happened, what it
changed and for whom, tagging the value cycles it shows; facilitators read them as a matrix of
value cycles × quarters and feature some. No story is ever deleted here."""

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import selectors
from assessments.forms.stories import ValueStoryForm
from assessments.models import ValueCycle
from assessments.report import parse_period, recent_quarters
from assessments.services import stories as services
from communities import submissions
from communities.http import community_view, paginate, query_without_page
from communities.permissions import Access, can_edit_story

PER_PAGE = 20
# The quarters the matrix shows, up to the current one.
MATRIX_QUARTERS = 8
CYCLE_LABELS = dict(ValueCycle.choices)


def _readable(access: Access) -> None:
    """Stories are for the community's members and facilitators: others get 403, or 404 when
    they may not see the community at all (stories_of shows them nothing either)."""
    if not selectors.stories_of(access).query.is_empty():
        return
    access.require("assessment.results")


def _with_labels(stories) -> list:
    for story in stories:
        story.cycle_labels = [CYCLE_LABELS[c] for c in story.value_cycles if c in CYCLE_LABELS]
    return stories


@community_view
@login_required
def value_stories(request: HttpRequest, access: Access) -> HttpResponse:
    """The stories, newest first, filtered by value cycle or quarter; the matrix view for
    those who read results."""
    _readable(access)
    if request.GET.get("view") == "matrix" and access.can("assessment.results"):
        return _matrix(request, access)
    value_cycle = request.GET.get("cycle", "")
    if value_cycle not in CYCLE_LABELS:
        value_cycle = ""
    period = parse_period(request.GET.get("period", ""))
    stories = selectors.stories_showing(access, value_cycle)
    if period is not None:
        stories = stories.filter(happened_on__gte=period.start, happened_on__lt=period.end)
    page = paginate(request, stories, PER_PAGE)
    _with_labels(page.object_list)
    context = {
        "access": access,
        "community": access.community,
        "page": page,
        "filters": query_without_page(request),
        "value_cycle": value_cycle,
        "period": period,
        "cycles": ValueCycle.choices,
    }
    return render(request, "assessments/story_list.html", context)


def _matrix(request: HttpRequest, access: Access) -> HttpResponse:
    """Value cycles × quarters: how many stories show each cycle in each quarter."""
    quarters = recent_quarters(MATRIX_QUARTERS)
    stories = selectors.stories_between(access, quarters[0].start, quarters[-1].end)
    cells: dict[tuple[str, str], list] = {}
    for story in stories:
        quarter = next(q for q in quarters if q.start <= story.happened_on < q.end)
        for value_cycle in story.value_cycles:
            cells.setdefault((value_cycle, quarter.key), []).append(story)
    list_url = reverse("value_stories", args=[access.community.slug])
    rows = [
        {
            "cycle": value_cycle,
            "label": label,
            "cells": [
                {
                    "quarter": quarter,
                    "stories": cells.get((value_cycle, quarter.key), []),
                    "url": f"{list_url}?{urlencode({'cycle': value_cycle, 'period': quarter.key})}",
                }
                for quarter in quarters
            ],
        }
        for value_cycle, label in ValueCycle.choices
    ]
    context = {
        "access": access,
        "community": access.community,
        "quarters": quarters,
        "rows": rows,
        "story_count": len(stories),
    }
    return render(request, "assessments/story_matrix.html", context)


@community_view
@login_required
def value_story_new(request: HttpRequest, access: Access) -> HttpResponse:
    """Tell a value story."""
    access.require("assessment.story")
    form = ValueStoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = submissions.once(
            request,
            lambda: services.create_story(
                access.community, actor=request.user, **form.cleaned_data
            ),
        )
        if sent.repeated:
            messages.info(request, submissions.ALREADY_SENT)
        else:
            messages.success(request, _("Thank you: your story is shared with the community."))
        return redirect(sent.url)
    return _form_page(request, access, form, story=None)


def _form_page(request: HttpRequest, access: Access, form, *, story) -> HttpResponse:
    """The story form, again with what was typed and why it was refused (400) after a failed
    send."""
    if request.method == "POST":
        messages.error(request, _("Please correct the errors below."))
    context = {"access": access, "community": access.community, "form": form, "story": story}
    return render(
        request, "assessments/story_form.html", context, status=400 if form.errors else 200
    )


@community_view
@login_required
def value_story(request: HttpRequest, access: Access, story_id: int) -> HttpResponse:
    """One story, in full."""
    _readable(access)
    story = selectors.access_story(access, story_id)
    _with_labels([story])
    context = {"access": access, "community": access.community, "story": story}
    return render(request, "assessments/story_detail.html", context)


@community_view
@login_required
def value_story_edit(request: HttpRequest, access: Access, story_id: int) -> HttpResponse:
    """Change a story: its author while they may write, or a facilitator."""
    _readable(access)
    story = selectors.access_story(access, story_id)
    if not can_edit_story(access, story):
        raise PermissionDenied
    # A copy: validating writes the typed values onto the form's instance, and the service
    # compares them with the stored story.
    form = ValueStoryForm(request.POST or None, instance=copy.copy(story))
    if request.method == "POST" and form.is_valid():
        if services.edit_story(story, actor=request.user, **form.cleaned_data):
            messages.success(request, _("The story is updated."))
        return redirect(story)
    return _form_page(request, access, form, story=story)


@community_view
@login_required
@require_POST
def value_story_feature(request: HttpRequest, access: Access, story_id: int) -> HttpResponse:
    """Feature a story, or stop featuring it (?action= or the form's `action`)."""
    access.require("assessment.manage")
    story = selectors.access_story(access, story_id)
    if request.POST.get("action") == "unfeature":
        if services.unfeature_story(story, actor=request.user):
            messages.success(request, _("The story is no longer featured."))
    elif services.feature_story(story, actor=request.user):
        messages.success(request, _("The story is featured."))
    return redirect(story)


urls = [
    path("c/<slug:slug>/assessments/stories/", value_stories, name="value_stories"),
    path("c/<slug:slug>/assessments/stories/new/", value_story_new, name="value_story_new"),
    path("c/<slug:slug>/assessments/stories/<int:story_id>/", value_story, name="value_story"),
    path(
        "c/<slug:slug>/assessments/stories/<int:story_id>/edit/",
        value_story_edit,
        name="value_story_edit",
    ),
    path(
        "c/<slug:slug>/assessments/stories/<int:story_id>/feature/",
        value_story_feature,
        name="value_story_feature",
    ),
]
