"""Atom feeds of a public community: its new threads, for feed readers (who have no session)."""

import html
import re

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from communities.models import Community
from forums import selectors

SUMMARY_CHARACTERS = 600
# Characters XML 1.0 cannot carry, which a pasted message may hold.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def plain_text(body_html: str) -> str:
    """A post's rendered HTML as plain text, shortened for a feed entry."""
    text = html.unescape(strip_tags(body_html or ""))
    text = NOT_XML.sub("", " ".join(text.split()))
    return Truncator(text).chars(SUMMARY_CHARACTERS)


class PlainSummaryAtomFeed(Atom1Feed):
    """Atom whose entry summaries are plain text (Django's are typed "html")."""

    def add_item_elements(self, handler, item):
        description = item.get("description")
        super().add_item_elements(handler, {**item, "description": None})
        if description:
            handler.addQuickElement("summary", description, {"type": "text"})


class ThreadsFeed(Feed):
    """The newest threads of a public community: none of a private one, even to its members."""

    feed_type = PlainSummaryAtomFeed

    def get_object(self, request, slug: str) -> Community:
        community = get_object_or_404(Community, slug=slug)
        if not community.is_public:
            raise Http404
        return community

    def title(self, community: Community) -> str:
        return _("Recent discussions in %(name)s") % {"name": community.name}

    def subtitle(self, community: Community) -> str:
        return community.theme

    def link(self, community: Community) -> str:
        return reverse("latest", args=[community.slug])

    def feed_url(self, community: Community) -> str:
        return reverse("threads_feed", args=[community.slug])

    def items(self, community: Community):
        threads = selectors.feed_threads(community)
        # Each entry's address names the community, already in hand.
        for thread in threads:
            thread.community = community
        return threads

    def item_title(self, thread) -> str:
        return thread.title

    def item_link(self, thread) -> str:
        return thread.get_absolute_url()

    def item_description(self, thread) -> str:
        return plain_text(thread.opening_html)

    def item_author_name(self, thread) -> str:
        return thread.author.name if thread.author else _("Former member")

    def item_pubdate(self, thread):
        return thread.created_at

    def item_updateddate(self, thread):
        return thread.created_at
