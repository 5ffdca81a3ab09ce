"""Reads of the forums, always through the reader's Access.

`access_thread` and `access_post` fetch one object and check it in one call (Http404 for
"missing" and "not yours" alike): views use them, never a helper of their own.
"""

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import User
from communities.permissions import Access, can_see_post, can_see_thread
from core.search import (
    HIGHLIGHT_START,
    HIGHLIGHT_STOP,
    LESS_THAN_STAND_IN,
    escape_and_mark,
    ranked_matches,
    search_query,
    substring_snippet,
    uses_full_text,
)
from forums.models import (
    Attachment,
    Forum,
    Post,
    Reaction,
    ReadState,
    Subscription,
    Thread,
    ThreadSummary,
    ThreadSummaryRevision,
)

PARTICIPANTS_SHOWN = 5


# --- Fetch and check: one call per object kind, 404 for "missing" and "not yours" alike -------


def access_thread(access: Access, thread_id: int, *, moderating: bool = False) -> Thread:
    """The community's thread `thread_id` if the reader may see it; otherwise Http404.

    Its forum, author and community ride along; for a signed-in reader the thread carries
    `my_last_read` (their read marker) and `my_level` (their subscription), which the thread
    page shows. With `moderating`, the thread is one to moderate: found in any state (hidden,
    nothing visible yet) for those who hold `forum.moderate`, and for no one else.
    """
    if moderating and not access.can("forum.moderate"):
        raise Http404
    threads = Thread.objects.filter(community=access.community, pk=thread_id).select_related(
        "forum", "author", "community"
    )
    if access.is_authenticated:
        threads = threads.annotate(
            my_last_read=Subquery(
                ReadState.objects.filter(thread=OuterRef("pk"), user=access.user).values(
                    "last_read_number"
                )[:1]
            ),
            my_level=Subquery(
                Subscription.objects.filter(thread=OuterRef("pk"), user=access.user).values(
                    "level"
                )[:1]
            ),
        )
    thread = threads.first()
    if thread is None:
        raise Http404
    if not moderating and not can_see_thread(access, thread):
        raise Http404
    return thread


def access_post(access: Access, post_id: int, *, content: bool = False) -> Post:
    """The community's post `post_id` if the reader may reach it; otherwise Http404.

    Reaching a post needs its thread visible, and a post held for approval visible; with
    `content`, the post's text must be readable too (not hidden from this reader). Its thread,
    forum, community and author ride along.
    """
    post = (
        Post.objects.filter(pk=post_id, thread__community=access.community)
        .select_related("thread__forum", "thread__community", "author")
        .first()
    )
    if post is None:
        raise Http404
    if not can_see_thread(access, post.thread):
        raise Http404
    if (content or post.is_pending) and not can_see_post(access, post):
        raise Http404
    return post


def forums_of(access: Access, *, include_archived: bool = False) -> QuerySet[Forum]:
    """The community's forums with their thread and post counts and latest activity."""
    if not access.can("community.view"):
        return Forum.objects.none()
    # The community rides along: each row links to its forum, whose URL names the community.
    forums = Forum.objects.filter(community=access.community).select_related("community")
    if not include_archived:
        forums = forums.filter(is_archived=False)
    shown = Q(threads__hidden_at__isnull=True, threads__post_count__gt=0)
    latest = Thread.objects.filter(
        forum=OuterRef("pk"), hidden_at__isnull=True, post_count__gt=0
    ).order_by("-last_activity_at")
    return forums.annotate(
        # Only what every reader may see is counted: hidden and held posts never show here.
        thread_count=Count("threads", filter=shown, distinct=True),
        post_total=Coalesce(Sum("threads__post_count", filter=shown), 0),
        last_activity_at=Max("threads__last_activity_at", filter=shown),
        latest_thread_id=Subquery(latest.values("pk")[:1]),
        latest_thread_title=Subquery(latest.values("title")[:1]),
    ).order_by("position", "name")


