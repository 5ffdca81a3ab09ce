"""The assessments' URLs (DESIGN.md, "URLs"): each part of the app lists its own."""

from assessments.views import builder, cycles, index, report, results, stories

urlpatterns = [
    *index.urls,
    *builder.urls,
    *cycles.urls,
    *results.urls,
    *stories.urls,
    *report.urls,
]
