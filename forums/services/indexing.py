"""Search vectors of posts (PostgreSQL full-text search; nothing to do in the embedded mode)."""

from django.db.models import Value

from core.search import SEARCH_CONFIGS, uses_full_text
from forums.models import Post, Thread


def index_post(post: Post, title: str) -> None:
    """Store the weighted search vector: the thread's title (A, first post only), the body (B)."""
    if not uses_full_text():
        return
    from django.contrib.postgres.search import SearchVector

    config = SEARCH_CONFIGS.get(post.thread.community.language, "simple")
    vector = SearchVector("body", weight="B", config=config)
    if post.number == 1:
        vector = SearchVector(Value(title), weight="A", config=config) + vector
    Post.objects.filter(pk=post.pk).update(search_vector=vector)


def reindex_thread(thread: Thread) -> None:
    """Recompute the search vectors of a thread's posts (after a rename)."""
    for post in thread.posts.select_related("thread__community"):
        index_post(post, thread.title)