def threads_of(access: Access, *, forum: Forum | None = None) -> QuerySet[Thread]:
    """Threads a reader may see: pinned first, then by last activity."""
    if not access.can("community.view"):
        return Thread.objects.none()
    threads = Thread.objects.filter(community=access.community, forum__is_archived=False)
    if forum is not None:
        threads = Thread.objects.filter(forum=forum)
        ordering = ["-is_pinned", "-last_activity_at", "-id"]
    else:
        ordering = ["-last_activity_at", "-id"]
    # Each row links to its thread and (on the latest page) its forum: both URLs name the
    # community, which would otherwise cost a query a row.
    if not access.can("forum.moderate"):
        # Hidden threads, and threads with nothing visible yet (held for approval), show to
        # their author only.
        shown = Q(hidden_at__isnull=True, post_count__gt=0)
        if access.is_authenticated:
            shown |= Q(author=access.user)
        threads = threads.filter(shown)
    threads = threads.select_related("author", "last_poster", "forum__community", "community")
    if access.is_authenticated:
        threads = threads.annotate(
            last_read_number=Subquery(
                ReadState.objects.filter(thread=OuterRef("pk"), user=access.user).values(
                    "last_read_number"
                )[:1]
            )
        )
    return threads.order_by(*ordering)


def with_participants(threads: list[Thread]) -> list[Thread]:
    """Attach `participants` (up to five people who posted) to each thread: two queries."""
    if not threads:
        return threads
    pairs = (
        Post.objects.filter(thread__in=threads, hidden_at__isnull=True, is_pending=False)
        .values_list("thread_id", "author_id")
        .distinct()
        .order_by("thread_id", "author_id")
    )
    by_thread: dict[int, list[int]] = {}
    for thread_id, author_id in pairs:
        if author_id is not None:
            by_thread.setdefault(thread_id, []).append(author_id)
    wanted = {pk for ids in by_thread.values() for pk in ids[:PARTICIPANTS_SHOWN]}
    people = User.objects.in_bulk(wanted)
    for thread in threads:
        ids = by_thread.get(thread.pk, [])[:PARTICIPANTS_SHOWN]
        thread.participants = [people[pk] for pk in ids if pk in people]
    return threads


def posts_of(access: Access, thread: Thread) -> QuerySet[Post]:
    """A thread's posts in order, with authors, attachments and reactions in a few queries."""
    if not access.can("community.view"):
        return Post.objects.none()
    posts = Post.objects.filter(thread=thread)
    if not access.can("forum.moderate"):
        # Held posts show to their author only; hidden ones show as a placeholder.
        held_for_others = Q(is_pending=True)
        if access.is_authenticated:
            held_for_others &= ~Q(author=access.user)
        posts = posts.exclude(held_for_others)
    return (
        posts.select_related("author", "hidden_by")
        .prefetch_related(
            # An attachment's URL names its community: fetched along, not once per file.
            Prefetch("attachments", queryset=Attachment.objects.select_related("community")),
            Prefetch("reactions", queryset=Reaction.objects.select_related("user")),
        )
        .annotate(revision_count=Count("revisions", distinct=True))
        .order_by("number")
    )


def read_state_of(access: Access, thread: Thread) -> int:
    """How far the reader had read this thread (0: never opened)."""
    if not access.is_authenticated:
        return 0
    return (
        ReadState.objects.filter(user=access.user, thread=thread)
        .values_list("last_read_number", flat=True)
        .first()
        or 0
    )


def subscription_level(access: Access, *, thread=None, forum=None) -> str:
    if not access.is_authenticated:
        return ""
    return (
        Subscription.objects.filter(user=access.user, thread=thread, forum=forum)
        .values_list("level", flat=True)
        .first()
        or Subscription.Level.NORMAL
    )


def mention_candidates(access: Access, prefix: str, *, limit: int = 8) -> QuerySet[User]:
    """Active members whose handle or name starts with what was typed after @."""
    if not access.can("forum.post") or not prefix:
        return User.objects.none()
    return (
        User.objects.filter(memberships__community=access.community, memberships__state="active")
        .filter(Q(handle__istartswith=prefix) | Q(display_name__istartswith=prefix))
        .order_by("display_name")[:limit]
    )


# --- Search ---------------------------------------------------------------------------------


