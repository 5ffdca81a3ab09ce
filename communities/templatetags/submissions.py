"""{% submission_field %}: the hidden one-time key of a create form (communities.submissions)."""

from django import template
from django.utils.html import format_html

from communities.submissions import FIELD, new_key

register = template.Library()


@register.simple_tag
def submission_field() -> str:
    """A hidden input holding a fresh key, each time the form is rendered."""
    # autocomplete=off: a browser restoring form values on reload must not bring back a used key.
    return format_html(
        '<input type="hidden" name="{}" value="{}" autocomplete="off">', FIELD, new_key()
    )
