"""The dashboard's forms: validation only (writes are in facilitation.dashboard.services)."""

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from communities.models import Community
from forums.models import Forum

NUDGE_MAX = 500


def default_nudge_message(community: Community) -> str:
    """The nudge's text unless the facilitator writes another, in the community's language."""
    with translation.override(community.language):
        return gettext(
            "We would love to hear how your practice is going: a question, something that "
            "worked or a doubt are all welcome in the forums."
        )


def welcome_defaults(community: Community) -> dict:
    """The welcome post's title and body to start from, in the community's language."""
    with translation.override(community.language):
        return {
            "title": gettext("Welcome to %(name)s") % {"name": community.name},
            "body": gettext(
                "Welcome, everyone! This community is for people who practise %(theme)s "
                "and want to improve together.\n\n"
                "Here is how to get started:\n\n"
                "- read the community guidelines;\n"
                "- introduce yourself in the introductions thread;\n"
                "- ask the question you are working on right now: someone here has met it "
                "before.\n\n"
                "The facilitators are here to help: use “Ask the facilitators” on any page."
            )
            % {"theme": community.theme},
        }


def introductions_defaults(community: Community) -> dict:
    """The "introduce yourself" thread's title and body, in the community's language."""
    with translation.override(community.language):
        return {
            "title": gettext("Introduce yourself"),
            "body": gettext(
                "Tell us who you are in a few lines:\n\n"
                "- where you work and what your practice is;\n"
                "- what you would like to learn here;\n"
                "- something you could help others with."
            ),
        }


class NudgeForm(forms.Form):
    message = forms.CharField(
        label=_("Message"),
        max_length=NUDGE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_message(self):
        message = " ".join(self.cleaned_data["message"].split())
        if not message:
            raise forms.ValidationError(_("Write a few words."))
        return message


class StarterThreadForm(forms.Form):
    """The welcome post and the introductions thread: where, a title and a message."""

    forum = forms.ModelChoiceField(label=_("Forum"), queryset=Forum.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(
        label=_("Message"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown: **bold**, _italic_, lists, links."),
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        forums = Forum.objects.filter(community=community, is_archived=False).order_by(
            "position", "name"
        )
        self.fields["forum"].queryset = forums
        if not self.is_bound and self.initial.get("forum") is None:
            first = forums.first()
            if first is not None:
                self.initial["forum"] = first.pk

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Give it a title."))
        return title

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write a message."))
        return body