def search_posts(
    user,
    query: str,
    *,
    communities=None,
    forum_id: int | None = None,
    author_handle: str = "",
    since=None,
    until=None,
) -> QuerySet[Post]:
    """Posts matching `query` in the communities the person may see, best first.

    PostgreSQL: full-text search on the stored, weighted vector (GIN index), ranked. Elsewhere:
    a plain substring match, newest first. Pass a page of the results to `with_snippets`.
    """
    from communities.permissions import communities_visible_to

    words = query.split()
    if not words:
        return Post.objects.none()
    visible = communities_visible_to(user)
    if communities is not None:
        visible = visible.filter(pk__in=[community.pk for community in communities])
    # Hidden and held posts, and posts of hidden threads, are never found by anyone.
    posts = Post.objects.filter(
        thread__community__in=visible.values("pk"),
        thread__forum__is_archived=False,
        thread__hidden_at__isnull=True,
        hidden_at__isnull=True,
        is_pending=False,
    ).select_related("thread__community", "thread__forum", "author")
    if forum_id:
        posts = posts.filter(thread__forum_id=forum_id)
    if author_handle:
        posts = posts.filter(author__handle=author_handle)
    if since:
        posts = posts.filter(created_at__date__gte=since)
    if until:
        posts = posts.filter(created_at__date__lte=until)
    if uses_full_text():
        return ranked_matches(posts, query, "-created_at", "-id")
    for word in words:
        # The title belongs to the thread's first post, as in the full-text vector.
        posts = posts.filter(Q(body__icontains=word) | Q(number=1, thread__title__icontains=word))
    return posts.order_by("-created_at", "-id")


def with_snippets(posts: list[Post], query: str) -> list[Post]:
    """Give each post of a results page its `snippet`: escaped, with the matches in <mark>."""

    if not posts:
        return posts
    if uses_full_text():
        from django.contrib.postgres.search import SearchHeadline
        from django.db.models import Value
        from django.db.models.functions import Replace

        headlines = dict(
            Post.objects.filter(pk__in=[post.pk for post in posts])
            .annotate(
                headline=SearchHeadline(
                    Replace("body", Value("<"), Value(LESS_THAN_STAND_IN)),
                    search_query(query),
                    start_sel=HIGHLIGHT_START,
                    stop_sel=HIGHLIGHT_STOP,
                    max_words=35,
                    min_words=15,
                    max_fragments=2,
                )
            )
            .values_list("pk", "headline")
        )
        for post in posts:
            headline = headlines.get(post.pk, "").replace(LESS_THAN_STAND_IN, "<")
            post.snippet = escape_and_mark(headline)
        return posts
    words = [word.lower() for word in query.split()]
    for post in posts:
        post.snippet = escape_and_mark(substring_snippet(post.body, words))
    return posts


# --- Moderation -----------------------------------------------------------------------------


def flagged_posts(access: Access) -> QuerySet[Post]:
    """Posts with open flags, newest flag first, with their flags and flaggers (moderators)."""
    from forums.models import Flag

    if not access.can("forum.moderate"):
        return Post.objects.none()
    open_flags = Flag.objects.filter(resolved_at__isnull=True).select_related("user")
    return (
        # `flags__isnull=False` in the same filter makes the join an inner one: on its own,
        # `flags__resolved_at__isnull` also matches every post that has no flag at all.
        Post.objects.filter(
            thread__community=access.community,
            flags__isnull=False,
            flags__resolved_at__isnull=True,
        )
        .annotate(
            open_flag_count=Count("flags", filter=Q(flags__resolved_at__isnull=True)),
            latest_flag_at=Max("flags__created_at", filter=Q(flags__resolved_at__isnull=True)),
        )
        .select_related("thread__community", "thread__forum", "author", "hidden_by")
        .prefetch_related(Prefetch("flags", queryset=open_flags, to_attr="open_flags"))
        .order_by("-latest_flag_at", "-id")
    )


def pending_posts(access: Access) -> QuerySet[Post]:
    """Posts held for approval, oldest first (moderators)."""
    if not access.can("forum.moderate"):
        return Post.objects.none()
    return (
        # A held post a facilitator hid is rejected: it no longer waits (restoring it re-queues).
        Post.objects.filter(
            thread__community=access.community, is_pending=True, hidden_at__isnull=True
        )
        .select_related("thread__community", "thread__forum", "author")
        .order_by("created_at", "id")
    )


# --- What the activity feed calls things (registered in ForumsConfig.ready) -----------------


def thread_labels(ids) -> dict[int, str]:
    """Current titles of the threads still shown (not hidden by moderation)."""
    return dict(
        Thread.objects.filter(pk__in=ids, hidden_at__isnull=True).values_list("pk", "title")
    )


def post_labels(ids) -> dict[int, str]:
    """For each post still shown (neither it nor its thread hidden, not waiting for approval),
    its thread's current title."""
    return dict(
        Post.objects.filter(
            pk__in=ids, hidden_at__isnull=True, is_pending=False, thread__hidden_at__isnull=True
        ).values_list("pk", "thread__title")
    )


