"""The builder's forms: a new survey (blank or from a template), a survey's title, a section, a
question. Validation only; the services write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.builtin import BUILTIN_TEMPLATES, question_count
from assessments.models import Question, Section, ValueCycle

BLANK = "blank"
MAX_OPTIONS = 20
MIN_OPTIONS = 2
OPTION_LENGTH = 200


class NewSurveyForm(forms.Form):
    start = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("For a blank survey; a template brings its own title, which you can change."),
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["start"].choices = [
            *((key, title) for key, (title, _description, _sections) in BUILTIN_TEMPLATES.items()),
            (BLANK, _("A blank survey")),
        ]
        self.fields["start"].initial = BLANK

    def clean(self):
        data = super().clean()
        if data.get("start") == BLANK and not data.get("title", "").strip():
            self.add_error("title", _("Give the blank survey a title."))
        return data

    @staticmethod
    def templates() -> list[dict]:
        """The built-in templates as the page lists them."""
        return [
            {
                "key": key,
                "title": title,
                "description": description,
                "questions": question_count(key),
            }
            for key, (title, description, _sections) in BUILTIN_TEMPLATES.items()
        ]


class SurveyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Shown to members above the section's questions."),
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class QuestionForm(forms.Form):
    """A question of any kind; the fields that do not apply to the chosen kind are emptied."""

    section = forms.ModelChoiceField(
        label=_("Section"), queryset=Section.objects.none(), empty_label=None
    )
    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("Question"), max_length=500)
    help_text = forms.CharField(
        label=_("Help text"),
        max_length=500,
        required=False,
        help_text=_("An optional hint shown under the question."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    low_label = forms.CharField(
        label=_("Label of 1 (scale only)"),
        max_length=80,
        required=False,
        help_text=_("What the lowest point of the scale means, e.g. “Not at all”."),
    )
    high_label = forms.CharField(
        label=_("Label of 5 (scale only)"),
        max_length=80,
        required=False,
        help_text=_("What the highest point of the scale means, e.g. “A great deal”."),
    )
    options = forms.CharField(
        label=_("Options (choices only)"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One option a line: from 2 to 20 options, each one different."),
    )
    min_value = forms.DecimalField(
        label=_("Smallest number allowed (numbers only)"),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    max_value = forms.DecimalField(
        label=_("Largest number allowed (numbers only)"),
        max_digits=12,
        decimal_places=2,
        required=False,
    )
    value_cycle = forms.ChoiceField(
        label=_("Value cycle measured"),
        choices=[("", _("None")), *ValueCycle.choices],
        required=False,
        help_text=_(
            "Tag the scale questions that measure a value cycle: the value trends use them."
        ),
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections

    @classmethod
    def initial_for(cls, question: Question) -> dict:
        return {
            "section": question.section_id,
            "kind": question.kind,
            "text": question.text,
            "help_text": question.help_text,
            "required": question.required,
            "low_label": question.low_label,
            "high_label": question.high_label,
            "options": "\n".join(question.options or []),
            "min_value": question.min_value,
            "max_value": question.max_value,
            "value_cycle": question.value_cycle,
        }

    def clean_options(self) -> list[str]:
        options = _lines(self.cleaned_data.get("options", ""))
        if self.data.get(self.add_prefix("kind")) not in (
            Question.Kind.SINGLE,
            Question.Kind.MULTIPLE,
        ):
            return []
        if len(options) < MIN_OPTIONS:
            raise forms.ValidationError(_("Give at least two options, one a line."))
        if len(options) > MAX_OPTIONS:
            raise forms.ValidationError(
                _("Give at most %(max)s options (there are %(count)s).")
                % {"max": MAX_OPTIONS, "count": len(options)}
            )
        seen = set()
        for option in options:
            if len(option) > OPTION_LENGTH:
                raise forms.ValidationError(
                    _("An option is at most %(max)s characters long.") % {"max": OPTION_LENGTH}
                )
            if option.casefold() in seen:
                raise forms.ValidationError(
                    _("The option “%(option)s” is given twice.") % {"option": option}
                )
            seen.add(option.casefold())
        return options

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind != Question.Kind.LIKERT:
            data["low_label"] = data["high_label"] = ""
        else:
            for name in ("low_label", "high_label"):
                if not data.get(name, "").strip() and name not in self.errors:
                    self.add_error(name, _("Say what this end of the scale means."))
        if kind != Question.Kind.NUMBER:
            data["min_value"] = data["max_value"] = None
        elif (
            data.get("min_value") is not None
            and data.get("max_value") is not None
            and data["min_value"] > data["max_value"]
        ):
            self.add_error("max_value", _("The largest number cannot be below the smallest."))
        return data

    def question_fields(self) -> dict:
        """The cleaned values as Question fields (without the section)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": data["text"].strip(),
            "help_text": data["help_text"].strip(),
            "required": data["required"],
            "low_label": data["low_label"].strip(),
            "high_label": data["high_label"].strip(),
            "options": data["options"],
            "min_value": data["min_value"],
            "max_value": data["max_value"],
            "value_cycle": data["value_cycle"],
        }
