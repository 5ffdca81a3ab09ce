from django import template

from communities import activity
from communities.tabs import tabs_for

register = template.Library()


@register.filter
def describe_activity(item) -> str:
    return activity.describe(item)


@register.simple_tag(takes_context=True)
def community_tabs(context) -> list:
    """The community's tabs this person sees (communities/tabs.py), the current one marked."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    community = context.get("community")
    if community is None:
        return []
    return tabs_for(community, context.get("access"), match.url_name if match else None)
