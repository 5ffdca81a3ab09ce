"""The nine orientations of a community, after Wenger, White & Smith, *Digital Habitats* (2009),
and what the top-ranked ones suggest for the later steps of the wizard.

The organizer ranks the orientations that describe what the community is mostly for; the
orientations ranked among the first TOP_CHOICES preset the forums and the starter folders.
"""

from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

# How many of the first-ranked orientations shape the suggestions.
TOP_CHOICES = 3


@dataclass(frozen=True)
class Orientation:
    key: str
    label: str
    help: str


ORIENTATIONS: tuple[Orientation, ...] = (
    Orientation(
        "meetings",
        _("Meetings"),
        _("Regular gatherings, online or in person, are the heart of the community’s life."),
    ),
    Orientation(
        "open_conversation",
        _("Open-ended conversation"),
        _("Ongoing discussions about whatever members bring, open in time and in topic."),
    ),
    Orientation(
        "projects",
        _("Projects"),
        _("Members work together on shared pieces of work, with goals and deadlines."),
    ),
    Orientation(
        "content",
        _("Content"),
        _("Members create, collect and share documents, tools and resources."),
    ),
    Orientation(
        "access_to_expertise",
        _("Access to expertise"),
        _("Members come to ask questions and get answers from those who know."),
    ),
    Orientation(
        "relationships",
        _("Relationships"),
        _("Getting to know one another and building trust matters most."),
    ),
    Orientation(
        "individual_participation",
        _("Individual participation"),
        _("Each member takes part in their own way, following their own learning path."),
    ),
    Orientation(
        "community_cultivation",
        _("Community cultivation"),
        _("Growing and caring for the community itself: welcoming, roles, facilitation."),
    ),
    Orientation(
        "serving_context",
        _("Serving a context"),
        _("The community serves an organization, a network or a wider cause."),
    ),
)
BY_KEY = {orientation.key: orientation for orientation in ORIENTATIONS}
KEYS = tuple(BY_KEY)


@dataclass(frozen=True)
class ForumSuggestion:
    name: str
    description: str


# The forum every community gets, which the wizard does not let anyone remove.
HELP_FORUM = ForumSuggestion(
    _("Help and how-to"),
    _("Questions about using this site and the community’s tools: no question is too small."),
)

# What each orientation adds to the forums when it is among the top choices.
ORIENTATION_FORUMS: dict[str, tuple[ForumSuggestion, ...]] = {
    "open_conversation": (
        ForumSuggestion(_("Open conversation"), _("Whatever is on your mind about our practice.")),
        ForumSuggestion(_("Ideas to explore"), _("Half-formed ideas, hunches and what-ifs.")),
    ),
    "access_to_expertise": (
        ForumSuggestion(
            _("Questions and answers"),
            _("Ask a question of your practice; those who know answer."),
        ),
    ),
    "meetings": (
        ForumSuggestion(
            _("Meetings"), _("Agendas, notes and follow-ups of our meetings and events.")
        ),
    ),
    "projects": (
        ForumSuggestion(_("Projects"), _("The work we do together: plans, progress, results.")),
    ),
}

# The folders a content-oriented community starts its library with.
STARTER_FOLDERS = (
    _("Guides and how-tos"),
    _("Templates and tools"),
    _("Readings and references"),
)


def top_choices(ranking: list[str]) -> list[str]:
    """The orientations that shape the suggestions: the first-ranked ones."""
    return [key for key in ranking if key in BY_KEY][:TOP_CHOICES]


def suggested_forums(theme: str, ranking: list[str]) -> list[ForumSuggestion]:
    """The forums suggested for a theme and a ranking (the help forum apart: it always comes)."""
    general = ForumSuggestion(
        _("General discussion"),
        format_lazy(
            _("Open discussion on our theme: {theme}."), theme=theme.strip().rstrip(".")[:250]
        )
        if theme.strip()
        else _("Open discussion on our practice."),
    )
    forums = [general]
    for key in top_choices(ranking):
        forums.extend(ORIENTATION_FORUMS.get(key, ()))
    return forums


def starter_folders(ranking: list[str]) -> list[str]:
    """The library's first folders: some when content is among the top choices, else none."""
    return [str(name) for name in STARTER_FOLDERS] if "content" in top_choices(ranking) else []


def presets(ranking: list[str]) -> dict:
    """What the ranking presets, kept in the community's orientation for the facilitators."""
    top = top_choices(ranking)
    return {
        "top": top,
        "starter_folders": "content" in top,
        "questions_forum": "access_to_expertise" in top,
        "meetings_forum": "meetings" in top,
        "more_forums": "open_conversation" in top,
    }
