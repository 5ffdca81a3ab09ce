"""Facilitation forms: validation only."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import IdField


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=200, required=False)
    within = forms.ChoiceField(
        label=_("Look in"),
        required=False,
        choices=[
            ("", _("Discussions and documents")),
            ("posts", _("Discussions")),
            ("documents", _("Documents")),
        ],
    )
    community = forms.SlugField(label=_("Community"), required=False)
    forum = IdField(label=_("Forum"), required=False)
    author = forms.SlugField(label=_("Author (mention name)"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
