"""Knowledge forms: validation only; writes happen in facilitation.knowledge.services."""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from communities.permissions import allows_public_knowledge
from facilitation.knowledge import selectors
from facilitation.knowledge.services import PUBLIC_REFUSED, normalise_tags
from facilitation.models import KnowledgeEntry

TITLE_MAX = KnowledgeEntry._meta.get_field("title").max_length
SUMMARY_MAX = KnowledgeEntry._meta.get_field("summary").max_length
TAGS_MAX = KnowledgeEntry._meta.get_field("tags").max_length
# A new entry is looked at again after about six months.
REVIEW_AFTER = timedelta(days=182)


def default_review_date():
    return timezone.localdate() + REVIEW_AFTER


class StewardField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class KnowledgeEntryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=SUMMARY_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Markdown. What the community learned, in your words: the sources are listed below "
            "it, and nothing of them is copied unless you write it here."
        ),
    )
    tags = forms.CharField(
        label=_("Tags"),
        max_length=TAGS_MAX,
        required=False,
        help_text=_("Separated by commas, such as “energy, heritage”."),
    )
    steward = StewardField(
        label=_("Steward"),
        queryset=KnowledgeEntry.objects.none(),
        required=False,
        help_text=_("The member who keeps this entry up to date and confirms it at review."),
    )
    review_on = forms.DateField(
        label=_("Review date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When the steward checks that the entry is still right."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=KnowledgeEntry.Status.choices)
    visibility = forms.ChoiceField(
        label=_("Who may read it"), choices=KnowledgeEntry.Visibility.choices
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["steward"].queryset = selectors.stewards_of(community)
        if not allows_public_knowledge(community):
            self.fields["visibility"].help_text = PUBLIC_REFUSED

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError(_("Give the entry a title."))
        return title

    def clean_summary(self):
        summary = self.cleaned_data["summary"]
        if not summary.strip():
            raise ValidationError(_("Write a summary."))
        return summary.replace("\r\n", "\n").strip("\n") + "\n"

    def clean_tags(self):
        return normalise_tags(self.cleaned_data["tags"])

    def clean_visibility(self):
        visibility = self.cleaned_data["visibility"]
        if visibility == KnowledgeEntry.Visibility.PUBLIC and not allows_public_knowledge(
            self.community
        ):
            raise ValidationError(PUBLIC_REFUSED)
        return visibility


class ReviewForm(forms.Form):
    review_on = forms.DateField(
        label=_("Next review"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def clean_review_on(self):
        review_on = self.cleaned_data["review_on"]
        if review_on <= timezone.localdate():
            raise ValidationError(_("The next review must be after today."))
        return review_on
