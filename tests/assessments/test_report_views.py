"""The value report through HTTP: organizers only, any ?period= answered without an error, its
numbers read from seeded data of one quarter (2025-Q2), nothing of another community, the PDF
and the French page."""

import re
from datetime import datetime
from decimal import Decimal

import pypdfium2
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from assessments.models import Question, ValueStory
from assessments.report import Period, last_complete_quarter, parse_period
from communities.models import Activity, Membership
from documents import services as document_services
from tests.assessments.factories import answer, make_cycle, make_survey
from tests.factories import MembershipFactory, UserFactory
from tests.forums.factories import forum_in, start_thread

pytestmark = pytest.mark.django_db

REPORT = "/c/open-practice/assessments/report/"
PDF = "/c/open-practice/assessments/report.pdf"
PRIVATE_REPORT = "/c/closed-circle/assessments/report/"
PRIVATE_PDF = "/c/closed-circle/assessments/report.pdf"
Q2 = "?period=2025-Q2"
LIKERT = Question.Kind.LIKERT


def at(year, month, day, hour=12) -> datetime:
    return timezone.make_aware(datetime(year, month, day, hour))


def _set_joined(community, user, when, **fields):
    Membership.objects.filter(community=community, user=user).update(joined_at=when, **fields)


def _activity(community, verb, when, **fields) -> Activity:
    return Activity.objects.create(
        community=community, actor=None, verb=verb, summary="x", created_at=when, **fields
    )


def _moved(activity: Activity, when) -> None:
    Activity.objects.filter(pk=activity.pk).update(created_at=when)


def _document(community, actor, title) -> Activity:
    document_services.upload_document(
        community,
        upload=SimpleUploadedFile("notes.txt", b"Notes about practice.\n", "text/plain"),
        actor=actor,
        title=title,
    )
    return Activity.objects.filter(community=community, verb="document.upload").latest("pk")


def _thread(community, actor, title) -> Activity:
    start_thread(forum_in(community), actor, title=title)
    return Activity.objects.filter(community=community, verb="thread.create").latest("pk")


@pytest.fixture
def seeded(cast):
    """A quarter of life in Open Practice (2025-Q2), and a few things around it that the report
    of that quarter must leave out."""
    public = cast.public
    for person, organization, sector in (
        (cast.organizer, "Lycée Voltaire", User.Sector.PUBLIC),
        (cast.facilitator, "Lycée Voltaire", User.Sector.PUBLIC),
        (cast.member, "Acme Learning", User.Sector.PRIVATE),
    ):
        User.objects.filter(pk=person.pk).update(organization=organization, sector=sector)
        _set_joined(public, person, at(2025, 1, 10))
    newcomers = []
    for organization, sector, joined in (
        ("Université de Lyon", User.Sector.ACADEMIC, at(2025, 5, 3)),
        ("", "", at(2025, 5, 10)),
    ):
        person = UserFactory(organization=organization, sector=sector)
        MembershipFactory(community=public, user=person, joined_at=joined)
        newcomers.append(person)
    # Joined after the quarter, and suspended: neither is counted.
    MembershipFactory(community=public, joined_at=at(2025, 8, 1), user__organization="Late Ltd")
    MembershipFactory(
        community=public,
        joined_at=at(2025, 2, 1),
        state=Membership.State.SUSPENDED,
        user__organization="Gone Inc",
    )

    # Participation: April 2 threads and 3 replies, May 1 document, June 1 new version.
    _moved(_thread(public, cast.member, "How do you open a lesson?"), at(2025, 4, 3))
    _moved(_thread(public, cast.facilitator, "Marking in teams"), at(2025, 4, 20))
    for day in (4, 5, 21):
        _activity(public, "post.create", at(2025, 4, day))
    _moved(_document(public, cast.member, "Field notes from May"), at(2025, 5, 15))
    _activity(public, "document.version", at(2025, 6, 2))
    # Hidden by moderation, outside the quarter, or in another community: not counted.
    _activity(public, "post.create", at(2025, 6, 3), is_hidden=True)
    _moved(_thread(public, cast.member, "A July thread"), at(2025, 7, 2))
    _moved(_thread(cast.private, cast.member, "Secret plan of the circle"), at(2025, 4, 10))
    _moved(_document(cast.private, cast.member, "Confidential budget"), at(2025, 5, 1))

    # A named cycle closed in May: immediate (4+2+5+3)/4 = 3.5, applied (5+3)/2 = 4.
    survey = make_survey(
        public,
        questions=[
            {"kind": LIKERT, "text": "Q1", "value_cycle": "immediate"},
            {"kind": LIKERT, "text": "Q2", "value_cycle": "immediate"},
            {"kind": LIKERT, "text": "Q3", "value_cycle": "applied"},
            {"kind": LIKERT, "text": "Q4"},
        ],
    )
    named = make_cycle(
        survey,
        title="Spring pulse",
        anonymous=False,
        opens_at=at(2025, 5, 1),
        closes_at=at(2025, 5, 20),
    )
    answer(named, cast.member, {"Q1": 4, "Q2": 2, "Q3": 5, "Q4": 1}, now=at(2025, 5, 5))
    answer(named, cast.facilitator, {"Q1": 5, "Q2": 3, "Q3": 3, "Q4": 1}, now=at(2025, 5, 6))
    # An anonymous cycle answered by two: left out.
    tiny = make_cycle(
        survey, title="Tiny anonymous", opens_at=at(2025, 6, 1), closes_at=at(2025, 6, 10)
    )
    answer(tiny, cast.member, {"Q1": 1}, now=at(2025, 6, 2))
    answer(tiny, cast.organizer, {"Q1": 1}, now=at(2025, 6, 2))

    def story(community, title, happened_on, featured):
        return ValueStory.objects.create(
            community=community,
            author=cast.member,
            title=title,
            happened="We met every week.\nThen we wrote it down.",
            changed="Planning takes half the time.",
            for_whom="New teachers",
            value_cycles=["applied"],
            happened_on=happened_on,
            featured_at=timezone.now() if featured else None,
        )

    story(public, "Mentoring circle", datetime(2025, 5, 12).date(), True)
    story(public, "Quiet success", datetime(2025, 5, 13).date(), False)
    story(public, "Last year's win", datetime(2024, 5, 13).date(), True)
    story(cast.private, "Private triumph", datetime(2025, 5, 13).date(), True)
    return cast


