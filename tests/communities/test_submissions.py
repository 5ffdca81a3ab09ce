"""One-time submission keys (communities.submissions): the same form sent twice makes one thing,
and the second send gets the first one's result."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from communities import submissions
from communities.models import Community, Submission
from tests.factories import CommunityFactory, UserFactory

pytestmark = pytest.mark.django_db

KEY = "0123456789abcdef0123456789abcdef"


def _post(user, data: dict, path: str = "/c/somewhere/new/"):
    request = RequestFactory().post(path, data)
    request.user = user
    return request


class _Maker:
    """A create function that makes a community each time it runs, and counts its runs."""

    def __init__(self) -> None:
        self.runs = 0

    def __call__(self) -> Community:
        self.runs += 1
        return CommunityFactory()


def test_submissions_the_same_form_sent_twice_makes_one_thing(user):
    make = _Maker()
    data = {submissions.FIELD: KEY, "name": "Geometry"}

    first = submissions.once(_post(user, data), make)
    second = submissions.once(_post(user, data), make)

    assert make.runs == 1
    assert not first.repeated and first.made is not None
    assert second.repeated and second.made is None
    assert second.url == first.url == first.made.get_absolute_url()
    assert second.earlier(Community) == first.made
    assert Submission.objects.count() == 1


def test_submissions_the_earlier_result_is_found_before_a_new_create(user):
    data = {submissions.FIELD: KEY, "name": "Geometry"}
    assert submissions.earlier(_post(user, data)) is None

    first = submissions.once(_post(user, data), _Maker())

    done = submissions.earlier(_post(user, data))
    assert done.repeated and done.url == first.url


def test_submissions_people_sending_the_same_key_do_not_meet(user):
    make = _Maker()
    data = {submissions.FIELD: KEY, "name": "Geometry"}

    submissions.once(_post(user, data), make)
    other = submissions.once(_post(UserFactory(), data), make)

    assert make.runs == 2
    assert not other.repeated


def test_submissions_a_used_form_sent_with_other_content_is_a_new_submission(user):
    """The page the Back button brings back still holds its used key: what is typed anew is
    kept, not taken for the first send."""
    make = _Maker()

    submissions.once(_post(user, {submissions.FIELD: KEY, "body": "First"}), make)
    again = submissions.once(_post(user, {submissions.FIELD: KEY, "body": "Second"}), make)
    elsewhere = submissions.once(
        _post(user, {submissions.FIELD: KEY, "body": "First"}, path="/c/elsewhere/new/"), make
    )

    assert make.runs == 3
    assert not again.repeated and not elsewhere.repeated


def test_submissions_files_count_by_name_and_size(user):
    make = _Maker()

    def send(name: str, content: bytes):
        data = {submissions.FIELD: KEY, "files": SimpleUploadedFile(name, content)}
        return submissions.once(_post(user, data), make)

    send("plan.png", b"1234")
    assert send("plan.png", b"1234").repeated
    assert not send("plan.png", b"12345").repeated
    assert not send("other.png", b"1234").repeated
    assert make.runs == 3


def test_submissions_the_rank_of_a_file_makes_its_own_key(user):
    """static/js/uploads.js sends each file with the page's key and its rank."""
    make = _Maker()
    for rank in (1, 2):
        submissions.once(_post(user, {submissions.FIELD: f"{KEY}-{rank}"}), make)
    assert make.runs == 2


@pytest.mark.parametrize("key", ["", "not-a-key", KEY.upper(), KEY + "-x", "a" * 200])
def test_submissions_without_a_usable_key_every_send_runs(user, key):
    make = _Maker()
    for _ in range(2):
        sent = submissions.once(_post(user, {submissions.FIELD: key}), make)
        assert not sent.repeated
    assert make.runs == 2
    assert not Submission.objects.exists()


def test_submissions_a_create_that_made_nothing_leaves_the_key_free(user):
    data = {submissions.FIELD: KEY}

    nothing = submissions.once(_post(user, data), lambda: None)
    made = submissions.once(_post(user, data), _Maker())

    assert nothing.made is None and nothing.url == "" and not nothing.repeated
    assert not made.repeated and made.made is not None


def test_submissions_a_create_that_failed_leaves_the_key_free(user):
    data = {submissions.FIELD: KEY}

    def refuse():
        raise ValueError("refused")

    with pytest.raises(ValueError):
        submissions.once(_post(user, data), refuse)

    assert not Submission.objects.exists()
    assert not submissions.once(_post(user, data), _Maker()).repeated


def test_submissions_the_result_url_and_target_can_be_given(user):
    community = CommunityFactory()
    data = {submissions.FIELD: KEY}

    submissions.once(
        _post(user, data), lambda: [community], url=lambda _made: "/done/", target=lambda m: m[0]
    )
    again = submissions.once(_post(user, data), _Maker())

    assert again.url == "/done/"
    assert again.earlier(Community) == community
    # Asked for another kind of object, or one gone since: nothing.
    assert again.earlier(Submission) is None
    community.delete()
    assert again.earlier(Community) is None


def test_submissions_are_purged_after_a_day(user):
    now = timezone.now()
    old = Submission.objects.create(user=user, key="a" * 64, url="/old/")
    Submission.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=1, minutes=1))
    recent = Submission.objects.create(user=user, key="b" * 64, url="/recent/")

    assert submissions.purge(now=now) == 1

    assert list(Submission.objects.all()) == [recent]


def test_submissions_a_claim_purges_old_ones_after_its_commit(
    user, django_capture_on_commit_callbacks
):
    old = Submission.objects.create(user=UserFactory(), key="a" * 64, url="/old/")
    Submission.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        submissions.once(_post(user, {submissions.FIELD: KEY}), _Maker())

    assert not Submission.objects.filter(pk=old.pk).exists()
    assert Submission.objects.count() == 1


def test_submissions_field_is_a_fresh_hidden_key_at_each_rendering():
    template = Template("{% load submissions %}{% submission_field %}|{% submission_field %}")
    first, second = template.render(Context()).split("|")
    assert first.startswith(f'<input type="hidden" name="{submissions.FIELD}" value="')
    assert 'autocomplete="off"' in first
    assert first != second