# --- Community health (the facilitators' dashboard) -----------------------------------------
# Counts over a whole community, for facilitation.health: no Access here, the dashboard checks
# "community.facilitate" before it asks.


def _shown_posts(community) -> QuerySet[Post]:
    """Posts every member sees: not hidden, not held, in a thread that is not hidden."""
    return Post.objects.filter(
        thread__community=community,
        hidden_at__isnull=True,
        is_pending=False,
        thread__hidden_at__isnull=True,
    )


def _replies_by_others(thread_ref: str = "pk") -> QuerySet[Post]:
    """Visible replies to the outer thread by someone other than its starter."""
    return Post.objects.filter(
        thread=OuterRef(thread_ref), number__gt=1, hidden_at__isnull=True, is_pending=False
    ).exclude(author=OuterRef("author"))


def post_counts(community, *, now, week) -> dict:
    """Visible posts written in the last `week` and in the one before it (one query)."""
    return _shown_posts(community).aggregate(
        this_week=Count("pk", filter=Q(created_at__gt=now - week, created_at__lte=now)),
        last_week=Count("pk", filter=Q(created_at__gt=now - 2 * week, created_at__lte=now - week)),
    )


def unanswered_threads(community, *, older_than) -> QuerySet[Thread]:
    """Visible threads started before `older_than` that nobody but their starter has answered,
    oldest first."""
    from django.db.models import Exists

    return (
        Thread.objects.filter(
            community=community,
            hidden_at__isnull=True,
            post_count__gt=0,
            forum__is_archived=False,
            created_at__lte=older_than,
        )
        .filter(~Exists(_replies_by_others()))
        .select_related("community", "forum", "author")
        .order_by("created_at", "pk")
    )


def first_reply_times(community, *, since) -> QuerySet[Thread]:
    """Visible threads started since `since` that someone other than their starter answered,
    each with `first_reply_at` and `wait` (how long the first such reply took)."""
    from django.db.models import DurationField, ExpressionWrapper, F

    first = _replies_by_others().order_by("created_at").values("created_at")[:1]
    return (
        Thread.objects.filter(
            community=community, hidden_at__isnull=True, post_count__gt=0, created_at__gte=since
        )
        .annotate(first_reply_at=Subquery(first))
        .filter(first_reply_at__isnull=False)
        .annotate(
            wait=ExpressionWrapper(
                F("first_reply_at") - F("created_at"), output_field=DurationField()
            )
        )
    )


def moderation_queue_count(community) -> int:
    """What the review queue holds: posts with open flags plus posts held for approval (as
    `flagged_posts` and `pending_posts` list them), in one query."""
    from django.db.models import Exists

    from forums.models import Flag

    open_flag = Exists(Flag.objects.filter(post=OuterRef("pk"), resolved_at__isnull=True))
    counts = Post.objects.filter(thread__community=community).aggregate(
        flagged=Count("pk", filter=Q(open_flag)),
        pending=Count("pk", filter=Q(is_pending=True, hidden_at__isnull=True)),
    )
    return counts["flagged"] + counts["pending"]


def reply_pairs(community, *, since) -> QuerySet:
    """Replies since `since` grouped by (replier's sector, thread starter's sector): each row
    has `replier_sector`, `starter_sector`, `replies`, `with_organizations` (both people name
    their organization) and `crossing` (those whose organizations differ, ignoring case).

    A reply is a visible post after a thread's first, by someone other than its starter.
    """
    from django.db.models import F
    from django.db.models.functions import Lower, Trim

    both_given = ~Q(author__organization="") & ~Q(thread__author__organization="")
    return (
        _shown_posts(community)
        .filter(
            number__gt=1,
            created_at__gte=since,
            author__isnull=False,
            thread__author__isnull=False,
        )
        .exclude(author=F("thread__author"))
        .annotate(
            replier_sector=F("author__sector"),
            starter_sector=F("thread__author__sector"),
            replier_organization=Lower(Trim("author__organization")),
            starter_organization=Lower(Trim("thread__author__organization")),
        )
        .order_by()
        .values("replier_sector", "starter_sector")
        .annotate(
            replies=Count("pk"),
            with_organizations=Count("pk", filter=both_given),
            crossing=Count(
                "pk",
                filter=both_given & ~Q(replier_organization=F("starter_organization")),
            ),
        )
        .order_by("replier_sector", "starter_sector")
    )


# --- Digests (facilitation.digests) ------------------------------------------------------------
# One query over all the communities of a batch of members; the digest cuts it for each member.
# Only what every member sees: threads and posts neither hidden nor held, forums not archived.


