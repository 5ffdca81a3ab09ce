"""A cycle's results, their sharing with members, the CSV exports and the trends of a survey.

Facilitators see every cycle's results; members those shared with them once the cycle closed
(selectors.access_results, 404 otherwise). The CSV files are for facilitators.
"""

import csv
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments import results as aggregates
from assessments import selectors
from assessments.services.sharing import set_results_shared
from communities.http import community_view
from communities.permissions import Access
from core.errors import ActionRefused

# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def spreadsheet_safe(cell: str) -> str:
    """Neutralise a cell a spreadsheet would run as a formula (a plain number stays one)."""
    cell = str(cell)
    if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def csv_response(filename: str, header: list[str], rows: list[list[str]]) -> HttpResponse:
    """A CSV download in UTF-8 with a byte-order mark, so Excel reads accents right."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return response


def _filename(cycle, what: str) -> str:
    return f"{slugify(cycle.title) or 'cycle'}-{cycle.pk}-{what}.csv"


@community_view
@login_required
def cycle_results(request: HttpRequest, access: Access, cycle_id: int) -> HttpResponse:
    """/c/<slug>/assessments/cycles/<id>/results/: the answers added up, with charts."""
    cycle = selectors.access_results(access, cycle_id)
    facilitating = access.can("assessment.results")
    results = aggregates.cycle_results(cycle, access=access, names=facilitating)
    trend = aggregates.trend(
        aggregates.trend_cycles(
            access, cycle.survey, until=cycle, limit=aggregates.COMPACT_TREND_CYCLES
        )
    )
    context = {
        "access": access,
        "community": access.community,
        "cycle": cycle,
        "results": results,
        "trend": trend,
        "compact": True,
        "facilitating": facilitating,
        "min_group": aggregates.MIN_GROUP,
    }
    return render(request, "assessments/results_cycle.html", context)


@community_view
@login_required
@require_POST
def cycle_share(request: HttpRequest, access: Access, cycle_id: int) -> HttpResponse:
    """/c/<slug>/assessments/cycles/<id>/share/: share the results with members (shared=1) or
    stop (shared=0)."""
    access.require("assessment.manage")
    cycle = selectors.access_results(access, cycle_id)
    shared = request.POST.get("shared") == "1"
    try:
        changed = set_results_shared(cycle, shared, actor=request.user)
    except ActionRefused as error:
        messages.error(request, str(error))
    else:
        if changed and shared:
            messages.success(
                request,
                _("The results are shared with the members.")
                if cycle.is_closed
                else _("The results will be shown to the members once the cycle closes."),
            )
        elif changed:
            messages.success(request, _("The results are no longer shared with the members."))
    return redirect(reverse("cycle_results", args=[access.community.slug, cycle.pk]))


@community_view
@login_required
def cycle_export(request: HttpRequest, access: Access, cycle_id: int) -> HttpResponse:
    """/c/<slug>/assessments/cycles/<id>/responses.csv: one row per response (anonymised for
    anonymous cycles)."""
    access.require("assessment.results")
    cycle = selectors.access_results(access, cycle_id)
    header, rows = aggregates.response_rows(cycle)
    return csv_response(_filename(cycle, "responses"), header, rows)


@community_view
@login_required
def cycle_aggregates(request: HttpRequest, access: Access, cycle_id: int) -> HttpResponse:
    """/c/<slug>/assessments/cycles/<id>/aggregates.csv: counts and means per question."""
    access.require("assessment.results")
    cycle = selectors.access_results(access, cycle_id)
    results = aggregates.cycle_results(cycle, access=access)
    header, rows = aggregates.aggregate_rows(results)
    return csv_response(_filename(cycle, "aggregates"), header, rows)


@community_view
@login_required
def survey_trends(request: HttpRequest, access: Access, survey_id: int) -> HttpResponse:
    """/c/<slug>/assessments/s/<id>/trends/: each Likert question and each value cycle across
    the survey's cycles."""
    access.require("assessment.results")
    survey = selectors.access_survey(access, survey_id)
    trend = aggregates.trend(aggregates.trend_cycles(access, survey))
    context = {
        "access": access,
        "community": access.community,
        "survey": survey,
        "trend": trend,
        "compact": False,
    }
    return render(request, "assessments/results_trends.html", context)


_cycle = "c/<slug:slug>/assessments/cycles/<int:cycle_id>/"
_survey = "c/<slug:slug>/assessments/s/<int:survey_id>/"
urls = [
    path(f"{_cycle}results/", cycle_results, name="cycle_results"),
    path(f"{_cycle}share/", cycle_share, name="cycle_share"),
    path(f"{_cycle}responses.csv", cycle_export, name="cycle_export"),
    path(f"{_cycle}aggregates.csv", cycle_aggregates, name="cycle_aggregates"),
    path(f"{_survey}trends/", survey_trends, name="survey_trends"),
]
