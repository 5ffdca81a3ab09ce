import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from communities.models import AuditEvent, Invitation, Membership, Notification
from core.models import OutboxEmail
from core.tasks import sweep_outbox
from tests.communities.helpers import after_redirect, text
from tests.factories import InvitationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "A-fresh-passphrase-88"


def _invite(client, slug="open-practice", **data):
    data.setdefault("role", "member")
    return client.post(f"/c/{slug}/invitations/", data)


def _csv(content: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("people.csv", content.encode(), content_type="text/csv")


def _link(client, slug="open-practice", **data):
    data = {"role": "member", "days": 7, "max_uses": 25, **data}
    return client.post(f"/c/{slug}/invitations/link/", data)


def _accept_url(invitation: Invitation) -> str:
    return f"/c/{invitation.community.slug}/invite/{invitation.token}/"


# --- Inviting by email --------------------------------------------------------------------


def test_invitations_single_email_sends_exactly_one_email(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, emails="Ana@Example.net", message="Join us!")

    assert response.status_code == 302
    assert "1 invitation sent." in after_redirect(facilitator_client, response)
    invitation = Invitation.objects.get()
    assert invitation.email == "ana@example.net"
    assert invitation.kind == Invitation.Kind.EMAIL
    assert invitation.created_by == cast.facilitator
    assert invitation.last_sent_at is not None
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["ana@example.net"]
    assert "Open Practice" in email.subject
    assert f"http://testserver/c/open-practice/invite/{invitation.token}/" in email.body
    assert "Join us!" in email.body
    assert AuditEvent.objects.get().action == "invitation.create"


def test_invitations_email_is_sent_only_after_commit(cast, facilitator_client, mailoutbox):
    # Without running the on-commit callbacks, nothing leaves: the send waits for the commit.
    _invite(facilitator_client, emails="ana@example.net")

    assert Invitation.objects.count() == 1
    assert mailoutbox == []
    # Written with the invitation, in its transaction; unsent until the task runs.
    row = OutboxEmail.objects.get()
    assert row.to == "ana@example.net"
    assert row.sent_at is None


def test_invitations_bulk_paste_invites_every_address(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    pasted = "ana@example.net\nben@example.net, cleo@example.net; dan@example.net\n\n"

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, emails=pasted)

    assert "4 invitations sent." in after_redirect(facilitator_client, response)
    expected = {"ana@example.net", "ben@example.net", "cleo@example.net", "dan@example.net"}
    assert set(Invitation.objects.values_list("email", flat=True)) == expected
    assert {message.to[0] for message in mailoutbox} == expected
    assert len(mailoutbox) == 4
    # One audit row for the batch.
    assert AuditEvent.objects.get().details == {"count": 4, "role": "member", "kind": "email"}


def test_invitations_csv_upload_with_a_header_row(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    upload = _csv("name,email\nAna,ana@example.net\nBen,ben@example.net\n")

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, csv_file=upload)

    assert response.status_code == 302
    assert set(Invitation.objects.values_list("email", flat=True)) == {
        "ana@example.net",
        "ben@example.net",
    }
    assert len(mailoutbox) == 2


def test_invitations_one_invalid_line_creates_nothing(cast, facilitator_client, mailoutbox):
    response = _invite(facilitator_client, emails="ana@example.net\nben@example.net\nnot-an-email")

    assert response.status_code == 400
    page = text(response)
    assert "Line 3: “not-an-email” — not a valid email address" in page
    assert "nothing was sent" in page
    assert not Invitation.objects.exists()
    assert not AuditEvent.objects.exists()
    assert mailoutbox == []


def test_invitations_csv_invalid_line_is_reported_by_its_row(cast, facilitator_client):
    upload = _csv("name,email\nAna,ana@example.net\nBen,ben(at)example.net\n")

    response = _invite(facilitator_client, csv_file=upload)

    assert response.status_code == 400
    assert "Line 3: “Ben” — not a valid email address" in text(response)
    assert not Invitation.objects.exists()


def test_invitations_duplicates_members_and_invited_are_skipped(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    InvitationFactory(
        community=cast.public, email="waiting@example.net", last_sent_at=timezone.now()
    )
    pasted = "\n".join(
        ["new@example.net", "NEW@example.net", cast.member.email, "waiting@example.net"]
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, emails=pasted)

    page = after_redirect(facilitator_client, response)
    assert "1 invitation sent." in page
    assert "Line 2, NEW@example.net: duplicate in this list — skipped." in page
    assert f"Line 3, {cast.member.email}: already a member — skipped." in page
    assert "Line 4, waiting@example.net: already invited — skipped." in page
    assert Invitation.objects.filter(email="new@example.net").count() == 1
    assert Invitation.objects.count() == 2
    assert [message.to for message in mailoutbox] == [["new@example.net"]]


def test_invitations_inviting_again_an_address_whose_email_never_left_sends_it_again(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    # The broker was down: the invitation was saved, its email still waits in the outbox.
    with django_capture_on_commit_callbacks(execute=False):
        _invite(facilitator_client, emails="waiting@example.net")
    invitation = Invitation.objects.get()
    waiting = OutboxEmail.objects.get()
    assert invitation.last_sent_at is None
    assert waiting.sent_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, emails="waiting@example.net")

    assert response.status_code == 302
    page = after_redirect(facilitator_client, response)
    assert "1 invitation sent." in page
    assert (
        "Line 1, waiting@example.net: already invited, but that invitation had not been sent "
        "yet — sent again." in page
    )
    # The same invitation, one email: the waiting one gave way to the new one.
    assert Invitation.objects.get() == invitation
    assert [message.to for message in mailoutbox] == [["waiting@example.net"]]
    assert _accept_url(invitation) in mailoutbox[0].body
    waiting.refresh_from_db()
    assert waiting.sent_at is None
    assert waiting.failed_at is not None
    assert OutboxEmail.objects.filter(sent_at__isnull=False).count() == 1
    invitation.refresh_from_db()
    assert invitation.last_sent_at is not None


def test_invitations_unsent_invitation_with_a_role_the_inviter_may_not_give_is_skipped(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    InvitationFactory(
        community=cast.public, email="fac@example.net", role=Membership.Role.FACILITATOR
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, emails="fac@example.net\nnew@example.net")

    page = after_redirect(facilitator_client, response)
    assert "Line 1, fac@example.net: already invited — skipped." in page
    assert [message.to for message in mailoutbox] == [["new@example.net"]]


def test_invitations_inviting_again_after_a_sent_one_expired_renews_it(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(
        community=cast.public,
        email="late@example.net",
        last_sent_at=timezone.now() - timedelta(days=20),
        expires_at=timezone.now() - timedelta(days=6),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(facilitator_client, emails="late@example.net")

    assert response.status_code == 302
    assert Invitation.objects.get() == invitation
    invitation.refresh_from_db()
    assert invitation.is_usable
    assert [message.to for message in mailoutbox] == [["late@example.net"]]


def test_invitations_list_with_nobody_new_sends_nothing(cast, facilitator_client):
    response = _invite(facilitator_client, emails=cast.member.email)

    assert response.status_code == 400
    assert "Everyone in this list is already a member or already invited" in text(response)
    assert not Invitation.objects.exists()


def test_invitations_more_than_500_addresses_are_refused(cast, facilitator_client):
    pasted = "\n".join(f"person{n}@example.net" for n in range(501))

    response = _invite(facilitator_client, emails=pasted)

    assert response.status_code == 400
    assert "501 addresses: at most 500 can be invited at once." in text(response)
    assert not Invitation.objects.exists()


def test_invitations_500_addresses_are_accepted(cast, facilitator_client):
    pasted = "\n".join(f"person{n}@example.net" for n in range(500))

    response = _invite(facilitator_client, emails=pasted)

    assert response.status_code == 302
    assert Invitation.objects.count() == 500


def test_invitations_facilitator_cannot_invite_facilitators(cast, facilitator_client):
    page = text(facilitator_client.get("/c/open-practice/invitations/"))
    response = _invite(facilitator_client, emails="ana@example.net", role="facilitator")
    link = _link(facilitator_client, role="organizer")

    assert 'value="facilitator"' not in page
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert link.status_code == 400
    assert not Invitation.objects.exists()


def test_invitations_organizer_invites_a_facilitator(cast, organizer_client):
    response = _invite(organizer_client, emails="ana@example.net", role="facilitator")

    assert response.status_code == 302
    assert Invitation.objects.get().role == Membership.Role.FACILITATOR


@pytest.mark.parametrize(("principal", "status"), [("member", 403), ("outsider", 403)])
def test_invitations_page_is_for_facilitators(cast, client_for, principal, status):
    client = client_for(principal)

    assert client.get("/c/open-practice/invitations/").status_code == status
    assert _invite(client, emails="ana@example.net").status_code == status
    assert client.get("/c/closed-circle/invitations/").status_code == (
        404 if principal == "outsider" else 403
    )
    assert not Invitation.objects.exists()


# --- Links ----------------------------------------------------------------------------------


def test_invitations_link_counts_its_uses_until_used_up(cast, facilitator_client, login):
    response = _link(facilitator_client, max_uses=2)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.kind == Invitation.Kind.LINK
    assert invitation.max_uses == 2
    first, second, third = UserFactory(), UserFactory(), UserFactory()

    for person in (first, second):
        accepted = login(person).post(_accept_url(invitation))
        assert accepted.status_code == 302
        assert accepted["Location"] == "/c/open-practice/"
    late = login(third)
    page = late.get(_accept_url(invitation))
    refused = late.post(_accept_url(invitation))

    invitation.refresh_from_db()
    assert invitation.use_count == 2
    assert Membership.objects.filter(community=cast.public, user__in=[first, second]).count() == 2
    assert page.status_code == 410
    assert "reached its maximum number of uses" in text(page)
    assert refused.status_code == 302
    assert "This invitation can no longer be used." in after_redirect(late, refused)
    assert not Membership.objects.filter(user=third).exists()


def test_invitations_link_shows_its_address_and_uses_on_the_page(cast, facilitator_client):
    _link(facilitator_client, max_uses=3)
    invitation = Invitation.objects.get()

    page = text(facilitator_client.get("/c/open-practice/invitations/"))

    assert f"http://testserver/c/open-practice/invite/{invitation.token}/" in page
    assert "0 of 3 uses" in page


def test_invitations_expired_link_answers_410(cast, login):
    invitation = InvitationFactory(
        community=cast.public,
        kind=Invitation.Kind.LINK,
        email="",
        max_uses=10,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    client = login(UserFactory())

    page = client.get(_accept_url(invitation))
    client.post(_accept_url(invitation))

    assert page.status_code == 410
    assert "This invitation expired on" in text(page)
    invitation.refresh_from_db()
    assert invitation.use_count == 0
    assert Membership.objects.filter(community=cast.public).count() == 3


def test_invitations_link_days_set_its_expiry(cast, facilitator_client):
    before = timezone.now()

    _link(facilitator_client, days=3, max_uses=5)

    invitation = Invitation.objects.get()
    assert before + timedelta(days=3) <= invitation.expires_at
    assert invitation.expires_at <= timezone.now() + timedelta(days=3)


def test_invitations_revoke_makes_the_link_say_it_was_withdrawn(cast, facilitator_client, login):
    invitation = InvitationFactory(community=cast.public, created_by=cast.facilitator)

    response = facilitator_client.post(f"/c/open-practice/invitations/{invitation.pk}/revoke/")

    assert "The invitation is revoked." in after_redirect(facilitator_client, response)
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert invitation.revoked_by == cast.facilitator
    assert AuditEvent.objects.get().action == "invitation.revoke"
    page = login(UserFactory(email=invitation.email)).get(_accept_url(invitation))
    assert page.status_code == 410
    assert "This invitation has been withdrawn by the community." in text(page)


def test_invitations_facilitator_cannot_revoke_an_organizers_facilitator_invitation(
    cast, facilitator_client
):
    invitation = InvitationFactory(community=cast.public, role=Membership.Role.FACILITATOR)

    response = facilitator_client.post(f"/c/open-practice/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


def test_invitations_resend_sends_one_email_and_renews_the_expiry(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(
        community=cast.public,
        created_by=cast.facilitator,
        expires_at=timezone.now() + timedelta(hours=2),
        last_sent_at=timezone.now() - timedelta(days=12),
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = facilitator_client.post(f"/c/open-practice/invitations/{invitation.pk}/resend/")

    assert f"The invitation to {invitation.email} was sent again." in after_redirect(
        facilitator_client, response
    )
    invitation.refresh_from_db()
    assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [invitation.email]
    assert _accept_url(invitation) in mailoutbox[0].body
    assert AuditEvent.objects.get().action == "invitation.resend"


def test_invitations_resend_while_the_first_email_waits_sends_one_email(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        _invite(facilitator_client, emails="ana@example.net")
    invitation = Invitation.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        facilitator_client.post(f"/c/open-practice/invitations/{invitation.pk}/resend/")
    sweep_outbox(now=timezone.now() + timedelta(hours=1))

    assert [message.to for message in mailoutbox] == [["ana@example.net"]]
    assert sorted(OutboxEmail.objects.values_list("key", flat=True)) == [
        f"invitation:{invitation.pk}:1",
        f"invitation:{invitation.pk}:2",
    ]


def test_invitations_revoked_before_its_email_left_sends_nothing(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        _invite(facilitator_client, emails="ana@example.net")
    invitation = Invitation.objects.get()

    facilitator_client.post(f"/c/open-practice/invitations/{invitation.pk}/revoke/")
    sweep_outbox(now=timezone.now() + timedelta(hours=1))

    assert mailoutbox == []
    row = OutboxEmail.objects.get()
    assert row.sent_at is None
    assert row.failed_at is not None
    assert "revoked" in row.last_error


def test_invitations_resend_of_a_revoked_one_is_refused(
    cast, facilitator_client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(community=cast.public, revoked_at=timezone.now())

    with django_capture_on_commit_callbacks(execute=True):
        response = facilitator_client.post(f"/c/open-practice/invitations/{invitation.pk}/resend/")

    assert "This invitation cannot be sent again." in after_redirect(facilitator_client, response)
    assert mailoutbox == []


# --- Accepting ------------------------------------------------------------------------------


def test_invitations_accept_with_the_right_verified_email(cast, login):
    person = UserFactory(email="ana@example.net")
    invitation = InvitationFactory(
        community=cast.private, email="ana@example.net", created_by=cast.facilitator
    )
    client = login(person)

    page = client.get(_accept_url(invitation))
    response = client.post(_accept_url(invitation))

    # The token lets the invitee see the private community's invitation.
    assert page.status_code == 200
    assert "Accept and join" in text(page)
    assert response.status_code == 302
    assert response["Location"] == "/c/closed-circle/"
    membership = Membership.objects.get(community=cast.private, user=person)
    assert membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    accepted = Notification.objects.get(recipient=cast.facilitator, verb="invitation.accept")
    assert "Closed Circle" in accepted.text
    assert client.get("/c/closed-circle/").status_code == 200


def test_invitations_accept_gives_the_invitations_role(cast, login):
    person = UserFactory()
    invitation = InvitationFactory(
        community=cast.public, email=person.email, role=Membership.Role.FACILITATOR
    )

    login(person).post(_accept_url(invitation))

    assert Membership.objects.get(community=cast.public, user=person).role == "facilitator"


def test_invitations_accept_with_another_email_is_refused_with_an_explanation(cast, login):
    invitation = InvitationFactory(community=cast.public, email="ana@example.net")
    client = login(cast.outsider)

    page = client.get(_accept_url(invitation))
    response = client.post(_accept_url(invitation))

    assert page.status_code == 200
    assert "This invitation was sent to ana@example.net." in text(page)
    assert "Accept and join" not in text(page)
    assert response.status_code == 302
    assert "This invitation was sent to another email address than yours." in after_redirect(
        client, response
    )
    assert not Membership.objects.filter(community=cast.public, user=cast.outsider).exists()
    invitation.refresh_from_db()
    assert invitation.use_count == 0


def test_invitations_accept_with_an_unverified_address_is_refused(cast, login):
    person = UserFactory(email="ana@example.net")
    person.emailaddress_set.update(verified=False)
    invitation = InvitationFactory(community=cast.public, email="ana@example.net")

    login(person).post(_accept_url(invitation))

    assert not Membership.objects.filter(community=cast.public, user=person).exists()


def test_invitations_wrong_token_or_community_is_404(cast, client_for):
    invitation = InvitationFactory(community=cast.private)
    client = client_for("outsider")

    assert client.get("/c/closed-circle/invite/not-a-token/").status_code == 404
    assert client.get(f"/c/open-practice/invite/{invitation.token}/").status_code == 404


def test_invitations_sign_up_from_the_email_link_lands_as_a_member(cast, anon_client, mailoutbox):
    invitation = InvitationFactory(
        community=cast.private, email="newcomer@example.net", created_by=cast.facilitator
    )

    page = anon_client.get(_accept_url(invitation))
    response = anon_client.post(
        "/accounts/signup/",
        {"email": "newcomer@example.net", "password1": PASSWORD, "password2": PASSWORD},
    )

    assert page.status_code == 200
    assert "Create my account" in text(page)
    assert response.status_code == 302
    assert response["Location"] == "/c/closed-circle/"
    person = User.objects.get(email="newcomer@example.net")
    # The address received the invitation: it is verified without a second email.
    assert person.emailaddress_set.get().verified
    assert mailoutbox == []
    membership = Membership.objects.get(community=cast.private, user=person)
    assert membership.is_active
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    home = anon_client.get("/c/closed-circle/")
    assert home.status_code == 200
    assert "You are now a member of Closed Circle." in text(home)


def test_invitations_sign_up_later_with_the_invited_address_joins_at_verification(
    cast, anon_client, mailoutbox, django_capture_on_commit_callbacks
):
    invitation = InvitationFactory(community=cast.private, email="later@example.net")

    with django_capture_on_commit_callbacks(execute=True):
        signed_up = anon_client.post(
            "/accounts/signup/",
            {"email": "later@example.net", "password1": PASSWORD, "password2": PASSWORD},
        )

    assert signed_up.status_code == 302
    assert signed_up["Location"] == "/accounts/confirm-email/"
    person = User.objects.get(email="later@example.net")
    assert not Membership.objects.filter(user=person).exists()
    (verification,) = mailoutbox
    confirm_url = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+/)", verification.body)
    assert confirm_url is not None, verification.body

    confirmed = anon_client.post(confirm_url.group(1))

    assert confirmed.status_code == 302
    assert person.emailaddress_set.get().verified
    membership = Membership.objects.get(community=cast.private, user=person)
    assert membership.role == Membership.Role.MEMBER
    invitation.refresh_from_db()
    assert invitation.use_count == 1
    assert "You are now a member of Closed Circle." in after_redirect(anon_client, confirmed)


def test_invitations_an_address_invited_by_someone_else_this_instant_is_already_done(
    cast, monkeypatch
):
    from communities.services import invitations as invitation_services

    invitation_services.invite_by_email(
        cast.public, actor=cast.organizer, emails=["ana@example.net"]
    )
    # The other inviter's row appears right after this request looked for open invitations.
    monkeypatch.setattr(
        Invitation.objects, "select_for_update", lambda **options: Invitation.objects.none()
    )

    again = invitation_services.invite_by_email(
        cast.public, actor=cast.facilitator, emails=["ana@example.net", "bo@example.net"]
    )

    assert [invitation.email for invitation in again] == ["bo@example.net"]
    assert Invitation.objects.filter(email="ana@example.net").count() == 1
