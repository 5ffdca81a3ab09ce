"""Unique-constraint races of the forums answered as "already done", never as an error: another
request's row appears between the service's check and its insert."""

import pytest
from django.db.models import QuerySet

from communities.models import AuditEvent
from forums import services
from forums.forms import ForumForm
from forums.models import Forum, Reaction

pytestmark = pytest.mark.django_db


def test_races_a_reaction_added_meanwhile_is_on_not_an_error(cast, thread, monkeypatch):
    post = thread.posts.get()
    delete = QuerySet.delete

    def delete_then_the_other_tab_adds_it(queryset):
        result = delete(queryset)
        if queryset.model is Reaction:
            Reaction.objects.create(post=post, user=cast.member, kind="heart")
        return result

    monkeypatch.setattr(QuerySet, "delete", delete_then_the_other_tab_adds_it)

    assert services.toggle_reaction(post, actor=cast.member, kind="heart") is True

    monkeypatch.undo()
    assert list(Reaction.objects.values_list("user", "kind")) == [(cast.member.pk, "heart")]


def test_races_a_forum_opened_meanwhile_at_the_same_address_is_the_one_returned(cast):
    data = {"name": "Lesson studies", "slug": "lesson-studies", "description": ""}
    form = ForumForm(data, community=cast.public)
    assert form.is_valid()
    # Another facilitator's request opens it after this form was checked.
    other = services.create_forum(
        cast.public, actor=cast.organizer, name="Lesson studies (other tab)", slug="lesson-studies"
    )
    audits = AuditEvent.objects.filter(action="forum.create").count()

    forum = services.create_forum(cast.public, actor=cast.facilitator, **form.cleaned_data)

    assert forum == other
    assert list(Forum.objects.filter(community=cast.public)) == [other]
    # Nothing was created by this call: nothing to audit.
    assert AuditEvent.objects.filter(action="forum.create").count() == audits
