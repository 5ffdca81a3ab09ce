"""The wizard's steps: validation only. Each step's form turns what was typed into JSON-safe
answers (`answers()`) and back (`initial_from(answers)`); facilitation.wizard.drafts saves them."""

from datetime import date, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from assessments.builtin import BUILTIN_TEMPLATES, question_count
from assessments.models import Cycle
from communities.forms import MAX_BULK_INVITATIONS, BulkInviteForm, BulkLineError
from communities.models import Community
from facilitation.wizard.orientation import HELP_FORUM, ORIENTATIONS

# --- 1. Theme -------------------------------------------------------------------------------


class ThemeForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the community"),
        max_length=120,
        help_text=_("Its web address is made from the name; you can change it later."),
    )
    theme = forms.CharField(
        label=_("Theme statement"),
        max_length=200,
        help_text=_("In a line: what the members care about and want to get better at."),
    )
    practice = forms.CharField(
        label=_("The practice it serves"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Who practises it, where, and what they would like to learn together. "
            "It becomes the community’s description (Markdown is supported)."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the community"),
        choices=settings.LANGUAGES,
        help_text=_("The language its first forums, folders and texts are written in."),
    )

    @staticmethod
    def initial_from(answers: dict) -> dict:
        return dict(answers)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if len(name) < 3:
            raise ValidationError(_("Give the community a name of at least 3 characters."))
        return name

    def clean_theme(self) -> str:
        return " ".join(self.cleaned_data["theme"].split())

    def clean_practice(self) -> str:
        return self.cleaned_data["practice"].strip()

    def answers(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("name", "theme", "practice", "language")}


# --- 2. Orientation -------------------------------------------------------------------------

RANK_CHOICES = [("", _("Not ranked")), *[(str(n), str(n)) for n in range(1, 10)]]


class OrientationForm(forms.Form):
    """A rank (1 for what the community is most for) or none, for each of the nine orientations:
    one select per orientation works with a keyboard and a screen reader, without JavaScript."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for orientation in ORIENTATIONS:
            self.fields[f"rank_{orientation.key}"] = forms.ChoiceField(
                label=orientation.label,
                help_text=orientation.help,
                choices=RANK_CHOICES,
                required=False,
            )

    @staticmethod
    def initial_from(answers: dict) -> dict:
        ranking = answers.get("ranking", [])
        return {f"rank_{key}": str(position) for position, key in enumerate(ranking, start=1)}

    def rank_fields(self):
        return [self[f"rank_{orientation.key}"] for orientation in ORIENTATIONS]

    def clean(self):
        cleaned = super().clean()
        ranks = {
            orientation.key: int(cleaned[f"rank_{orientation.key}"])
            for orientation in ORIENTATIONS
            if cleaned.get(f"rank_{orientation.key}")
        }
        if not ranks and not self.errors:
            raise ValidationError(
                _("Rank at least one orientation: what is the community mostly for?")
            )
        for key, rank in ranks.items():
            if list(ranks.values()).count(rank) > 1:
                self.add_error(
                    f"rank_{key}",
                    _("Rank %(rank)s is given to more than one orientation: give each its own.")
                    % {"rank": rank},
                )
        cleaned["ranking"] = sorted(ranks, key=ranks.get)
        return cleaned

    def answers(self) -> dict:
        return {"ranking": self.cleaned_data["ranking"]}


# --- 3. Privacy and joining -----------------------------------------------------------------


def _field_text(name: str) -> dict:
    field = Community._meta.get_field(name)
    return {"label": field.verbose_name.capitalize(), "help_text": field.help_text}


class PrivacyForm(forms.Form):
    visibility = forms.ChoiceField(
        choices=Community.Visibility.choices, widget=forms.RadioSelect, **_field_text("visibility")
    )
    join_policy = forms.ChoiceField(
        choices=Community.JoinPolicy.choices,
        widget=forms.RadioSelect,
        **_field_text("join_policy"),
    )
    premoderated_posts = forms.IntegerField(
        min_value=0, max_value=50, **_field_text("premoderated_posts")
    )

    @staticmethod
    def initial_from(answers: dict) -> dict:
        return {
            "visibility": Community.Visibility.PUBLIC,
            "join_policy": Community.JoinPolicy.OPEN,
            "premoderated_posts": 0,
        } | answers

    def answers(self) -> dict:
        return {
            key: self.cleaned_data[key]
            for key in ("visibility", "join_policy", "premoderated_posts")
        }


# --- 4. Forums ------------------------------------------------------------------------------

MAX_FORUMS = 20


class ForumRowForm(forms.Form):
    # Both optional: an empty row (the one "add a row" gives) is simply left out.
    name = forms.CharField(label=_("Forum name"), max_length=100, required=False)
    description = forms.CharField(label=_("What it is for"), max_length=300, required=False)


class BaseForumRows(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove this forum")

    def clean(self):
        if any(self.errors):
            return
        seen: set[str] = set()
        reserved = {str(HELP_FORUM.name).casefold()}
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            name = " ".join((form.cleaned_data.get("name") or "").split())
            description = (form.cleaned_data.get("description") or "").strip()
            if not name:
                if description:
                    form.add_error("name", _("Give this forum a name, or remove the row."))
                continue
            if name.casefold() in reserved:
                form.add_error(
                    "name", _("The help forum is always included: give this one another name.")
                )
            elif name.casefold() in seen:
                form.add_error("name", _("Two forums have this name: give each its own."))
            seen.add(name.casefold())
        if any(self.errors):
            raise ValidationError(_("Please correct the forums marked below."))


ForumRows = forms.formset_factory(
    ForumRowForm,
    formset=BaseForumRows,
    extra=0,
    can_delete=True,
    max_num=MAX_FORUMS,
    validate_max=True,
    absolute_max=MAX_FORUMS + 10,
)
FORUM_PREFIX = "forum"


class ForumsForm:
    """The editable list of forums (the help forum apart: always there, never in the list)."""

    def __init__(self, data=None, files=None, *, initial=None):
        self.formset = ForumRows(data, prefix=FORUM_PREFIX, initial=initial)
        self.is_bound = data is not None

    @staticmethod
    def initial_from(answers: dict) -> list[dict]:
        return [dict(row) for row in answers.get("forums", [])]

    def is_valid(self) -> bool:
        return self.formset.is_valid()

    def answers(self) -> dict:
        rows = []
        for form in self.formset.forms:
            if self.formset._should_delete_form(form):
                continue
            name = " ".join((form.cleaned_data.get("name") or "").split())
            if name:
                rows.append({"name": name, "description": form.cleaned_data["description"].strip()})
        return {"forums": rows}


def with_blank_row(typed: dict, prefix: str = FORUM_PREFIX) -> dict:
    """What was typed in the forum rows (lists of values by field name), with one more empty row
    (the "add a row" button)."""
    typed = dict(typed)
    try:
        total = int((typed.get(f"{prefix}-TOTAL_FORMS") or ["0"])[0])
    except (TypeError, ValueError):
        total = 0
    typed[f"{prefix}-TOTAL_FORMS"] = [str(max(0, min(total, MAX_FORUMS - 1)) + 1)]
    return typed


# --- 5. Recruitment -------------------------------------------------------------------------


def _split_addresses(text: str) -> list[tuple[int, str]]:
    """The addresses of a pasted list, numbered, split as the bulk invitation form splits them."""
    lines = []
    number = 0
    for raw_line in text.splitlines():
        for part in raw_line.replace(";", ",").split(","):
            if part.strip():
                number += 1
                lines.append((number, part.strip()))
    return lines


class RecruitmentForm(BulkInviteForm):
    """Who is invited at launch: members by email (pasted or CSV, checked line by line as on the
    invitations page), an invitation link, and co-facilitators."""

    facilitators = forms.CharField(
        label=_("Co-facilitators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Email addresses of people who will facilitate with you: they are invited as "
            "facilitators."
        ),
    )
    create_link = forms.BooleanField(
        label=_("Also create an invitation link to share"),
        required=False,
        help_text=_("Anyone holding the link can join, until it expires or is used up."),
    )
    link_days = forms.IntegerField(
        label=_("The link stays valid for (days)"),
        min_value=1,
        max_value=90,
        initial=14,
        required=False,
    )
    link_max_uses = forms.IntegerField(
        label=_("Maximum number of uses of the link"),
        min_value=1,
        max_value=1000,
        initial=50,
        required=False,
    )

    field_order = [
        "emails",
        "csv_file",
        "message",
        "facilitators",
        "create_link",
        "link_days",
        "link_max_uses",
    ]

    def __init__(self, *args, organizer_email: str = "", **kwargs):
        super().__init__(*args, community=None, **kwargs)
        del self.fields["role"]
        self.fields["emails"].label = _("Invite members by email")
        self.fields["emails"].help_text = _(
            "One address per line (or separated by commas), up to 500. Leave empty to invite "
            "people later."
        )
        self.fields["csv_file"].help_text = _(
            "The first column holding an email address on each row is used; its addresses are "
            "added to the list above."
        )
        self.organizer_email = organizer_email.lower()
        self.facilitator_errors: list[BulkLineError] = []

    @staticmethod
    def initial_from(answers: dict) -> dict:
        initial = {
            "emails": "\n".join(answers.get("emails", [])),
            "facilitators": "\n".join(answers.get("facilitators", [])),
            "message": answers.get("message", ""),
            "create_link": bool(answers.get("link")),
        }
        if answers.get("link"):
            initial["link_days"] = answers["link"]["days"]
            initial["link_max_uses"] = answers["link"]["max_uses"]
        return initial

    def _check(self, lines, errors: list[BulkLineError], taken: set[str]) -> list[str]:
        valid = []
        for number, value in lines:
            address = value.strip("<>\"' ").lower()
            try:
                validate_email(address)
            except ValidationError:
                errors.append(BulkLineError(number, value, str(_("not a valid email address"))))
                continue
            if address == self.organizer_email:
                self.skipped.append(
                    BulkLineError(number, value, str(_("that is you: you are the organizer")))
                )
            elif address in taken:
                self.skipped.append(BulkLineError(number, value, str(_("duplicate in this list"))))
            else:
                valid.append(address)
            taken.add(address)
        return valid

    def clean(self):
        cleaned = forms.Form.clean(self)
        if self.errors:
            return cleaned
        if cleaned.get("create_link"):
            for name in ("link_days", "link_max_uses"):
                if cleaned.get(name) is None:
                    self.add_error(name, _("This field is required."))
        taken: set[str] = set()
        facilitators = self._check(
            _split_addresses(cleaned.get("facilitators") or ""), self.facilitator_errors, taken
        )
        members = self._check(self._lines(), self.line_errors, taken)
        if self.facilitator_errors:
            self.add_error(
                "facilitators",
                ", ".join(f"“{error.value}”" for error in self.facilitator_errors)
                + " — "
                + str(_("not a valid email address")),
            )
        if self.line_errors:
            raise ValidationError(
                ngettext(
                    "%(count)d line is not a valid address. Correct it and try again.",
                    "%(count)d lines are not valid addresses. Correct them and try again.",
                    len(self.line_errors),
                )
                % {"count": len(self.line_errors)}
            )
        if len(members) + len(facilitators) > MAX_BULK_INVITATIONS:
            raise ValidationError(
                _("%(count)s addresses: at most %(max)s can be invited at once.")
                % {"count": len(members) + len(facilitators), "max": MAX_BULK_INVITATIONS}
            )
        cleaned["addresses"] = members
        cleaned["facilitator_addresses"] = facilitators
        return cleaned

    def answers(self) -> dict:
        data = self.cleaned_data
        link = None
        if data["create_link"]:
            link = {"days": data["link_days"], "max_uses": data["link_max_uses"]}
        return {
            "emails": data["addresses"],
            "facilitators": data["facilitator_addresses"],
            "message": data["message"].strip(),
            "link": link,
        }


# --- 6. Assessment rhythm -------------------------------------------------------------------

NO_ASSESSMENT = ""
# How long after the launch the first assessment opens, unless the organizer says otherwise.
FIRST_CYCLE_AFTER = timedelta(days=30)
LATEST_FIRST_CYCLE = timedelta(days=366)


def template_choices() -> list[tuple[str, str]]:
    choices = [(NO_ASSESSMENT, _("None yet: I will schedule one later"))]
    for key, (title, _description, _sections) in BUILTIN_TEMPLATES.items():
        count = question_count(key)
        choices.append(
            (
                key,
                ngettext("%(title)s (%(count)d question)", "%(title)s (%(count)d questions)", count)
                % {"title": title, "count": count},
            )
        )
    return choices


class AssessmentForm(forms.Form):
    template = forms.ChoiceField(
        label=_("Assessment template"), required=False, widget=forms.RadioSelect
    )
    recurrence = forms.ChoiceField(
        label=_("Repeat"),
        choices=Cycle.Recurrence.choices,
        required=False,
        help_text=_("A repeating assessment schedules its next cycle when this one closes."),
    )
    opens_on = forms.DateField(
        label=_("The first assessment opens on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave time for the first members to join; it stays open two weeks."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = template_choices()

    @staticmethod
    def templates() -> list[dict]:
        return [
            {"key": key, "title": title, "description": description}
            for key, (title, description, _sections) in BUILTIN_TEMPLATES.items()
        ]

    @staticmethod
    def initial_from(answers: dict) -> dict:
        today = timezone.localdate()
        return {
            "template": "value_creation",
            "recurrence": Cycle.Recurrence.QUARTERLY,
            "opens_on": (today + FIRST_CYCLE_AFTER).isoformat(),
        } | answers

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("template"):
            opens_on = cleaned.get("opens_on")
            today = timezone.localdate()
            if opens_on is None and "opens_on" not in self.errors:
                self.add_error("opens_on", _("Choose the day the first assessment opens."))
            elif opens_on is not None and opens_on < today:
                self.add_error("opens_on", _("Choose today or a later day."))
            elif opens_on is not None and opens_on > today + LATEST_FIRST_CYCLE:
                self.add_error("opens_on", _("Choose a day within the coming year."))
        return cleaned

    def answers(self) -> dict:
        data = self.cleaned_data
        if not data["template"]:
            return {"template": NO_ASSESSMENT, "recurrence": "", "opens_on": ""}
        opens_on: date = data["opens_on"]
        return {
            "template": data["template"],
            "recurrence": data["recurrence"] or "",
            "opens_on": opens_on.isoformat(),
        }
