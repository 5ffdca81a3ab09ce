"""/c/<slug>/assessments/report/: the value report an organizer hands a sponsor — one printable
page per quarter or year, and the same page as a PDF made on the server (WeasyPrint)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import formats
from django.utils.translation import gettext as _

from assessments import report as reads
from assessments.models import ValueCycle
from communities.http import community_view
from communities.permissions import Access
from core.charts import bar_chart, line_chart
from core.pdf import html_to_pdf

STYLESHEET = "css/value-report.css"


def _period(request: HttpRequest) -> reads.Period:
    """The period of ?period=, or the last complete quarter (with a word when ?period= named
    none we can show)."""
    asked = request.GET.get("period", "")
    period = reads.parse_period(asked)
    if period is None:
        if asked:
            messages.warning(
                request, _("That period is not one we know: here is the last complete quarter.")
            )
        period = reads.last_complete_quarter()
    return period


def _charts(report: reads.Report) -> dict:
    """The report's pictures: participation per month, and the value cycles' means."""
    participation = bar_chart(
        [
            (formats.date_format(month.month, "YEAR_MONTH_FORMAT"), month.total)
            for month in report.participation
        ],
        title=_("Participation per month"),
    )
    trend = None
    if len(report.trends.cycles) > 1:
        trend = line_chart(
            [
                (label, [cycle.means.get(value) for cycle in report.trends.cycles])
                for value, label in ValueCycle.choices
            ],
            [str(cycle.cycle.title) for cycle in report.trends.cycles],
            title=_("Value cycles across the assessments of the period (mean of 1 to 5)"),
            y_min=1,
            y_max=5,
            y_step=1,
        )
    return {"participation_chart": participation, "trend_chart": trend}


def _context(request: HttpRequest, access: Access) -> dict:
    report = reads.value_report(access.community, _period(request))
    return {
        "access": access,
        "community": access.community,
        "report": report,
        "period": report.period,
        "periods": reads.period_choices(),
        "verbs": list(reads.PARTICIPATION.values()),
        "listed": reads.LISTED,
        "value_cycles": [label for _value, label in ValueCycle.choices],
        **_charts(report),
    }


@community_view
@login_required
def value_report(request: HttpRequest, access: Access) -> HttpResponse:
    """The report as a page, printable on A4 (its print stylesheet hides the navigation)."""
    access.require("assessment.report")
    return render(request, "assessments/report.html", _context(request, access))


@community_view
@login_required
def value_report_pdf(request: HttpRequest, access: Access) -> HttpResponse:
    """The same report as a PDF file."""
    access.require("assessment.report")
    context = _context(request, access)
    html = render_to_string("assessments/report_pdf.html", context, request=request)
    response = HttpResponse(_pdf(html), content_type="application/pdf")
    name = f"{access.community.slug}-value-report-{context['period'].key}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _pdf(html: str) -> bytes:
    """The page as PDF: the charts are inline SVG, the stylesheet is the app's own file on
    disk, and nothing else is fetched (core.pdf)."""
    return html_to_pdf(html, stylesheets=[finders.find(STYLESHEET)])


urls = [
    path("c/<slug:slug>/assessments/report/", value_report, name="value_report"),
    path("c/<slug:slug>/assessments/report.pdf", value_report_pdf, name="value_report_pdf"),
]
