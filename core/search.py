"""Full-text search pieces every tool shares: the vector field, the query, safe snippets.

PostgreSQL stores a weighted tsvector per searchable row (behind a GIN index) and searches it
with web-style queries in English, French and as written; the embedded mode (SQLite) falls back
to substring matches. Snippets are escaped before the matches are marked.
"""

from django.contrib.postgres.search import SearchVectorField as PostgresSearchVectorField

# The text search configuration of a community's language.
SEARCH_CONFIGS = {"en": "english", "fr": "french"}


class SearchVectorField(PostgresSearchVectorField):
    """A tsvector on PostgreSQL; plain text elsewhere (the embedded mode searches by substring)."""

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


HIGHLIGHT_START = "\u0002"
HIGHLIGHT_STOP = "\u0003"
# ts_headline parses its document as HTML and drops whatever looks like a tag ("x<y and b>c"
# becomes "x c", "<script>" vanishes), although posts are markdown that shows such text as
# written: "<" goes in as this private-use character and comes back before escaping.
LESS_THAN_STAND_IN = "\ue000"
SNIPPET_CHARS = 240


def escape_and_mark(text: str) -> str:
    """Escape a snippet, then turn the highlight sentinels into <mark>: nothing the author wrote
    can become markup."""
    from django.utils.html import escape

    return escape(text).replace(HIGHLIGHT_START, "<mark>").replace(HIGHLIGHT_STOP, "</mark>")


def substring_snippet(body: str, words: list[str]) -> str:
    lowered = body.lower()
    positions = [lowered.find(word) for word in words if lowered.find(word) >= 0]
    start = max(min(positions) - 60, 0) if positions else 0
    window = body[start : start + SNIPPET_CHARS]
    for word in sorted(set(words), key=len, reverse=True):
        lowered_window = window.lower()
        index = lowered_window.find(word)
        if index >= 0:
            window = (
                window[:index]
                + HIGHLIGHT_START
                + window[index : index + len(word)]
                + HIGHLIGHT_STOP
                + window[index + len(word) :]
            )
    prefix = "…" if start else ""
    suffix = "…" if start + SNIPPET_CHARS < len(body) else ""
    return prefix + window + suffix


def search_query(query: str):
    """The tsquery of a search box: the words in English, French or as written, web-style."""
    from django.contrib.postgres.search import SearchQuery

    return (
        SearchQuery(query, config="english", search_type="websearch")
        | SearchQuery(query, config="french", search_type="websearch")
        | SearchQuery(query, config="simple", search_type="websearch")
    )


def uses_full_text() -> bool:
    """Whether the database searches the stored vectors (PostgreSQL) or by substring."""
    from django.db import connection

    return connection.vendor == "postgresql"


def ranked_matches(items, query: str, *then_by: str):
    """The rows of `items` whose `search_vector` matches `query`, best first, then `then_by`
    (PostgreSQL only: see uses_full_text)."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    tsquery = search_query(query)
    return (
        items.filter(search_vector=tsquery)
        .annotate(rank=SearchRank(F("search_vector"), tsquery))
        .order_by("-rank", *then_by)
    )
