"""Posts: replying, locked and archived places, editing and its history, quoting, permalinks,
reactions."""

import re

import pytest

from communities.models import AuditEvent, Community
from forums.models import Post, PostRevision, Reaction, Thread
from tests.communities.helpers import after_redirect, htmx, text
from tests.forums.factories import add_replies, start_thread

pytestmark = pytest.mark.django_db

TEXTAREA = re.compile(r'<textarea name="body"[^>]*>(.*?)</textarea>', re.DOTALL)


def _reply_url(thread: Thread) -> str:
    return f"/c/{thread.community.slug}/t/{thread.pk}/reply/"


def _edit_url(post: Post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/edit/"


def _react_url(post: Post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/react/"


def _composer_text(page: str) -> str:
    """What the reply box holds."""
    boxes = TEXTAREA.findall(page)
    assert len(boxes) == 1, f"{len(boxes)} reply boxes"
    return boxes[0].strip()


# --- Replying ---------------------------------------------------------------------------------


def test_posts_reply_redirects_to_the_new_post(cast, thread, member_client):
    response = member_client.post(_reply_url(thread), {"body": "I start with a *picture*."})

    assert response.status_code == 302
    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/?page=1#post-2"
    post = Post.objects.get(thread=thread, number=2)
    assert (post.author, post.body) == (cast.member, "I start with a *picture*.")
    assert post.body_html == "<p>I start with a <em>picture</em>.</p>\n"
    thread.refresh_from_db()
    assert (thread.post_count, thread.last_poster, thread.reply_count) == (2, cast.member, 1)
    page = text(member_client.get(response["Location"]))
    assert 'id="post-2"' in page
    assert "I start with a <em>picture</em>." in page


def test_posts_reply_lands_on_the_page_of_the_new_post(cast, thread, member_client):
    add_replies(thread, [cast.facilitator], 20)

    response = member_client.post(_reply_url(thread), {"body": "The twenty-second post."})

    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/?page=2#post-22"


def test_posts_reply_with_htmx_returns_the_post_and_a_fresh_form(cast, thread, member_client):
    response = member_client.post(
        _reply_url(thread), {"body": "Sent without a reload."}, **htmx("reply")
    )

    assert response.status_code == 200
    fragment = text(response)
    assert "<html" not in fragment
    assert 'id="post-2"' in fragment
    assert "<p>Sent without a reload.</p>" in fragment
    assert 'hx-swap-oob="beforebegin:#new-posts"' in fragment
    assert 'id="reply"' in fragment
    assert _composer_text(fragment) == ""
    assert Post.objects.filter(thread=thread, number=2, author=cast.member).exists()


def test_posts_empty_reply_is_refused_and_kept_in_the_form(cast, thread, member_client):
    plain = member_client.post(_reply_url(thread), {"body": "   "})
    with_htmx = member_client.post(_reply_url(thread), {"body": ""}, **htmx("reply"))

    assert plain.status_code == 400
    assert "Your reply was not posted: please correct the errors below." in text(plain)
    assert with_htmx.status_code == 400
    assert "This field is required." in text(with_htmx)
    assert Post.objects.filter(thread=thread).count() == 1


def test_posts_locked_thread_refuses_replies_from_members(cast, thread, member_client):
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)

    response = member_client.post(_reply_url(thread), {"body": "Can I still add this?"})

    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    assert "This thread is locked: it no longer takes replies." in after_redirect(
        member_client, response
    )
    assert Post.objects.filter(thread=thread).count() == 1
    page = text(member_client.get(thread.get_absolute_url()))
    assert "This thread is locked: it no longer takes replies." in page
    assert 'name="body"' not in page


def test_posts_locked_thread_takes_replies_from_moderators(cast, thread, facilitator_client):
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    assert 'name="body"' in text(facilitator_client.get(thread.get_absolute_url()))

    response = facilitator_client.post(_reply_url(thread), {"body": "Closing note."})

    assert response["Location"] == f"/c/open-practice/t/{thread.pk}/?page=1#post-2"
    assert Post.objects.get(thread=thread, number=2).author == cast.facilitator


def test_posts_archived_community_refuses_replies(cast, thread, member_client):
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)

    response = member_client.post(_reply_url(thread), {"body": "Anyone still here?"})

    assert response.status_code == 302
    assert "This community is archived: it is read-only." in after_redirect(member_client, response)
    assert Post.objects.filter(thread=thread).count() == 1
    page = text(member_client.get(thread.get_absolute_url()))
    assert "This community is archived: it is read-only." in page
    assert 'name="body"' not in page


