"""Value stories through HTTP: who may write, edit and feature them, the form's validation, the
matrix over quarters, and a list whose cost does not grow with its length."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import ValueStory
from assessments.report import quarter_of
from communities.models import Activity, AuditEvent, Membership
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

STORIES = "/c/open-practice/assessments/stories/"
PRIVATE_STORIES = "/c/closed-circle/assessments/stories/"


def _story(community, author, **fields) -> ValueStory:
    values = {
        "title": "The lesson study",
        "happened": "We observed each other's lessons.",
        "changed": "Questions got better.",
        "for_whom": "Year 7 teachers",
        "value_cycles": ["applied"],
        "happened_on": timezone.localdate() - timedelta(days=10),
    }
    values.update(fields)
    return ValueStory.objects.create(community=community, author=author, **values)


def _form(**fields) -> dict:
    data = {
        "title": "Peer coaching that stuck",
        "happened": "Two of us coached each other\nevery Friday.",
        "changed": "I now plan with the class's questions.",
        "for_whom": "My pupils",
        "value_cycles": ["applied", "realized"],
        "happened_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
    }
    data.update(fields)
    return data


def _key(client, url) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="submission" value="([0-9a-f]{32})"', page).group(1)


# --- Writing ------------------------------------------------------------------------------------


def test_stories_member_tells_a_story(cast, member_client):
    response = member_client.post(STORIES + "new/", _form())

    story = ValueStory.objects.get()
    assert response.status_code == 302
    assert response["Location"] == story.get_absolute_url()
    assert story.author == cast.member
    assert story.community == cast.public
    assert story.value_cycles == ["applied", "realized"]
    assert Activity.objects.filter(verb="story.create", target_id=story.pk).count() == 1
    page = member_client.get(story.get_absolute_url()).content.decode()
    assert "Peer coaching that stuck" in page
    assert "Two of us coached each other<br>every Friday." in page


def test_stories_form_offers_the_five_cycles_with_explanations(cast, member_client):
    page = member_client.get(STORIES + "new/").content.decode()

    for value in ("immediate", "potential", "applied", "realized", "reframing"):
        assert f'value="{value}"' in page
    assert "Something was put to use in practice" in page
    assert f'data-draft="u{cast.member.pk}-story-0"' in page


def test_stories_silenced_member_cannot_write(cast, member_client):
    Membership.objects.filter(community=cast.public, user=cast.member).update(
        silenced_until=timezone.now() + timedelta(days=2)
    )

    assert member_client.get(STORIES + "new/").status_code == 403
    assert member_client.post(STORIES + "new/", _form()).status_code == 403
    assert not ValueStory.objects.exists()
    # They still read the stories.
    assert member_client.get(STORIES).status_code == 200


def test_stories_author_edits_own_story(cast, member_client):
    story = _story(cast.public, cast.member)

    response = member_client.post(
        STORIES + f"{story.pk}/edit/", _form(title="The lesson study, a year on")
    )

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "The lesson study, a year on"
    assert story.value_cycles == ["applied", "realized"]


def test_stories_other_member_cannot_edit(cast, client):
    story = _story(cast.public, cast.member, title="Mine")
    someone = MembershipFactory(community=cast.public).user
    client.force_login(someone)

    assert client.get(STORIES + f"{story.pk}/edit/").status_code == 403
    assert client.post(STORIES + f"{story.pk}/edit/", _form(title="Theirs")).status_code == 403
    story.refresh_from_db()
    assert story.title == "Mine"
    # The page offers them no edit link either.
    assert f"{story.pk}/edit/" not in client.get(STORIES + f"{story.pk}/").content.decode()


def test_stories_silenced_author_cannot_edit(cast, member_client):
    story = _story(cast.public, cast.member, title="Mine")
    Membership.objects.filter(community=cast.public, user=cast.member).update(
        silenced_until=timezone.now() + timedelta(days=2)
    )

    assert member_client.post(STORIES + f"{story.pk}/edit/", _form()).status_code == 403


def test_stories_facilitator_may_edit_any_story(cast, facilitator_client):
    story = _story(cast.public, cast.member)

    response = facilitator_client.post(STORIES + f"{story.pk}/edit/", _form(title="Tidied"))

    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Tidied"
    assert story.author == cast.member
    [row] = AuditEvent.objects.filter(action="story.edit")
    assert (row.actor, row.target_label) == (cast.facilitator, "Tidied")


def test_stories_an_author_editing_their_own_story_is_not_audited(cast, member_client):
    story = _story(cast.public, cast.member)

    member_client.post(STORIES + f"{story.pk}/edit/", _form(title="Mine, better"))

    assert not AuditEvent.objects.filter(action="story.edit").exists()


def test_stories_facilitator_features_and_unfeatures(cast, facilitator_client):
    story = _story(cast.public, cast.member)
    url = STORIES + f"{story.pk}/feature/"

    assert facilitator_client.post(url, {"action": "feature"}).status_code == 302
    story.refresh_from_db()
    assert story.featured_at is not None
    assert story.featured_by == cast.facilitator
    # Featuring twice is a no-op: one audit row.
    facilitator_client.post(url, {"action": "feature"})
    assert AuditEvent.objects.filter(action="story.feature").count() == 1

    assert facilitator_client.post(url, {"action": "unfeature"}).status_code == 302
    story.refresh_from_db()
    assert story.featured_at is None
    assert AuditEvent.objects.filter(action="story.unfeature").count() == 1


def test_stories_member_cannot_feature(cast, member_client):
    story = _story(cast.public, cast.member)

    response = member_client.post(STORIES + f"{story.pk}/feature/", {"action": "feature"})

    assert response.status_code == 403
    story.refresh_from_db()
    assert story.featured_at is None


def test_stories_feature_takes_only_post(cast, facilitator_client):
    story = _story(cast.public, cast.member)

    assert facilitator_client.get(STORIES + f"{story.pk}/feature/").status_code == 405


@pytest.mark.parametrize("principal", ["outsider", "anonymous", "other_member"])
def test_stories_private_community_is_404_to_those_outside(cast, client_for, principal):
    story = _story(cast.private, cast.member)
    client = client_for(principal)

    for url in ("", "new/", f"{story.pk}/", f"{story.pk}/edit/", "?view=matrix"):
        assert client.get(PRIVATE_STORIES + url).status_code == 404, url
    assert client.post(PRIVATE_STORIES + "new/", _form()).status_code == 404
    assert client.post(PRIVATE_STORIES + f"{story.pk}/feature/").status_code == 404
    assert ValueStory.objects.count() == 1


def test_stories_public_community_refuses_outsiders(cast, outsider_client, anon_client):
    story = _story(cast.public, cast.member)

    assert outsider_client.get(STORIES).status_code == 403
    assert outsider_client.get(STORIES + f"{story.pk}/").status_code == 403
    assert outsider_client.post(STORIES + "new/", _form()).status_code == 403
    assert anon_client.get(STORIES).status_code == 302


def test_stories_of_another_community_are_404(cast, member_client):
    story = _story(cast.other, cast.other_member)

    assert member_client.get(STORIES + f"{story.pk}/").status_code == 404
    assert member_client.get(STORIES + "99999999999999999999/").status_code == 404


# --- Validation ---------------------------------------------------------------------------------


def test_stories_need_a_value_cycle_and_keep_the_text(cast, member_client):
    data = _form()
    del data["value_cycles"]

    response = member_client.post(STORIES + "new/", data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one value cycle." in page
    assert "Peer coaching that stuck" in page
    assert "every Friday." in page
    assert not ValueStory.objects.exists()


def test_stories_cannot_happen_in_the_future(cast, member_client):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()

    response = member_client.post(STORIES + "new/", _form(happened_on=tomorrow))

    assert response.status_code == 400
    assert "cannot have happened in the future" in response.content.decode()
    assert "Peer coaching that stuck" in response.content.decode()
    assert not ValueStory.objects.exists()


@pytest.mark.parametrize(
    "field,value", [("value_cycles", ["wisdom"]), ("happened_on", "99999-01-01"), ("title", "")]
)
def test_stories_bad_input_is_a_form_error(cast, member_client, field, value):
    response = member_client.post(STORIES + "new/", _form(**{field: value}))

    assert response.status_code == 400
    assert not ValueStory.objects.exists()


def test_stories_a_failed_edit_keeps_the_typed_text(cast, member_client):
    story = _story(cast.public, cast.member, title="Before")

    response = member_client.post(
        STORIES + f"{story.pk}/edit/", _form(title="After", value_cycles=[])
    )

    assert response.status_code == 400
    assert 'value="After"' in response.content.decode()
    story.refresh_from_db()
    assert story.title == "Before"


def test_stories_double_submit_creates_one_story(cast, member_client):
    data = _form(submission=_key(member_client, STORIES + "new/"))

    first = member_client.post(STORIES + "new/", data)
    second = member_client.post(STORIES + "new/", data)

    assert ValueStory.objects.count() == 1
    assert first["Location"] == second["Location"] == ValueStory.objects.get().get_absolute_url()


# --- Reading ------------------------------------------------------------------------------------


def test_stories_text_is_escaped(cast, member_client):
    story = _story(cast.public, cast.member, happened="<script>alert(1)</script>\nnext line")

    page = member_client.get(STORIES + f"{story.pk}/").content.decode()

    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>next line" in page


def test_stories_list_newest_first_and_filtered_by_cycle(cast, member_client):
    today = timezone.localdate()
    _story(cast.public, cast.member, title="Older", happened_on=today - timedelta(days=200))
    _story(cast.public, cast.member, title="Newer", value_cycles=["reframing"])
    _story(cast.other, cast.other_member, title="Elsewhere")

    page = member_client.get(STORIES).content.decode()
    assert page.index("Newer") < page.index("Older")
    assert "Elsewhere" not in page

    filtered = member_client.get(STORIES + "?cycle=reframing").content.decode()
    assert "Newer" in filtered
    assert "Older" not in filtered
    # An unknown cycle filters nothing, and fails nothing.
    assert "Older" in member_client.get(STORIES + "?cycle=%27%22x").content.decode()


def _matrix_cells(page: str) -> dict[str, list[str]]:
    """Row label → the numbers of its cells, read from the matrix table."""
    table = page[page.index('class="table table-bordered') : page.index("</table>")]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        label = re.search(r'<th scope="row"[^>]*>(.*?)</th>', row, re.S)
        if label:
            cells = re.findall(r'<td class="matrix-cell">(.*?)</td>', row, re.S)
            rows[label.group(1).strip()] = [
                re.sub(r"<[^>]+>|\(.*?\)", "", c).strip() for c in cells
            ]
    return rows


def test_stories_matrix_counts_stories_per_cycle_and_quarter(cast, facilitator_client):
    today = timezone.localdate()
    this_quarter = quarter_of(today)
    last_quarter = this_quarter.previous_quarter()
    in_last = last_quarter.start + timedelta(days=5)
    _story(
        cast.public, cast.member, title="A", value_cycles=["applied", "realized"], happened_on=today
    )
    _story(cast.public, cast.member, title="B", value_cycles=["applied"], happened_on=today)
    _story(cast.public, cast.member, title="C", value_cycles=["applied"], happened_on=in_last)
    _story(cast.other, cast.other_member, title="Z", value_cycles=["applied"], happened_on=today)

    response = facilitator_client.get(STORIES + "?view=matrix")

    page = response.content.decode()
    cells = _matrix_cells(page)
    assert cells["Applied value"][-2:] == ["1", "2"]
    assert cells["Realized value"][-2:] == ["0", "1"]
    assert cells["Immediate value"] == ["0"] * 8
    assert f"{this_quarter.label}</th>" in page
    # Each count links to the stories behind it, and names them on hover.
    assert f"?cycle=applied&amp;period={this_quarter.key}" in page
    assert 'title="A · B"' in page or 'title="B · A"' in page


def test_stories_matrix_is_for_results_readers(cast, member_client):
    _story(cast.public, cast.member)

    page = member_client.get(STORIES + "?view=matrix").content.decode()

    assert "story-matrix" not in page
    assert "The lesson study" in page


def test_stories_list_filters_by_period(cast, member_client):
    today = timezone.localdate()
    _story(cast.public, cast.member, title="Now", happened_on=today)
    _story(cast.public, cast.member, title="Long ago", happened_on=date(2019, 2, 1))

    page = member_client.get(STORIES + "?period=2019-Q1").content.decode()

    assert "Long ago" in page
    assert "Now</a>" not in page


def _measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode().count('class="story-card')


def test_stories_list_query_count_is_flat(cast, member_client):
    def add(count):
        for number in range(count):
            author = UserFactory()
            MembershipFactory(community=cast.public, user=author)
            _story(cast.public, author, title=f"Story {number}", value_cycles=["applied"])

    add(1)
    member_client.get(STORIES)
    one, shown_one = _measure(member_client, STORIES)
    add(29)
    thirty, shown_thirty = _measure(member_client, STORIES)

    assert shown_one == 1
    assert shown_thirty == 20
    assert one == thirty


def test_stories_matrix_query_count_is_flat(cast, facilitator_client):
    def add(count):
        for number in range(count):
            _story(cast.public, cast.member, title=f"Story {number}")

    add(1)
    facilitator_client.get(STORIES + "?view=matrix")
    with CaptureQueriesContext(connection) as one:
        facilitator_client.get(STORIES + "?view=matrix")
    add(29)
    with CaptureQueriesContext(connection) as thirty:
        facilitator_client.get(STORIES + "?view=matrix")

    assert len(one) == len(thirty)
