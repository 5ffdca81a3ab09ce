"""What the results tests share: members who answer, closed cycles answered in the past."""

import csv
import io
from datetime import timedelta

from tests.assessments.factories import answer, make_cycle
from tests.factories import MembershipFactory, UserFactory


def members(community, count: int, start: int = 0) -> list:
    """`count` new active members of the community, named so the tests can look for them."""
    return [
        MembershipFactory(
            community=community,
            user=UserFactory(display_name=f"Respondent {start + n}", organization=f"Org {n}"),
        ).user
        for n in range(count)
    ]


def closed_cycle(survey, *, days_ago: int = 30, **fields):
    """A cycle that opened `days_ago` days ago and closed two weeks later."""
    return make_cycle(survey, started_days_ago=days_ago, days_open=14, **fields)


def answer_in(cycle, user, by_text: dict):
    """Answer a cycle while it was open, whatever its dates."""
    return answer(cycle, user, by_text, now=cycle.opens_at + timedelta(hours=1))


def results_url(cycle, what: str = "results/") -> str:
    return f"/c/{cycle.community.slug}/assessments/cycles/{cycle.pk}/{what}"


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    assert content.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark for Excel"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def text(response) -> str:
    """The page's words, without tags and with spaces collapsed (the SVG's titles included)."""
    import html

    from django.utils.html import strip_tags

    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def statements_of(action) -> list[str]:
    """The SQL statements `action()` runs (a wrapper sees them whatever resets the query log)."""
    from django.db import connection

    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        action()
    return statements
