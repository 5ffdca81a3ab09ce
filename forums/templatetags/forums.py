from django import template
from django.utils.translation import gettext_lazy as _

from forums.models import Reaction

register = template.Library()

# What screen readers say for each reaction (the emoji alone reads badly).
REACTION_LABELS = {
    Reaction.Kind.THUMBS_UP: _("Thumbs up"),
    Reaction.Kind.HEART: _("Heart"),
    Reaction.Kind.IDEA: _("Idea"),
    Reaction.Kind.CELEBRATE: _("Celebrate"),
}


@register.simple_tag(takes_context=True)
def reaction_summary(context, post) -> list[dict]:
    """Each reaction kind with its count, who reacted, and whether the reader did (prefetched)."""
    user = context.get("user")
    reader = getattr(user, "pk", None)
    summary = []
    for kind, emoji in Reaction.Kind.choices:
        mine = False
        names = []
        for reaction in post.reactions.all():
            if reaction.kind == kind:
                names.append(reaction.user.name)
                mine = mine or reaction.user_id == reader
        summary.append(
            {
                "kind": kind,
                "emoji": emoji,
                "label": REACTION_LABELS[kind],
                "count": len(names),
                "names": names,
                "mine": mine,
            }
        )
    return summary
