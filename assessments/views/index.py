"""/c/<slug>/assessments/: what there is to answer, the results one may read, and — for
facilitators — the surveys and their cycles."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from assessments import selectors
from communities.http import community_view
from communities.permissions import Access, can_see_results


@community_view
@login_required
def assessments(request: HttpRequest, access: Access) -> HttpResponse:
    if not access.can("assessment.results"):
        access.require("assessment.respond")
    now = timezone.now()
    cycles = list(selectors.cycles_of(access)[:200])
    open_cycles = [cycle for cycle in cycles if cycle.is_open_at(now)]
    results = [
        cycle
        for cycle in cycles
        if not cycle.is_open_at(now) and cycle.opens_at <= now and can_see_results(access, cycle)
    ]
    scheduled = [cycle for cycle in cycles if cycle.opens_at > now]
    context = {
        "access": access,
        "community": access.community,
        "open_cycles": open_cycles,
        "results": results,
        "scheduled": scheduled,
        "surveys": list(selectors.surveys_of(access)),
    }
    return render(request, "assessments/index.html", context)


urls = [path("c/<slug:slug>/assessments/", assessments, name="assessments")]