def digest_threads(community_ids, *, since, until) -> list[Thread]:
    """Visible threads of these communities active since `since`, each with its community."""
    return list(
        Thread.objects.filter(
            community_id__in=community_ids,
            hidden_at__isnull=True,
            post_count__gt=0,
            forum__is_archived=False,
            last_activity_at__gte=since,
            created_at__lt=until,
        )
        .select_related("community")
        # What a digest tells of a thread and needs for its address: a batch reads hundreds.
        .only("title", "created_at", "author_id", "community_id", "community__slug")
        .order_by("-last_activity_at", "-pk")
    )


def digest_posts(community_ids, *, since, until) -> list[tuple]:
    """(thread id, created at, number, author id) of the visible posts written in [since,
    until) in the visible threads of these communities."""
    return list(
        Post.objects.filter(
            thread__community_id__in=community_ids,
            thread__hidden_at__isnull=True,
            thread__forum__is_archived=False,
            hidden_at__isnull=True,
            is_pending=False,
            created_at__gte=since,
            created_at__lt=until,
        )
        .order_by()
        .values_list("thread_id", "created_at", "number", "author_id")
    )


def digest_read_states(user_ids, community_ids, *, since) -> dict[tuple[int, int], int]:
    """{(user id, thread id): last post number read} for these people and the threads of these
    communities active since `since`."""
    return {
        (user_id, thread_id): number
        for user_id, thread_id, number in ReadState.objects.filter(
            user_id__in=user_ids,
            thread__community_id__in=community_ids,
            thread__last_activity_at__gte=since,
        ).values_list("user_id", "thread_id", "last_read_number")
    }


# --- Answers and summaries (issue 16) ---------------------------------------------------------


def accepted_answer(thread: Thread) -> Post | None:
    """The post marked as the thread's answer, with its author; None when there is none or it
    is hidden (or held) from readers."""
    if thread.answer_id is None:
        return None
    return (
        Post.objects.filter(pk=thread.answer_id, hidden_at__isnull=True, is_pending=False)
        .select_related("author")
        .first()
    )


def answer_for_reader(access: Access, thread: Thread) -> tuple[Post | None, bool]:
    """(the answer the reader may read, whether an answer is marked but hidden from them)."""
    if thread.answer_id is None:
        return None, False
    post = Post.objects.filter(pk=thread.answer_id).select_related("author").first()
    if post is None:
        return None, False
    if not can_see_post(access, post):
        return None, True
    return post, False


def with_answer_state(threads: QuerySet[Thread], *, unanswered: bool = False) -> QuerySet[Thread]:
    """Threads of a questions forum, each with `is_answered` (an answer marked and visible);
    with `unanswered`, only those without one."""
    answered = Q(answer__isnull=False, answer__hidden_at__isnull=True, answer__is_pending=False)
    threads = threads.annotate(is_answered=ExpressionWrapper(answered, output_field=BooleanField()))
    if unanswered:
        threads = threads.exclude(answered)
    return threads


def thread_summary(thread: Thread) -> ThreadSummary | None:
    """The thread's summary with its author, None when it has none."""
    return ThreadSummary.objects.filter(thread=thread).select_related("author").first()


def thread_summary_text(thread: Thread) -> str:
    """The markdown source of the thread's summary ("" when it has none)."""
    return ThreadSummary.objects.filter(thread=thread).values_list("body", flat=True).first() or ""


def summary_revisions(thread: Thread) -> QuerySet[ThreadSummaryRevision]:
    """Every saved version of the thread's summary, newest first, with its editor."""
    return ThreadSummaryRevision.objects.filter(thread=thread).select_related("editor")


# --- Feeds (issue 16) -------------------------------------------------------------------------

FEED_THREADS = 30


def feed_threads(community) -> list[Thread]:
    """The newest threads every visitor may read (not hidden, something visible, in an open
    forum), each with `opening_html`, its first post's HTML when that post is visible."""
    opening = Post.objects.filter(
        thread=OuterRef("pk"), number=1, hidden_at__isnull=True, is_pending=False
    ).values("body_html")[:1]
    return list(
        Thread.objects.filter(
            community=community,
            hidden_at__isnull=True,
            post_count__gt=0,
            forum__is_archived=False,
        )
        .select_related("author")
        .annotate(opening_html=Subquery(opening))
        .order_by("-created_at", "-pk")[:FEED_THREADS]
    )