def test_posts_archived_forum_refuses_replies(cast, forum, thread, member_client):
    forum.is_archived = True
    forum.save(update_fields=["is_archived"])

    response = member_client.post(_reply_url(thread), {"body": "Anyone still here?"})

    assert "This forum is archived: it no longer takes replies." in after_redirect(
        member_client, response
    )
    assert Post.objects.filter(thread=thread).count() == 1


# --- Editing ----------------------------------------------------------------------------------


def test_posts_author_edits_and_the_old_text_is_kept(cast, thread, member_client):
    post = add_replies(thread, [cast.member], 1, body="I use *exit* tickets.")[0]

    response = member_client.post(_edit_url(post), {"body": "I use **exit** tickets daily."})

    assert response.status_code == 302
    assert response["Location"] == f"/c/open-practice/p/{post.pk}/"
    post.refresh_from_db()
    assert post.body == "I use **exit** tickets daily."
    assert "<strong>exit</strong>" in post.body_html
    assert post.edited_at is not None
    revision = PostRevision.objects.get(post=post)
    assert (revision.body, revision.editor) == ("I use *exit* tickets.", cast.member)
    assert not AuditEvent.objects.filter(action="post.edit").exists()
    page = text(member_client.get(thread.get_absolute_url()))
    assert f'href="/c/open-practice/p/{post.pk}/revisions/">edited</a>' in page
    history = text(member_client.get(f"/c/open-practice/p/{post.pk}/revisions/"))
    assert "I use *exit* tickets." in history
    assert "by Mateo Member" in history


def test_posts_unedited_post_has_no_edited_mark(cast, thread, member_client):
    post = add_replies(thread, [cast.member], 1)[0]

    member_client.post(_edit_url(post), {"body": post.body})

    assert not PostRevision.objects.exists()
    page = text(member_client.get(thread.get_absolute_url()))
    assert "/revisions/" not in page


def test_posts_edit_form_holds_the_current_text(cast, thread, member_client):
    post = add_replies(thread, [cast.member], 1, body="Draft > final")[0]

    response = member_client.get(_edit_url(post))

    assert response.status_code == 200
    assert "Draft &gt; final" in text(response)


def test_posts_member_cannot_edit_someone_elses_post(cast, thread, member_client):
    post = thread.posts.get(number=1)

    shown = member_client.get(_edit_url(post))
    posted = member_client.post(_edit_url(post), {"body": "Rewritten by Mateo."})

    assert (shown.status_code, posted.status_code) == (403, 403)
    post.refresh_from_db()
    assert post.body == "How do you start?"
    assert not PostRevision.objects.exists()
    page = text(member_client.get(thread.get_absolute_url()))
    assert f"/p/{post.pk}/edit/" not in page


def test_posts_author_sees_edit_on_their_own_post(cast, thread, member_client):
    post = add_replies(thread, [cast.member], 1)[0]

    page = text(member_client.get(thread.get_absolute_url()))

    assert f"/p/{post.pk}/edit/" in page


def test_posts_silenced_author_sees_no_edit_and_cannot_edit(cast, thread, member_client):
    """The page asks `can_edit_post`, which wants `forum.post`: a silenced member lost it."""
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import Membership

    post = add_replies(thread, [cast.member], 1)[0]
    Membership.objects.filter(community=cast.public, user=cast.member).update(
        silenced_until=timezone.now() + timedelta(days=3)
    )

    page = text(member_client.get(thread.get_absolute_url()))

    assert f"/p/{post.pk}/edit/" not in page
    assert member_client.get(_edit_url(post)).status_code == 403
    assert member_client.post(_edit_url(post), {"body": "Changed."}).status_code == 403


