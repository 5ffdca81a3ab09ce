import pytest

from communities.models import AuditEvent, Community, SlugRedirect
from tests.communities.helpers import after_redirect, text

pytestmark = pytest.mark.django_db


def _form(community: Community, **changes) -> dict:
    data = {
        "name": community.name,
        "slug": community.slug,
        "theme": community.theme,
        "description": community.description,
        "visibility": community.visibility,
        "join_policy": community.join_policy,
        "language": community.language,
        "status": community.status,
        "flag_threshold": community.flag_threshold,
        "premoderated_posts": community.premoderated_posts,
        "post_rate_limit": community.post_rate_limit,
        "core_threshold": community.core_threshold,
        "active_threshold": community.active_threshold,
        "occasional_threshold": community.occasional_threshold,
        "flag_rate_limit": community.flag_rate_limit,
    }
    return {**data, **changes}


def _save(client, community, **changes):
    return client.post(f"/c/{community.slug}/settings/", _form(community, **changes))


def test_settings_organizer_edits_the_community(cast, organizer_client):
    page = organizer_client.get("/c/open-practice/settings/")
    response = _save(
        organizer_client,
        cast.public,
        name="Open Practice Lab",
        theme="Lesson studies across schools",
        language="fr",
        join_policy="request",
    )

    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/c/open-practice/settings/"
    assert "The settings are saved." in after_redirect(organizer_client, response)
    cast.public.refresh_from_db()
    assert cast.public.name == "Open Practice Lab"
    assert cast.public.theme == "Lesson studies across schools"
    assert cast.public.language == "fr"
    assert cast.public.join_policy == Community.JoinPolicy.REQUEST


def test_settings_change_writes_one_audit_row_with_from_and_to(cast, organizer_client):
    _save(organizer_client, cast.public, name="Open Practice Lab", visibility="private")

    event = AuditEvent.objects.get()
    assert event.action == "community.settings"
    assert event.actor == cast.organizer
    assert event.details == {
        "name": {"from": "Open Practice", "to": "Open Practice Lab"},
        "visibility": {"from": "public", "to": "private"},
    }


def test_settings_saved_unchanged_writes_nothing(cast, organizer_client):
    response = _save(organizer_client, cast.public)

    assert "Nothing was changed." in after_redirect(organizer_client, response)
    assert not AuditEvent.objects.exists()


def test_settings_invalid_form_changes_nothing(cast, organizer_client):
    response = _save(organizer_client, cast.public, name="", visibility="secret")

    assert response.status_code == 400
    assert "Please correct the errors below." in text(response)
    cast.public.refresh_from_db()
    assert cast.public.name == "Open Practice"
    assert not AuditEvent.objects.exists()


def test_settings_empty_post_reports_the_missing_fields(cast, organizer_client):
    response = organizer_client.post("/c/open-practice/settings/")

    assert response.status_code == 400
    assert "This field is required." in text(response)


@pytest.mark.parametrize("principal", ["facilitator", "member"])
def test_settings_are_for_organizers(cast, client_for, principal):
    client = client_for(principal)

    assert client.get("/c/open-practice/settings/").status_code == 403
    assert _save(client, cast.public, name="Taken over").status_code == 403
    cast.public.refresh_from_db()
    assert cast.public.name == "Open Practice"


def test_settings_new_slug_redirects_the_old_address(cast, organizer_client, member_client):
    response = _save(organizer_client, cast.public, slug="practice-lab")

    assert response["Location"] == "/c/practice-lab/settings/"
    cast.public.refresh_from_db()
    assert cast.public.slug == "practice-lab"
    assert SlugRedirect.objects.get(old_slug="open-practice").community == cast.public
    home = member_client.get("/c/open-practice/")
    deep = member_client.get("/c/open-practice/members/?role=member")
    assert home.status_code == 301
    assert home["Location"] == "/c/practice-lab/"
    assert deep.status_code == 301
    assert deep["Location"] == "/c/practice-lab/members/?role=member"
    assert member_client.get("/c/practice-lab/").status_code == 200
    event = AuditEvent.objects.get()
    assert event.details == {"slug": {"from": "open-practice", "to": "practice-lab"}}


def test_settings_old_address_of_a_private_community_is_404_to_outsiders(
    cast, organizer_client, member_client, outsider_client, anon_client
):
    _save(organizer_client, cast.private, slug="inner-circle")

    assert member_client.get("/c/closed-circle/").status_code == 301
    assert outsider_client.get("/c/closed-circle/").status_code == 404
    assert anon_client.get("/c/closed-circle/").status_code == 404
    assert outsider_client.get("/c/closed-circle/members/").status_code == 404