def _rows(page: str, row_class: str) -> dict[str, list[str]]:
    """Label → cells of the table rows of one class, as text."""
    rows = {}
    for row in re.findall(rf'<tr class="{row_class}">(.*?)</tr>', page, re.S):
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        rows[cells[0]] = cells[1:]
    return rows


# --- Who may read it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "principal,public,private",
    [
        ("organizer", 200, 200),
        ("facilitator", 403, 403),
        ("member", 403, 403),
        ("outsider", 403, 404),
        ("other_member", 403, 404),
        ("staff", 403, 403),
    ],
)
def test_report_is_for_organizers(cast, client_for, principal, public, private):
    client = client_for(principal)

    assert client.get(REPORT).status_code == public
    assert client.get(PRIVATE_REPORT).status_code == private
    assert client.get(PRIVATE_PDF).status_code == private


def test_report_anonymous_visitors(cast, anon_client):
    assert anon_client.get(REPORT).status_code == 302
    assert anon_client.get(PRIVATE_REPORT).status_code == 404
    assert anon_client.get(PRIVATE_PDF).status_code == 404


# --- Periods ------------------------------------------------------------------------------------


def test_report_periods_parse():
    assert parse_period("2026-Q3") == Period(2026, 3)
    assert parse_period("2025") == Period(2025)
    assert Period(2025, 4).end.isoformat() == "2026-01-01"
    assert Period(2025).start.isoformat() == "2025-01-01"
    assert last_complete_quarter(datetime(2026, 11, 30).date()) == Period(2026, 3)
    assert last_complete_quarter(datetime(2026, 2, 1).date()) == Period(2025, 4)
    for bad in ("", "2026-Q5", "2026-Q0", "99999-Q1", "9999-Q4", "0001", "1e5", "2026-Q3x"):
        assert parse_period(bad) is None, bad


@pytest.mark.parametrize(
    "period", ["nonsense", "2026-Q9", "99999999999999999999-Q1", "9999", "-1", "2026-Q3%27"]
)
def test_report_bad_period_falls_back_with_a_message(cast, organizer_client, period):
    response = organizer_client.get(REPORT, {"period": period})

    page = response.content.decode()
    assert response.status_code == 200
    assert "That period is not one we know" in page
    assert f"Value report · {last_complete_quarter().label}" in page


def test_report_defaults_to_the_last_complete_quarter(cast, organizer_client):
    page = organizer_client.get(REPORT).content.decode()

    assert f"Value report · {last_complete_quarter().label}" in page
    assert "That period is not one we know" not in page


def test_report_of_a_whole_year(seeded, organizer_client):
    page = organizer_client.get(REPORT + "?period=2025").content.decode()

    assert "Value report · 2025" in page
    assert len(_rows(page, "month-row")) == 12
    # July's thread counts in the year.
    assert "3 threads started" in page


def test_report_of_a_far_future_year_is_empty_not_an_error(cast, organizer_client):
    response = organizer_client.get(REPORT + "?period=9998-Q4")

    assert response.status_code == 200
    assert "No assessment closed in this period." in response.content.decode()


# --- What it says -------------------------------------------------------------------------------


