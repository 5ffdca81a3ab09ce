"""Small helpers shared by the forums tests."""

import re
from datetime import timedelta

from django.utils import timezone

from forums.models import Thread

THREAD_ROW = re.compile(r'<li class="list-group-item thread-row.*?</li>', re.DOTALL)
POST_BODY = re.compile(r'<div class="rendered-markdown post-body">(.*?)</div>', re.DOTALL)


def thread_rows(page: str) -> list[str]:
    """The rows of a thread list, in the order shown."""
    return THREAD_ROW.findall(page)


ROW_TITLE = re.compile(r'<a class="fw-semibold" href="[^"]*">([^<]*)</a>')


def titles_of(page: str) -> list[str]:
    """The titles of a thread list, in the order shown."""
    return [ROW_TITLE.search(row).group(1) for row in thread_rows(page)]


def row_of(page: str, title: str) -> str:
    """The one row of a thread list that shows this title."""
    rows = [row for row in thread_rows(page) if f">{title}</a>" in row]
    assert len(rows) == 1, f"{len(rows)} rows titled {title!r}"
    return rows[0]


def post_bodies(page: str) -> list[str]:
    """The rendered bodies of the posts of a thread page."""
    return POST_BODY.findall(page)


def set_activity(thread: Thread, minutes_ago: int) -> None:
    """Move a thread's last activity into the past (lists order by it)."""
    Thread.objects.filter(pk=thread.pk).update(
        last_activity_at=timezone.now() - timedelta(minutes=minutes_ago)
    )


# --- Moderation ------------------------------------------------------------------------------


def flag_url(post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/flag/"


def hide_url(post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/hide/"


def restore_url(post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/restore/"


def dismiss_url(post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/dismiss/"


def approve_url(post) -> str:
    return f"/c/{post.thread.community.slug}/p/{post.pk}/approve/"


def tools_url(thread) -> str:
    return f"/c/{thread.community.slug}/t/{thread.pk}/tools/"


def queue_url(community) -> str:
    return f"/c/{community.slug}/facilitate/moderation/"


def landing(client, response) -> str:
    """The page a redirect finally leads to (a permalink redirects again), as text."""
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"], follow=True).content.decode()
