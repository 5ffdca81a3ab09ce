"""Guidelines forms: validation only; writes happen in facilitation.guidelines.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from facilitation.models import Guidelines, GuidelinesRevision

BODY_MAX = Guidelines._meta.get_field("body").max_length
NOTE_MAX = GuidelinesRevision._meta.get_field("note").max_length


class GuidelinesForm(forms.Form):
    body = forms.CharField(
        label=_("Guidelines"),
        max_length=BODY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text=_("Markdown: # headings, **bold**, _italic_, lists, links."),
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=NOTE_MAX,
        required=False,
        help_text=_("A line for the history, such as “added a rule on sharing documents”."),
    )

    def clean_body(self):
        body = self.cleaned_data["body"]
        if not body.strip():
            raise ValidationError(_("The guidelines cannot be empty."))
        # Line endings as browsers send them, so an unchanged text is seen as unchanged.
        return body.replace("\r\n", "\n").strip("\n") + "\n"
