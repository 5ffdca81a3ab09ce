"""Community forms: validation only; writes happen in communities.services."""

import csv
import io
from dataclasses import dataclass
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from accounts.models import TIME_ZONE_CHOICES, User
from communities import emails, events
from communities.models import Community, Invitation, Membership, SlugRedirect
from communities.services.communities import SETTINGS_FIELDS

MAX_BULK_INVITATIONS = 500
MAX_CSV_BYTES = 1024 * 1024
RESERVED_SLUGS = {"new", "start", "admin", "api", "static", "media"}


class DirectoryForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args, **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("All languages")), *settings.LANGUAGES]


class JoinRequestForm(forms.Form):
    message = forms.CharField(
        label=_("Why would you like to join?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say a few words about your practice; the facilitators read every request."),
    )

    def clean_message(self):
        message = self.cleaned_data["message"].strip()
        if len(message) < 10:
            raise ValidationError(_("Please write at least a sentence (10 characters or more)."))
        return message


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    reply = forms.CharField(
        label=_("Reply (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The member is told this reason."),
    )
    days = forms.IntegerField(
        label=_("For how many days"),
        required=False,
        min_value=1,
        max_value=3650,
        help_text=_("Leave empty to suspend until a facilitator lifts it."),
    )

    def clean(self):
        cleaned = super().clean()
        days = cleaned.get("days")
        cleaned["until"] = timezone.now() + timedelta(days=days) if days else None
        return cleaned


class SilenceForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The member is told this reason and when they can post again."),
    )
    days = forms.IntegerField(label=_("For how many days"), min_value=1, max_value=365, initial=3)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("days"):
            cleaned["until"] = timezone.now() + timedelta(days=cleaned["days"])
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Membership.Role.choices]
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    discipline = forms.CharField(label=_("Discipline"), required=False, max_length=100)
    organization = forms.CharField(label=_("Organization"), required=False, max_length=150)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [("", _("All sectors")), *User.Sector.choices]