def test_settings_renaming_back_reuses_the_old_address(cast, organizer_client):
    _save(organizer_client, cast.public, slug="practice-lab")
    cast.public.refresh_from_db()

    response = _save(organizer_client, cast.public, slug="open-practice")

    assert response.status_code == 302
    cast.public.refresh_from_db()
    assert cast.public.slug == "open-practice"
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["practice-lab"]


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("admin", "This address is reserved; please choose another."),
        ("new", "This address is reserved; please choose another."),
        ("elsewhere", "Another community already uses this address."),
        ("not a slug!", "Enter a valid “slug”"),
    ],
)
def test_settings_refuses_reserved_and_taken_slugs(cast, organizer_client, slug, message):
    response = _save(organizer_client, cast.public, slug=slug)

    assert response.status_code == 400
    assert message in text(response)
    cast.public.refresh_from_db()
    assert cast.public.slug == "open-practice"
    assert not SlugRedirect.objects.exists()
    assert not AuditEvent.objects.exists()


def test_settings_refuses_an_address_another_community_used_to_have(cast, login):
    SlugRedirect.objects.create(old_slug="former-name", community=cast.other)
    client = login(cast.organizer)

    response = _save(client, cast.public, slug="former-name")

    assert response.status_code == 400
    assert "This address used to belong to another community." in text(response)
    assert SlugRedirect.objects.get().community == cast.other


def test_settings_description_markdown_is_rendered_and_sanitized(
    cast, organizer_client, anon_client
):
    description = (
        "We share **lesson studies**.\n\n"
        "<script>alert('owned')</script>\n\n"
        "[click me](javascript:alert(1)) <img src=x onerror=alert(2)>"
    )

    _save(organizer_client, cast.public, description=description)

    page = text(anon_client.get("/c/open-practice/"))
    rendered = page.split('<div class="rendered-markdown">', 1)[1].split("</div>", 1)[0]
    assert "<strong>lesson studies</strong>" in rendered
    assert "<script>alert" not in page
    assert "<script" not in rendered
    assert 'href="javascript:' not in rendered
    assert "<img" not in rendered
    cast.public.refresh_from_db()
    assert "<script" not in cast.public.description_html
    assert AuditEvent.objects.get().details == {"description": "changed"}


def test_settings_participation_thresholds_are_shown_grouped_and_saved(cast, organizer_client):
    page = text(organizer_client.get("/c/open-practice/settings/"))
    assert "Participation levels" in page
    assert 'name="core_threshold"' in page

    response = _save(
        organizer_client, cast.public, core_threshold=12, active_threshold=5, occasional_threshold=2
    )

    assert response.status_code == 302
    cast.public.refresh_from_db()
    assert (cast.public.core_threshold, cast.public.active_threshold) == (12, 5)


@pytest.mark.parametrize(
    "thresholds",
    [(5, 5, 2), (10, 3, 3), (10, 4, 0), (3, 6, 1)],
    ids=["core=active", "active=occasional", "occasional 0", "upside down"],
)
def test_settings_thresholds_must_go_down_from_core(cast, organizer_client, thresholds):
    core, active, occasional = thresholds
    response = _save(
        organizer_client,
        cast.public,
        core_threshold=core,
        active_threshold=active,
        occasional_threshold=occasional,
        theme="Typed and kept",
    )

    assert response.status_code == 400
    assert "must go down from core to occasional" in text(response)
    assert "Typed and kept" in text(response)
    cast.public.refresh_from_db()
    assert cast.public.core_threshold == 20


def test_settings_groups_show_every_setting_once():
    from communities.forms import CommunitySettingsForm
    from communities.services.communities import SETTINGS_FIELDS

    grouped = [name for _, names in CommunitySettingsForm.GROUPS for name in names]
    assert sorted(grouped) == sorted(SETTINGS_FIELDS)


def test_settings_help_text_shows_its_placeholder_as_written(cast, organizer_client):
    """ "/c/<address>/" is text, not a tag the browser swallows (it read "/c//")."""
    page = organizer_client.get("/c/open-practice/settings/").content.decode()

    assert "the community lives at /c/&lt;address&gt;/." in page
    assert "/c/<address>/" not in page
