"""The questionnaire a respondent fills in: one form field per question (and per matrix row),
in the respondent's language. The form parses (an option that is not offered, a text that is
too long); the service (`services.submit_response`) decides the rest (required answers,
ranges, conditions), so a message always lands on the question it is about."""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from klynge.surveys.models import Question, QuestionKind, Survey
from klynge.surveys.services import field_name, parse_answers
from klynge.surveys.services.responses import MAX_ANSWER_TEXT


@dataclass
class Item:
    """A question as the template draws it."""

    number: int
    question: Question
    name: str
    text: str
    help: str
    kind: str
    bound: forms.BoundField | None = None
    rows: list[tuple[str, forms.BoundField]] = field(default_factory=list)
    scale: list[int] = field(default_factory=list)
    low_label: str = ""
    high_label: str = ""
    errors: list[str] = field(default_factory=list)
    condition_field: str = ""
    condition_values: str = ""
    condition_text: str = ""


class AnswerForm(forms.Form):
    def __init__(self, *args, survey: Survey, questions: list[Question], language: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey, self.questions, self.language = survey, questions, language
        default = survey.default_language
        for question in questions:
            question.survey = survey
            name = field_name(question)
            kind = question.kind
            if kind == QuestionKind.MATRIX:
                choices = [(str(v), str(v)) for v in question.scale_range]
                for row in question.options.all():
                    self.fields[field_name(question, row)] = self._choice(
                        row.text_for(language, default), choices, self._range_message(question)
                    )
                continue
            label = question.text_for("text", language)
            if kind == QuestionKind.SINGLE:
                choices = [(o.value, o.text_for(language, default)) for o in question.options.all()]
                self.fields[name] = self._choice(
                    label, choices, _("Choose one of the options offered.")
                )
            elif kind == QuestionKind.MULTIPLE:
                self.fields[name] = forms.MultipleChoiceField(
                    label=label,
                    required=False,
                    choices=[
                        (o.value, o.text_for(language, default)) for o in question.options.all()
                    ],
                    widget=forms.CheckboxSelectMultiple,
                    error_messages={"invalid_choice": _("Choose among the options offered.")},
                )
            elif kind == QuestionKind.YES_NO:
                self.fields[name] = self._choice(
                    label, [("yes", _("Yes")), ("no", _("No"))], _("Answer yes or no.")
                )
            elif kind in (QuestionKind.SCALE, QuestionKind.NPS):
                choices = [(str(v), str(v)) for v in question.scale_range]
                self.fields[name] = self._choice(label, choices, self._range_message(question))
            else:
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=MAX_ANSWER_TEXT,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    error_messages={
                        "max_length": _("At most %(max)s characters.") % {"max": MAX_ANSWER_TEXT}
                    },
                )  # fmt: skip

    @staticmethod
    def _choice(label: str, choices: list, message: str) -> forms.ChoiceField:
        return forms.ChoiceField(
            label=label,
            required=False,
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": message},
        )

    @staticmethod
    def _range_message(question: Question) -> str:
        scale = question.scale_range
        return _("Choose a whole number from %(low)s to %(high)s.") % {
            "low": scale.start,
            "high": scale.stop - 1,
        }

    def clean(self):
        """Every rule at once (required, ranges, conditions), by the service's own check, so
        the respondent sees all that is wrong in one go; the service checks again on saving."""
        data = super().clean()
        _values, errors = parse_answers(self.questions, self.data)
        for name, messages in errors.items():
            target = self._field_for(name)
            if target not in self._errors:
                self.add_error(target, messages)
        return data

    def _field_for(self, name: str) -> str | None:
        """The form field of an answer key (a matrix's first row for the matrix)."""
        if name in self.fields:
            return name
        return next((field for field in self.fields if field.startswith(f"{name}_")), None)

    def service_data(self) -> dict:
        """The parsed answers by answer key, as `services.submit_response` takes them."""
        return {name: value for name, value in self.cleaned_data.items() if value not in ("", [])}

    def apply(self, error: ValidationError) -> None:
        """Puts the service's messages on the questions (or the whole form)."""
        if hasattr(error, "error_dict"):
            for key, messages in error.message_dict.items():
                self.add_error(self._field_for(key), messages)
        else:
            self.add_error(None, error.messages)

    def items(self) -> list[Item]:
        numbers = {q.pk: n for n, q in enumerate(self.questions, start=1)}
        items = []
        language = self.language
        for number, question in enumerate(self.questions, start=1):
            name = field_name(question)
            item = Item(
                number=number,
                question=question,
                name=name,
                text=question.text_for("text", language),
                help=question.text_for("help", language),
                kind=question.kind,
                scale=list(question.scale_range),
                low_label=question.text_for("low_label", language),
                high_label=question.text_for("high_label", language),
            )
            if question.kind == QuestionKind.MATRIX:
                for row in question.options.all():
                    bound = self[field_name(question, row)]
                    item.rows.append((bound.label, bound))
                    item.errors.extend(e for e in bound.errors if e not in item.errors)
            else:
                item.bound = self[name]
                item.errors = list(item.bound.errors)
            if question.condition_question_id:
                source = next(
                    (q for q in self.questions if q.pk == question.condition_question_id), None
                )
                item.condition_field = f"q{question.condition_question_id}"
                item.condition_values = " ".join(question.condition_values)
                item.condition_text = _(
                    "Answer this if your answer to question %(number)s was: %(values)s."
                ) % {
                    "number": numbers.get(question.condition_question_id, "?"),
                    "values": ", ".join(question.condition_labels(language))
                    if source is not None
                    else "",
                }
            items.append(item)
        return items
