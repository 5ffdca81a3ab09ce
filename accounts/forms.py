"""Account forms: validation only; writes happen in accounts.services."""

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts import services
from accounts.avatars import normalise_avatar
from accounts.models import TIME_ZONE_CHOICES, User


class SignupForm(forms.Form):
    """Extra sign-up fields; allauth mixes this class into its own sign-up form."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_("How other members see you. You can change it later."),
    )

    def signup(self, request, user: User) -> None:
        services.complete_signup_profile(
            user,
            display_name=self.cleaned_data.get("display_name", ""),
            language=get_language() or "",
        )


class ProfileForm(forms.ModelForm):
    """The fields a person edits about themselves on /accounts/profile/."""

    avatar_upload = forms.FileField(
        label=_("Avatar"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/gif,image/webp"}
        ),
    )
    remove_avatar = forms.BooleanField(label=_("Remove my avatar"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)

    field_order = ["avatar_upload", "remove_avatar"]

    class Meta:
        model = User
        fields = list(services.PROFILE_FIELDS)
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["avatar_upload"].help_text = _(
            "JPEG, PNG, GIF or WebP, up to %(limit)s. It is cropped to a square."
        ) % {"limit": filesizeformat(settings.COP_AVATAR_MAX_BYTES)}
        self.fields["language"].choices = [("", _("My browser's language"))] + [
            (code, name) for code, name in settings.LANGUAGES
        ]
        if not self.instance.avatar:
            del self.fields["remove_avatar"]

    def clean_avatar_upload(self):
        upload = self.cleaned_data.get("avatar_upload")
        if not upload:
            return None
        return normalise_avatar(upload)
