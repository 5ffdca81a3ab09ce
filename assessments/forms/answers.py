"""The form a member answers a cycle with, built from the questions of the cycle's revision.

Each question is one field named `q<id>`; `values()` gives what
assessments.services.responses.submit_response expects ({question id: cleaned value}).
Widgets carry their accessibility attributes (aria-describedby to the help and the error,
aria-invalid) so the template renders each input as it is.
"""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.models import Question, Response

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 5000
LIKERT_POINTS = [str(point) for point in range(1, 6)]
REQUIRED = _("Please answer this question.")
REQUIRED_CHOICE = _("Please choose an answer.")


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def _options(question: Question) -> list[tuple[str, str]]:
    return [(str(option), str(option)) for option in question.options or []]


def _plain(number: Decimal) -> str:
    return f"{Decimal(number).normalize():f}"


def _bounds(question: Question) -> str:
    low, high = question.min_value, question.max_value
    if low is not None and high is not None:
        return _("Between %(low)s and %(high)s.") % {"low": _plain(low), "high": _plain(high)}
    if low is not None:
        return _("At least %(low)s.") % {"low": _plain(low)}
    if high is not None:
        return _("At most %(high)s.") % {"high": _plain(high)}
    return ""


def _field_for(question: Question) -> forms.Field:
    kind = question.kind
    common = {
        "label": question.text,
        "required": question.required,
        "help_text": question.help_text,
    }
    if kind == Question.Kind.LIKERT:
        return forms.TypedChoiceField(
            choices=[(point, point) for point in LIKERT_POINTS],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={"required": REQUIRED_CHOICE},
            **common,
        )
    if kind == Question.Kind.SINGLE:
        return forms.ChoiceField(
            choices=_options(question),
            widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
            error_messages={"required": REQUIRED_CHOICE},
            **common,
        )
    if kind == Question.Kind.MULTIPLE:
        return forms.MultipleChoiceField(
            choices=_options(question),
            widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
            error_messages={"required": _("Please choose at least one answer.")},
            **common,
        )
    if kind == Question.Kind.NUMBER:
        common["help_text"] = " ".join(filter(None, [question.help_text, _bounds(question)]))
        return forms.DecimalField(
            max_digits=12,
            decimal_places=2,
            min_value=question.min_value,
            max_value=question.max_value,
            widget=forms.NumberInput(attrs={"class": "form-control", "step": "any"}),
            error_messages={"required": REQUIRED},
            **common,
        )
    if kind == Question.Kind.SHORT_TEXT:
        return forms.CharField(
            max_length=SHORT_TEXT_MAX,
            widget=forms.TextInput(attrs={"class": "form-control"}),
            error_messages={"required": REQUIRED},
            **common,
        )
    return forms.CharField(
        max_length=LONG_TEXT_MAX,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 5}),
        error_messages={"required": REQUIRED},
        **common,
    )


def _initial_value(question: Question, answer) -> object:
    if question.kind == Question.Kind.LIKERT:
        return None if answer.number is None else str(int(answer.number))
    if question.kind == Question.Kind.NUMBER:
        return answer.number.normalize() if isinstance(answer.number, Decimal) else answer.number
    if question.kind == Question.Kind.SINGLE:
        return answer.choices[0] if answer.choices else None
    if question.kind == Question.Kind.MULTIPLE:
        return list(answer.choices)
    return answer.text


def initial_from(questions: list[Question], response: Response | None) -> dict:
    """The form's initial values from a response already given (its answers prefetched)."""
    if response is None:
        return {}
    by_question = {question.pk: question for question in questions}
    return {
        field_name(by_question[answer.question_id]): _initial_value(
            by_question[answer.question_id], answer
        )
        for answer in response.answers.all()
        if answer.question_id in by_question
    }


class AnswerForm(forms.Form):
    """One field per question, in the revision's order."""

    def __init__(self, *args, questions: list[Question], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[field_name(question)] = _field_for(question)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}_helptext"

    def full_clean(self) -> None:
        super().full_clean()
        # Each input says it is wrong and points to its message.
        for name in self.errors:
            if name not in self.fields:
                continue
            attrs = self.fields[name].widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            error_id = f"{self[name].auto_id}_error"
            attrs["aria-describedby"] = " ".join(
                filter(None, [attrs.get("aria-describedby"), error_id])
            )

    def items(self) -> list[tuple[Question, forms.BoundField]]:
        """Each question with its bound field, for the template."""
        return [(question, self[field_name(question)]) for question in self.questions]

    def anchor(self, question: Question) -> str:
        """The id of the question's first input (the error summary links to it)."""
        bound = self[field_name(question)]
        if question.kind in (Question.Kind.LIKERT, Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            return f"{bound.auto_id}_0"
        return bound.auto_id

    def error_summary(self) -> list[dict]:
        """The questions with errors, in order: text, message and where the input is."""
        return [
            {"question": question.text, "error": error, "anchor": self.anchor(question)}
            for question in self.questions
            if (error := self._first_error(question))
        ]

    def _first_error(self, question: Question) -> str:
        errors = self.errors.get(field_name(question))
        return errors[0] if errors else ""

    def values(self) -> dict[int, object]:
        """The cleaned answers, as submit_response takes them."""
        return {
            question.pk: self.cleaned_data.get(field_name(question)) for question in self.questions
        }