class CommunitySettingsForm(forms.ModelForm):
    # The page shows the settings in these groups, in this order.
    GROUPS = (
        (
            _("The community"),
            ("name", "slug", "theme", "description", "language"),
        ),
        (
            _("Who sees it and who joins"),
            ("visibility", "join_policy", "allow_public_knowledge"),
        ),
        (
            _("Moderation"),
            (
                "flag_threshold",
                "premoderated_posts",
                "post_rate_limit",
                "flag_rate_limit",
                "storage_limit_mb",
            ),
        ),
        (
            _("Participation levels"),
            ("core_threshold", "active_threshold", "occasional_threshold"),
        ),
    )

    class Meta:
        model = Community
        fields = list(SETTINGS_FIELDS)
        widgets = {"description": forms.Textarea(attrs={"rows": 8})}

    def groups(self) -> list[tuple[str, list]]:
        """(legend, bound fields) for each group of settings."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    def clean_slug(self):
        slug = self.cleaned_data["slug"].lower()
        if slug in RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved; please choose another."))
        others = Community.objects.exclude(pk=self.instance.pk)
        if others.filter(slug=slug).exists():
            raise ValidationError(_("Another community already uses this address."))
        taken = SlugRedirect.objects.filter(old_slug=slug).exclude(community=self.instance)
        if taken.exists():
            raise ValidationError(_("This address used to belong to another community."))
        return slug

    def clean(self):
        cleaned = super().clean()
        core, active, occasional = (
            cleaned.get(name)
            for name in ("core_threshold", "active_threshold", "occasional_threshold")
        )
        if None not in (core, active, occasional) and not core > active > occasional >= 1:
            raise ValidationError(
                _(
                    "The participation thresholds must go down from core to occasional, and "
                    "occasional must be at least 1."
                )
            )
        return cleaned


class InviteRoleMixin:
    """Limits the role choices to those the inviter may give."""

    def limit_roles(self, allowed_roles: list[str]) -> None:
        self.fields["role"].choices = [
            (value, label) for value, label in Membership.Role.choices if value in allowed_roles
        ]


@dataclass
class BulkLineError:
    line: int
    value: str
    message: str


class BulkInviteForm(InviteRoleMixin, forms.Form):
    """One address, many pasted addresses, or a CSV file: each line checked on its own."""

    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": "ana@example.org\nben@example.org"}),
        help_text=_("One address per line (or separated by commas), up to 500."),
    )
    csv_file = forms.FileField(
        label=_("Or a CSV file"),
        required=False,
        help_text=_("The first column holding an email address on each row is used; up to 500."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="member")
    message = forms.CharField(
        label=_("Personal message (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, community: Community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        self.line_errors: list[BulkLineError] = []
        self.skipped: list[BulkLineError] = []
        self.resent: list[BulkLineError] = []

    def _lines(self) -> list[tuple[int, str]]:
        lines: list[tuple[int, str]] = []
        pasted = self.cleaned_data.get("emails") or ""
        number = 0
        for raw_line in pasted.splitlines():
            for part in raw_line.replace(";", ",").split(","):
                if part.strip():
                    number += 1
                    lines.append((number, part.strip()))
        upload = self.cleaned_data.get("csv_file")
        if upload:
            if upload.size > MAX_CSV_BYTES:
                raise ValidationError(_("The CSV file is larger than 1 MB."))
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError(_("The CSV file must be UTF-8 text.")) from None
            for row_number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
                cells = [cell.strip() for cell in row if cell.strip()]
                if not cells:
                    continue
                address = next((cell for cell in cells if "@" in cell), cells[0])
                if row_number == 1 and "@" not in address:
                    continue  # a header row
                lines.append((row_number, address))
        return lines

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        lines = self._lines()
        if not lines:
            raise ValidationError(_("Enter at least one email address or choose a CSV file."))
        if len(lines) > MAX_BULK_INVITATIONS:
            raise ValidationError(
                _("%(count)s addresses: at most %(max)s can be invited at once.")
                % {"count": len(lines), "max": MAX_BULK_INVITATIONS}
            )
        members = {
            email.lower()
            for email in Membership.objects.filter(community=self.community).values_list(
                "user__email", flat=True
            )
        }
        # An open invitation whose email never reached the mail server (it still waits in the
        # outbox, or was refused) is no reason to skip: inviting again sends it again, if its
        # role is one this inviter may give.
        allowed_roles = {value for value, _label in self.fields["role"].choices}
        invited: set[str] = set()
        never_sent: set[str] = set()
        for email, last_sent_at, role in Invitation.objects.filter(
            community=self.community,
            kind=Invitation.Kind.EMAIL,
            revoked_at__isnull=True,
            use_count=0,
            expires_at__gt=timezone.now(),
        ).values_list("email", "last_sent_at", "role"):
            sendable = last_sent_at is None and role in allowed_roles
            (never_sent if sendable else invited).add(email.lower())
        seen: set[str] = set()
        valid: list[str] = []
        for number, value in lines:
            address = value.strip("<>\"' ").lower()
            try:
                validate_email(address)
            except ValidationError:
                self.line_errors.append(
                    BulkLineError(number, value, str(_("not a valid email address")))
                )
                continue
            if address in seen:
                self.skipped.append(BulkLineError(number, value, str(_("duplicate in this list"))))
            elif address in members:
                self.skipped.append(BulkLineError(number, value, str(_("already a member"))))
            elif address in invited:
                self.skipped.append(BulkLineError(number, value, str(_("already invited"))))
            else:
                if address in never_sent:
                    self.resent.append(
                        BulkLineError(
                            number,
                            value,
                            str(_("already invited, but that invitation had not been sent yet")),
                        )
                    )
                valid.append(address)
            seen.add(address)
        if self.line_errors:
            raise ValidationError(
                ngettext(
                    "%(count)d line is not a valid address; nothing was sent. Correct it and "
                    "try again.",
                    "%(count)d lines are not valid addresses; nothing was sent. Correct them and "
                    "try again.",
                    len(self.line_errors),
                )
                % {"count": len(self.line_errors)}
            )
        if not valid:
            raise ValidationError(
                _("Everyone in this list is already a member or already invited; nothing to send.")
            )
        cleaned["addresses"] = valid
        return cleaned


class InvitationLinkForm(InviteRoleMixin, forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial="member")
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=90, initial=7)
    max_uses = forms.IntegerField(
        label=_("Maximum number of uses"), min_value=1, max_value=1000, initial=25
    )

    def clean(self):
        cleaned = super().clean()
        if "days" in cleaned:
            cleaned["expires_at"] = timezone.now() + timedelta(days=cleaned["days"])
        return cleaned


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("By (email)"), required=False, max_length=320)
    member = forms.CharField(label=_("Concerning"), required=False, max_length=300)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *events.choices(actions)]


# --- Help desk --------------------------------------------------------------------------------


class HelpReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Markdown: **bold**, _italic_, lists, links. Only you and the facilitators read it."
        ),
    )

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write a message."))
        return body


class HelpRequestForm(HelpReplyForm):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    field_order = ["subject", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("What do you need help with?")
        self.fields["body"].help_text = _(
            "Say what you were trying to do and what happened. Only you and the facilitators "
            "read it. Markdown: **bold**, _italic_, lists, links."
        )

    def clean_subject(self):
        subject = self.cleaned_data["subject"].strip()
        if not subject:
            raise ValidationError(_("Give your request a subject."))
        return subject


def safe_asked_from(value: str, *, host: str, secure: bool) -> str:
    """The page a help request was asked from, when it is a page of this site given as a path
    (and its query); "" for anything else (another site, a scheme, a protocol-relative address,
    control characters, a path too long to keep)."""
    value = (value or "").strip()
    if not value.startswith("/") or value.startswith("//") or len(value) > 500:
        return ""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        return ""
    if not url_has_allowed_host_and_scheme(value, allowed_hosts={host}, require_https=secure):
        return ""
    return value


class HelpQueueForm(forms.Form):
    """The facilitators' queue filter (a bad value shows the open requests)."""

    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("open", pgettext_lazy("help request state", "Open")),
            ("answered", pgettext_lazy("help request state", "Answered")),
            ("closed", pgettext_lazy("help request state", "Closed")),
            ("all", pgettext_lazy("help requests", "All")),
        ],
    )


