"""Templates ask `communities.permissions` about one object; they never re-derive a rule.

    {% load permissions %}
    {% get_permission "can_edit_post" access post as can_edit %}
    {% if can_edit %}…{% endif %}

Only the rules named in `RULES` may be called: each answers from the `Access` and the object
alone, without a query, so asking once per post of a page costs nothing. A rule that needs data
gets it from the selector that fetched the objects, not from here.
"""

from django import template

from communities import permissions

register = template.Library()

RULES = frozenset(
    {
        "can_edit_post",
        "can_see_post",
        "can_see_thread",
        "can_flag",
        "can_post_in",
        "can_suspend",
        "can_silence",
        "can_reinstate",
        "can_change_document",
        "can_see_document",
        "can_change_folder",
        "can_respond",
        "can_see_results",
        "can_edit_story",
    }
)


@register.simple_tag
def get_permission(rule: str, access, *args, **kwargs) -> bool:
    """The answer of `communities.permissions.<rule>(access, *args, **kwargs)`."""
    if rule not in RULES:
        raise template.TemplateSyntaxError(f"{rule!r} is not a permission rule templates may ask")
    if access is None or access == "":
        return False
    return bool(getattr(permissions, rule)(access, *args, **kwargs))