def test_report_members_by_organization_and_sector(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2).content.decode()

    assert "5 members at the end of the period" in page
    assert "2 of whom joined during it." in page
    assert _rows(page, "organization-row") == {
        "Lycée Voltaire": ["2"],
        "Acme Learning": ["1"],
        "Not given": ["1"],
        "Université de Lyon": ["1"],
    }
    assert _rows(page, "sector-row") == {
        "Public": ["2"],
        "Academic": ["1"],
        "Not given": ["1"],
        "Private": ["1"],
    }
    assert "Late Ltd" not in page
    assert "Gone Inc" not in page


def test_report_participation_per_month(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2).content.decode()

    # Threads, replies, documents shared, new versions.
    assert _rows(page, "month-row") == {
        "April 2025": ["2", "3", "0", "0"],
        "May 2025": ["0", "0", "1", "0"],
        "June 2025": ["0", "0", "0", "1"],
    }
    assert 'class="chart chart-bar' in page


def test_report_threads_and_documents_produced(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2).content.decode()

    assert "2 threads started" in page
    assert "1 document shared" in page
    assert "How do you open a lesson?" in page
    assert "Marking in teams" in page
    assert "Field notes from May" in page
    assert "A July thread" not in page


def test_report_assessment_trends(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2).content.decode()

    rows = _rows(page, "cycle-row")
    [(title, cells)] = rows.items()
    assert title.startswith("Spring pulse")
    members_at_close = Membership.objects.filter(
        community=seeded.public, state="active", joined_at__lt=at(2025, 5, 20)
    ).count()
    rate = round(Decimal(200) / members_at_close)
    # Responses, rate, then immediate, potential, applied, realized, reframing.
    assert cells == ["2", f"{rate} %", "3.50", "–", "4.00", "–", "–"]
    assert "Tiny anonymous" not in page
    assert "1 anonymous assessment is left out" in page


def test_report_featured_stories_of_the_period(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2).content.decode()

    assert "Mentoring circle" in page
    assert "We met every week.<br>Then we wrote it down." in page
    assert "Planning takes half the time." in page
    assert "Quiet success" not in page
    assert "Last year&#x27;s win" not in page and "Last year's win" not in page


def test_report_shows_nothing_of_another_community(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2).content.decode()

    for private in ("Secret plan of the circle", "Confidential budget", "Private triumph"):
        assert private not in page


def test_report_of_the_private_community_is_its_own(seeded, organizer_client):
    page = organizer_client.get(PRIVATE_REPORT + Q2).content.decode()

    assert "Secret plan of the circle" in page
    assert "Private triumph" in page
    assert "Mentoring circle" not in page
    assert "How do you open a lesson?" not in page


# --- The PDF ------------------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_report_pdf(seeded, organizer_client):
    response = organizer_client.get(PDF + Q2)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="open-practice-value-report-2025-Q2.pdf"'
    )
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "Open Practice" in text
    assert "Mentoring circle" in text
    assert "Secret plan of the circle" not in text


def test_report_pdf_fetches_nothing(monkeypatch):
    """Whatever the page names, the PDF is laid out without opening any address (the text of
    stories is escaped anyway: this holds should a template ever name one)."""
    import socket
    import urllib.request

    from assessments.views.report import _pdf

    opened = []

    def connect(self, address):
        opened.append(address)
        raise OSError("no network in this test")

    def open_file(self, request):
        opened.append(request.full_url)
        raise OSError("no files in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(urllib.request.FileHandler, "file_open", open_file)
    html = (
        '<link rel="stylesheet" href="file:///etc/passwd"><p>Report</p>'
        '<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/hostname">'
        '<div style="background: url(http://127.0.0.1:9/y.png)">x</div>'
    )

    content = _pdf(html)

    assert content.startswith(b"%PDF")
    assert opened == []


def test_report_pdf_is_for_organizers(cast, facilitator_client, member_client):
    assert facilitator_client.get(PDF).status_code == 403
    assert member_client.get(PDF).status_code == 403


def test_report_pdf_with_a_bad_period(cast, organizer_client):
    response = organizer_client.get(PDF + "?period=not-a-period")

    assert response.status_code == 200
    assert f"-value-report-{last_complete_quarter().key}.pdf" in response["Content-Disposition"]


# --- In French ----------------------------------------------------------------------------------


def test_report_in_french(seeded, organizer_client):
    page = organizer_client.get(REPORT + Q2, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<html lang="fr">' in page
    assert ">Membres</h3>" in page
    assert "avril 2025" in page
    assert "April 2025" not in page


def test_report_pdf_in_french(seeded, organizer_client):
    response = organizer_client.get(PDF + Q2, HTTP_ACCEPT_LANGUAGE="fr")

    text = _pdf_text(response.content)
    assert "Membres" in text
    assert "avril 2025" in text