# --- Email preferences (communities.views.email) ----------------------------------------------


class EmailPreferencesForm(forms.Form):
    """A person's choice per kind of email, the digest's frequency, their time zone (when the
    digest arrives, how dates read) and language. Kind fields are named `kind_<name>`."""

    digest_frequency = forms.ChoiceField(
        label=_("Digest"),
        choices=[
            (value, User.DigestFrequency(value).label)
            for value in ("daily", "weekly", "off")  # the usual choices first
        ],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=emails.KINDS["digest"].help_text,
    )
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        help_text=_("Digests arrive in your morning, and dates in emails are in this time zone."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        help_text=_("The language of the pages and emails. Empty: your browser's language."),
    )

    def __init__(self, *args, user: User, kinds: list, **kwargs):
        initial = {
            "digest_frequency": user.digest_frequency,
            "time_zone": user.time_zone,
            "language": user.language,
            **{f"kind_{kind.name}": emails.preference(user, kind.name) for kind in kinds},
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["language"].choices = [("", _("My browser's language")), *settings.LANGUAGES]
        for kind in kinds:
            self.fields[f"kind_{kind.name}"] = forms.ChoiceField(
                label=kind.label,
                help_text=kind.help_text,
                choices=kind.choices,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            )
        self.kinds = kinds

    def kind_fields(self, audience: str) -> list:
        """The bound fields of the kinds for this audience (emails.MEMBERS, FACILITATORS)."""
        return [self[f"kind_{kind.name}"] for kind in self.kinds if kind.audience == audience]

    def preferences(self) -> dict[str, str]:
        return {kind.name: self.cleaned_data[f"kind_{kind.name}"] for kind in self.kinds}
