"""The value story form: what happened, what it changed, for whom, and the value cycles shown."""

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import ValueCycle, ValueStory

# A short story: a few paragraphs each, not an essay.
TEXT_LIMIT = 5000

# One line on each cycle of the framework, shown under the checkboxes.
CYCLE_EXPLANATIONS = {
    ValueCycle.IMMEDIATE.value: _(
        "The activity itself was worth it: fun, help, a useful exchange."
    ),
    ValueCycle.POTENTIAL.value: _(
        "Something gained for later: a skill, a contact, an idea, a resource, confidence."
    ),
    ValueCycle.APPLIED.value: _("Something was put to use in practice: a method, a tool, advice."),
    ValueCycle.REALIZED.value: _(
        "Using it changed results: better performance, time or money saved, success."
    ),
    ValueCycle.REFRAMING.value: _(
        "It changed how success is defined: new goals, strategies or ways of measuring."
    ),
}


class ValueStoryForm(forms.ModelForm):
    value_cycles = forms.MultipleChoiceField(
        label=_("Value cycles it shows"),
        choices=ValueCycle.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": _("Choose at least one value cycle.")},
    )

    class Meta:
        model = ValueStory
        fields = ["title", "happened", "changed", "for_whom", "value_cycles", "happened_on"]
        widgets = {
            "happened": forms.Textarea(attrs={"rows": 5}),
            "changed": forms.Textarea(attrs={"rows": 4}),
            "happened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "for_whom": _("A member, a team, a school, patients, the community itself…"),
            "happened_on": _("Roughly when it happened: the stories are grouped by quarter."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["happened_on"].input_formats = ["%Y-%m-%d", "%Y-%m"]
        for name in ("happened", "changed"):
            field = self.fields[name]
            field.max_length = TEXT_LIMIT
            field.validators.append(MaxLengthValidator(TEXT_LIMIT))
            field.widget.attrs["maxlength"] = str(TEXT_LIMIT)

    def value_cycle_options(self) -> list[tuple]:
        """Each checkbox of the value cycles with the line explaining its cycle."""
        return [
            (choice, CYCLE_EXPLANATIONS[choice.data["value"]]) for choice in self["value_cycles"]
        ]

    def clean_value_cycles(self) -> list[str]:
        # Kept in the framework's order, whatever order the browser sent them in.
        chosen = set(self.cleaned_data["value_cycles"])
        return [cycle.value for cycle in ValueCycle if cycle.value in chosen]

    def clean_happened_on(self):
        when = self.cleaned_data["happened_on"]
        if when > timezone.localdate():
            raise forms.ValidationError(_("The story cannot have happened in the future."))
        if when.year < 1900:
            raise forms.ValidationError(_("Enter a date after 1900."))
        return when