@pytest.mark.parametrize("principal", ["member", "facilitator"])
def test_posts_archived_community_shows_no_edit_and_refuses_it(cast, thread, client_for, principal):
    post = add_replies(thread, [cast.member], 1)[0]
    Community.objects.filter(pk=cast.public.pk).update(status=Community.Status.ARCHIVED)
    client = client_for(principal)

    page = text(client.get(thread.get_absolute_url()))

    assert "read-only" in page
    assert f"/p/{post.pk}/edit/" not in page
    assert f"/p/{thread.posts.get(number=1).pk}/edit/" not in page
    assert client.get(_edit_url(post)).status_code == 403


def test_posts_facilitator_edits_someone_elses_post_and_it_is_audited(
    cast, thread, facilitator_client
):
    post = add_replies(thread, [cast.member], 1, body="Call me at 555 0100.")[0]

    response = facilitator_client.post(_edit_url(post), {"body": "[phone number removed]"})

    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == "[phone number removed]"
    assert post.author == cast.member
    revision = PostRevision.objects.get(post=post)
    assert (revision.body, revision.editor) == ("Call me at 555 0100.", cast.facilitator)
    event = AuditEvent.objects.get(action="post.edit")
    assert (event.actor, event.community, event.target_id) == (
        cast.facilitator,
        cast.public,
        str(post.pk),
    )


def test_posts_edit_with_htmx_returns_the_post(cast, thread, member_client):
    post = add_replies(thread, [cast.member], 1)[0]

    form = member_client.get(_edit_url(post), **htmx(f"post-{post.number}"))
    saved = member_client.post(_edit_url(post), {"body": "Changed in place."}, **htmx("post-2"))

    assert form.status_code == 200
    assert "<html" not in text(form)
    assert 'class="composer edit-form"' in text(form)
    assert saved.status_code == 200
    assert 'id="post-2"' in text(saved)
    assert "<p>Changed in place.</p>" in text(saved)
    assert ">edited</a>" in text(saved)


# --- Quoting and permalinks -------------------------------------------------------------------


def test_posts_quote_prefills_the_reply_with_quoted_lines(cast, thread, member_client):
    post = add_replies(thread, [cast.facilitator], 1, body="First line\nSecond line")[0]

    page = text(member_client.get(f"{thread.get_absolute_url()}?quote={post.pk}"))

    assert _composer_text(page) == "Fatou Facilitator wrote:\n&gt; First line\n&gt; Second line"
    assert f'href="?quote={post.pk}#reply"' in page


def test_posts_quote_of_a_post_of_another_thread_prefills_nothing(
    cast, forum, thread, member_client
):
    elsewhere = start_thread(forum, cast.facilitator, body="Not from this thread").posts.get()

    page = text(member_client.get(f"{thread.get_absolute_url()}?quote={elsewhere.pk}"))

    assert _composer_text(page) == ""


def test_posts_permalink_goes_to_the_right_page(cast, thread, anon_client):
    posts = add_replies(thread, [cast.facilitator, cast.member], 24)
    twentieth, twenty_fifth = posts[18], posts[23]
    assert (twentieth.number, twenty_fifth.number) == (20, 25)

    late = anon_client.get(f"/c/open-practice/p/{twenty_fifth.pk}/")
    early = anon_client.get(f"/c/open-practice/p/{twentieth.pk}/")

    assert late.status_code == 302
    assert late["Location"] == f"/c/open-practice/t/{thread.pk}/?page=2#post-25"
    assert early["Location"] == f"/c/open-practice/t/{thread.pk}/?page=1#post-20"
    assert 'id="post-25"' in text(anon_client.get(late["Location"]))


