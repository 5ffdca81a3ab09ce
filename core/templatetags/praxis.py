"""Template helpers shared by every app."""

from django import forms, template
from django.forms.boundfield import BoundField

register = template.Library()


def _widget_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


@register.filter
def bootstrap_widget(field: BoundField) -> str:
    """Render a form field's widget with Bootstrap classes and accessible error references."""
    widget = field.field.widget
    attrs = {"class": " ".join(filter(None, [widget.attrs.get("class"), _widget_class(widget)]))}
    described_by = []
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described_by.append(f"{field.auto_id}_error")
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    return field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(field: BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)
