from django import template

from communities import activity

register = template.Library()


@register.filter
def describe_activity(item) -> str:
    return activity.describe(item)
