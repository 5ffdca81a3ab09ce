"""Forum forms: validation only; writes happen in forums.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core.forms import IdField, MultipleFileField
from forums.models import Flag, Forum, Subscription

RESERVED_FORUM_SLUGS = {"new", "latest"}
MAX_ATTACHMENTS = 10


class ForumForm(forms.ModelForm):
    class Meta:
        model = Forum
        fields = ["name", "slug", "description", "kind"]
        widgets = {"kind": forms.RadioSelect}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.fields["slug"].required = False
        self.fields["slug"].help_text = _("Leave empty to make one from the name.")
        # A form sent without the kind (an older page, a script) keeps the forum as it is.
        self.fields["kind"].required = False

    def clean_kind(self):
        return self.cleaned_data.get("kind") or self.instance.kind or Forum.Kind.DISCUSSION

    def clean_slug(self):
        slug = self.cleaned_data.get("slug") or slugify(self.data.get("name", ""))[:60]
        if not slug:
            raise ValidationError(_("Give the forum a name made of letters or digits."))
        if slug in RESERVED_FORUM_SLUGS:
            raise ValidationError(_("This address is reserved; please choose another."))
        others = Forum.objects.filter(community=self.community, slug=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise ValidationError(_("Another forum of this community already uses this address."))
        return slug


class PostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 6, "data-mentions": "on"}),
        help_text=_(
            "Markdown: **bold**, _italic_, lists, tables, ```code```. Mention someone with @."
        ),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=_(
            "Images show in the message; other files are listed below it. Location and "
            "camera details are removed from photos before they are stored."
        ),
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write a message."))
        return body

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        if len(files) > MAX_ATTACHMENTS:
            raise ValidationError(
                _("At most %(max)s files can be attached to one message.")
                % {"max": MAX_ATTACHMENTS}
            )
        return files


class ThreadForm(PostForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    field_order = ["title", "body", "attachments"]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if len(title) < 3:
            raise ValidationError(_("Give the thread a title of a few words."))
        return title


class EditPostForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 8, "data-mentions": "on"}),
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write a message."))
        return body


class SubscriptionForm(forms.Form):
    level = forms.ChoiceField(label=_("Notifications"), choices=Subscription.Level.choices)


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should the facilitators look at this post?"),
        choices=Flag.Reason.choices,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the reason is “Something else”."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Flag.Reason.OTHER and not cleaned.get("text", "").strip():
            self.add_error("text", _("Say in a few words what is wrong."))
        return cleaned


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The author is told this reason."),
    )


class RenameForm(forms.Form):
    title = forms.CharField(label=_("New title"), max_length=200)


class MoveForm(forms.Form):
    forum = forms.ModelChoiceField(label=_("Move to"), queryset=Forum.objects.none())

    def __init__(self, *args, forums, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["forum"].queryset = forums


class ThreadPageForm(forms.Form):
    """A thread page's query: which page to show and which post the reply quotes."""

    page = forms.IntegerField(required=False, min_value=1)
    quote = IdField(required=False)


class AnswerForm(forms.Form):
    """Which post to mark as the answer; `unmark` takes the mark off."""

    post = IdField(required=False)
    unmark = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("unmark") and not cleaned.get("post"):
            raise ValidationError(_("Choose the post that answers the question."))
        return cleaned


class SummaryForm(forms.Form):
    body = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown. What the thread settled, what is still open, and where to read more. "
            "Leave empty to remove the summary."
        ),
    )

    def clean_body(self):
        return self.cleaned_data["body"].strip()
