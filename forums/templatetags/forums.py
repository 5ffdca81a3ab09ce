from django import template

from forums.models import Reaction

register = template.Library()


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
            {"kind": kind, "emoji": emoji, "count": len(names), "names": names, "mine": mine}
        )
    return summary
