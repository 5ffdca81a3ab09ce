"""Scheduling and changing a cycle: validation only (assessments.services.cycles writes)."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Cycle
from assessments.services.cycles import FIRST_YEAR, LAST_YEAR

DEFAULT_DURATION = timedelta(days=14)
# An assessment open longer than this is a typing mistake (and would overlap its repeats).
LONGEST = timedelta(days=366)
FORMAT = "%Y-%m-%dT%H:%M"


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format=FORMAT, **kwargs)


class CycleForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_at = forms.DateTimeField(
        label=_("Opens"), widget=DateTimeLocalInput(), input_formats=[FORMAT, "%Y-%m-%d %H:%M"]
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"), widget=DateTimeLocalInput(), input_formats=[FORMAT, "%Y-%m-%d %H:%M"]
    )
    recurrence = forms.ChoiceField(
        label=_("Repeat"),
        choices=Cycle.Recurrence.choices,
        required=False,
        help_text=_("A repeating assessment schedules its next cycle when this one closes."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous answers"),
        required=False,
        help_text=_("Nobody, not even facilitators, can see who gave which answers."),
    )
    results_shared = forms.BooleanField(
        label=_("Share the results with members once the assessment closes"), required=False
    )

    def __init__(self, *args, anonymity_locked: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if anonymity_locked:
            self.fields["anonymous"].disabled = True
            self.fields["anonymous"].help_text = _(
                "Members have answered already: this cannot change any more."
            )

    @classmethod
    def initial_for_new(cls, title: str) -> dict:
        now = timezone.localtime().replace(second=0, microsecond=0)
        return {
            "title": title,
            "opens_at": now,
            "closes_at": now + DEFAULT_DURATION,
            "recurrence": "",
            "anonymous": True,
            "results_shared": False,
        }

    @classmethod
    def initial_of(cls, cycle: Cycle) -> dict:
        return {
            "title": cycle.title,
            "opens_at": timezone.localtime(cycle.opens_at),
            "closes_at": timezone.localtime(cycle.closes_at),
            "recurrence": cycle.recurrence,
            "anonymous": cycle.anonymous,
            "results_shared": cycle.results_shared,
        }

    def _clean_moment(self, name: str):
        moment = self.cleaned_data[name]
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise forms.ValidationError(
                _("Choose a date between the years %(first)s and %(last)s."),
                params={"first": FIRST_YEAR, "last": LAST_YEAR},
            )
        return moment

    def clean_opens_at(self):
        return self._clean_moment("opens_at")

    def clean_closes_at(self):
        return self._clean_moment("closes_at")

    def clean(self):
        data = super().clean()
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at:
            if closes_at <= opens_at:
                self.add_error("closes_at", _("The assessment must close after it opens."))
            elif closes_at - opens_at > LONGEST:
                self.add_error("closes_at", _("An assessment stays open for a year at most."))
        return data