def test_posts_permalink_of_another_community_is_not_found(cast, private_forum, member_client):
    post = start_thread(private_forum, cast.member).posts.get()

    assert member_client.get(f"/c/open-practice/p/{post.pk}/").status_code == 404


# --- Reactions --------------------------------------------------------------------------------


def test_posts_reaction_toggles(cast, thread, member_client):
    post = thread.posts.get()

    added = member_client.post(_react_url(post), {"kind": "heart"})

    assert added.status_code == 302
    assert added["Location"] == f"/c/open-practice/p/{post.pk}/"
    assert list(Reaction.objects.values_list("user", "kind")) == [(cast.member.pk, "heart")]
    member_client.post(_react_url(post), {"kind": "heart"})
    assert not Reaction.objects.exists()


def test_posts_reactions_one_of_each_kind_per_member(cast, thread, member_client):
    post = thread.posts.get()

    for kind in ("heart", "idea", "heart", "heart", "thumbs_up"):
        member_client.post(_react_url(post), {"kind": kind})

    assert sorted(Reaction.objects.filter(post=post).values_list("kind", flat=True)) == [
        "heart",
        "idea",
        "thumbs_up",
    ]


def test_posts_reactions_show_counts_and_who_reacted(cast, thread, client_for):
    post = thread.posts.get()
    for principal in ("member", "facilitator"):
        client_for(principal).post(_react_url(post), {"kind": "celebrate"})
    client_for("organizer").post(_react_url(post), {"kind": "idea"})

    page = text(client_for("member").get(thread.get_absolute_url()))

    buttons = dict(
        re.findall(r'name="kind" value="(\w+)">\s*<button (.*?)</button>', page, re.DOTALL)
    )
    celebrate, idea, heart = buttons["celebrate"], buttons["idea"], buttons["heart"]
    assert 'aria-pressed="true"' in celebrate
    assert re.search(
        r'title="(Mateo Member, Fatou Facilitator|Fatou Facilitator, Mateo Member)"', celebrate
    )
    assert celebrate.rstrip().endswith("</span> 2")
    assert 'aria-pressed="false"' in idea
    assert 'title="Olga Organizer"' in idea
    assert idea.rstrip().endswith("</span> 1")
    assert heart.rstrip().endswith("</span> 0")


def test_posts_reactions_are_shown_without_buttons_to_visitors(
    cast, thread, client_for, anon_client
):
    post = thread.posts.get()
    client_for("member").post(_react_url(post), {"kind": "heart"})

    page = text(anon_client.get(thread.get_absolute_url()))

    assert 'title="Mateo Member">❤️ 1</span>' in page
    assert "/react/" not in page


def test_posts_reaction_with_htmx_returns_the_reactions(cast, thread, member_client):
    post = thread.posts.get()

    response = member_client.post(
        _react_url(post), {"kind": "thumbs_up"}, **htmx(f"reactions-{post.pk}")
    )

    assert response.status_code == 200
    fragment = text(response)
    assert "<html" not in fragment
    assert fragment.strip().startswith(
        f'<div class="reactions d-flex flex-wrap gap-1" id="reactions-{post.pk}">'
    )
    assert 'aria-pressed="true"' in fragment
    assert 'title="Mateo Member"' in fragment
    assert Reaction.objects.filter(post=post, user=cast.member, kind="thumbs_up").exists()


def test_posts_reaction_of_an_unknown_kind_is_not_found(cast, thread, member_client):
    response = member_client.post(_react_url(thread.posts.get()), {"kind": "angry"})

    assert response.status_code == 404
    assert not Reaction.objects.exists()


def test_posts_outsider_cannot_react_in_a_public_community(cast, thread, outsider_client):
    post = thread.posts.get()

    response = outsider_client.post(_react_url(post), {"kind": "heart"})

    assert response.status_code == 403
    assert not Reaction.objects.exists()
    assert "/react/" not in text(outsider_client.get(thread.get_absolute_url()))
