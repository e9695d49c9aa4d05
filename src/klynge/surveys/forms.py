"""Forms of the survey builder, the audience, the needs and the result filters. They parse the
input; the services decide what is acceptable (the same rules as the API and the commands)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from klynge.crm.forms import StaffChoiceField
from klynge.crm.selectors import staff_users
from klynge.ecosystem.forms import DirectoryFilterForm, TagsField
from klynge.surveys.audiences import Audience, AudienceKind, Who
from klynge.surveys.models import (
    CONDITION_KINDS,
    KpiKey,
    Question,
    QuestionKind,
    Survey,
)
from klynge.surveys.results import DIMENSIONS
from klynge.surveys.services import QuestionData, allowed_condition_values
from klynge.surveys.texts import LANGUAGE_CODES, SURVEY_LANGUAGES

LANGUAGE_NAMES = dict(SURVEY_LANGUAGES)
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class TranslatedFieldsMixin:
    """One text field per language for each name in `translated` (``title_da``, ``title_en``
    ...), grouped for the template and collected into ``{"da": ..., "en": ...}`` dicts."""

    translated: dict[str, tuple] = {}  # name -> (label, widget factory, max length)
    aliases: dict[str, str] = {}  # a service's field name -> the form's

    def add_translated(self, languages) -> None:
        for name, (_label, widget, max_length) in self.translated.items():
            for code in languages:
                self.fields[f"{name}_{code}"] = forms.CharField(
                    label=LANGUAGE_NAMES[code],
                    required=False,
                    max_length=max_length,
                    widget=widget(),
                )

    def main_language(self) -> str:
        return "en"

    def apply_errors(self, error) -> None:
        """Puts a service's ValidationError on the form: a translated text's message on its
        main-language field, other messages on their field or the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for name, messages in error.message_dict.items():
            name = self.aliases.get(name, name)
            if name not in self.fields and f"{name}_{self.main_language()}" in self.fields:
                name = f"{name}_{self.main_language()}"
            self.add_error(name if name in self.fields else None, messages)

    def texts(self, name: str) -> dict[str, str]:
        return {
            key.rsplit("_", 1)[1]: value.strip()
            for key, value in self.cleaned_data.items()
            if key.rsplit("_", 1)[0] == name and key.rsplit("_", 1)[1] in LANGUAGE_CODES and value
        }

    def translated_groups(self) -> list[tuple[str, str, list]]:
        """(name, legend, bound fields) per translated field, for the template."""
        groups = []
        for name, (label, _widget, _max) in self.translated.items():
            fields = [self[key] for key in self.fields if key.rsplit("_", 1)[0] == name]
            if fields:
                groups.append((name, label, fields))
        return groups

    @staticmethod
    def initial_texts(name: str, texts: dict) -> dict[str, str]:
        return {f"{name}_{code}": value for code, value in (texts or {}).items()}


def _line() -> forms.Widget:
    return forms.TextInput()


def _area(rows: int = 3):
    return lambda: forms.Textarea(attrs={"rows": rows})


class SurveyForm(TranslatedFieldsMixin, forms.Form):
    translated = {
        "title": (_("Title"), _line, 200),
        "intro": (_("Introduction for the respondents"), _area(3), 3000),
    }

    languages = forms.MultipleChoiceField(
        label=_("Languages the survey is offered in"),
        choices=SURVEY_LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Respondents read their own language; every text is needed in each."),
    )
    default_language = forms.ChoiceField(label=_("Main language"), choices=SURVEY_LANGUAGES)
    year = forms.IntegerField(
        label=_("Year"),
        help_text=_("The year the answers are about (the KPIs of that year read them)."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous"),
        required=False,
        help_text=_(
            "Answers cannot be traced to a person or organisation; only the segment "
            "(sector, size, kind, tier) is kept. Cannot be changed once the survey is open."
        ),
    )
    publish_results = forms.BooleanField(
        label=_("Publish the results to members"),
        required=False,
        help_text=_("Members see the aggregated results (groups under 5 are never shown)."),
    )
    closes_at = forms.DateTimeField(label=_("Closes"), required=False, widget=DATETIME_WIDGET)
    reminder_days = forms.IntegerField(
        label=_("Remind after (days)"),
        initial=7,
        help_text=_("Days after the last e-mail before a reminder goes out; 0 for none."),
    )
    max_reminders = forms.IntegerField(label=_("Reminders at most"), initial=2)

    field_order = ["languages", "default_language"]

    def main_language(self) -> str:
        return getattr(self, "cleaned_data", {}).get("default_language") or "da"

    def __init__(self, *args, survey: Survey | None = None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if survey is not None:
            initial.update(
                languages=survey.languages,
                default_language=survey.default_language,
                year=survey.year,
                anonymous=survey.anonymous,
                publish_results=survey.publish_results,
                closes_at=timezone.localtime(survey.closes_at) if survey.closes_at else None,
                reminder_days=survey.reminder_days,
                max_reminders=survey.max_reminders,
                **self.initial_texts("title", survey.title),
                **self.initial_texts("intro", survey.intro),
            )
        else:
            initial.setdefault("languages", ["da", "en"])
            initial.setdefault("year", timezone.localdate().year)
        super().__init__(*args, **kwargs)
        self.add_translated(LANGUAGE_CODES)
        if survey is not None and not survey.is_draft:
            self.fields["anonymous"].disabled = True

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "title": self.texts("title"),
            "intro": self.texts("intro"),
            "languages": data["languages"],
            "default_language": data["default_language"],
            "year": data["year"],
            "anonymous": data["anonymous"],
            "publish_results": data["publish_results"],
            "closes_at": data["closes_at"],
            "reminder_days": data["reminder_days"],
            "max_reminders": data["max_reminders"],
        }


class OpenForm(forms.Form):
    closes_at = forms.DateTimeField(label=_("Open for answers until"), widget=DATETIME_WIDGET)

    def __init__(self, *args, survey: Survey, **kwargs):
        closes = survey.closes_at
        if closes is None or closes <= timezone.now():
            closes = timezone.localtime() + datetime.timedelta(days=21)
            closes = closes.replace(hour=23, minute=59, second=0, microsecond=0)
        kwargs.setdefault("initial", {"closes_at": timezone.localtime(closes)})
        super().__init__(*args, **kwargs)


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


class QuestionForm(TranslatedFieldsMixin, forms.Form):
    """A question in the survey's languages. Options (and matrix rows) are one per line, in
    the same order in every language."""

    translated = {
        "text": (_("Question"), _area(2), 1000),
        "help": (_("Explanation (optional)"), _line, 500),
        "options": (_("Options, or the rows of a matrix (one per line)"), _area(5), 6000),
        "low_label": (_("Label of the lowest value (optional)"), _line, 100),
        "high_label": (_("Label of the highest value (optional)"), _line, 100),
    }

    aliases = {"condition_question": "condition", "condition_values": "condition"}

    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    scale_min = forms.TypedChoiceField(
        label=_("Scale from"),
        choices=[(0, "0"), (1, "1")],
        coerce=int,
        initial=1,
        required=False,
        help_text=_("For scale and matrix questions."),
    )
    scale_max = forms.IntegerField(
        label=_("Scale to"), initial=5, required=False, min_value=1, max_value=10
    )
    condition = forms.MultipleChoiceField(
        label=_("Show only if an earlier answer is"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to always show the question. Choose answers of one question."),
    )
    kpi_key = forms.ChoiceField(
        label=_("Feeds the KPI"),
        required=False,
        choices=[("", _("None")), *KpiKey.choices],
        help_text=_("Yes-or-no questions only; the KPIs of the survey's year read the answers."),
    )

    def __init__(self, *args, survey: Survey, question: Question | None = None, **kwargs):
        self.survey, self.question = survey, question
        initial = kwargs.setdefault("initial", {})
        if question is not None:
            options = list(question.options.all())
            initial.update(
                kind=question.kind,
                required=question.required,
                scale_min=question.scale_min if question.scale_min is not None else 1,
                scale_max=question.scale_max if question.scale_max is not None else 5,
                condition=[
                    f"{question.condition_question_id}:{value}"
                    for value in question.condition_values
                ],
                kpi_key=question.kpi_key,
                **self.initial_texts("text", question.text),
                **self.initial_texts("help", question.help),
                **self.initial_texts("low_label", question.low_label),
                **self.initial_texts("high_label", question.high_label),
                **{
                    f"options_{code}": "\n".join(o.text.get(code, "") for o in options)
                    for code in survey.languages
                    if any(o.text.get(code) for o in options)
                },
            )
        super().__init__(*args, **kwargs)
        self.add_translated(survey.languages)
        self.fields["condition"].choices = self._condition_choices()
        if question is not None and not survey.is_draft:
            for name in ("kind", "required", "scale_min", "scale_max", "condition", "kpi_key"):
                self.fields[name].disabled = True

    def main_language(self) -> str:
        return self.survey.default_language

    def _condition_choices(self) -> list:
        earlier = self.survey.questions.filter(kind__in=CONDITION_KINDS).prefetch_related("options")
        if self.question is not None:
            earlier = earlier.filter(position__lt=self.question.position)
        groups = []
        language = self.survey.default_language
        all_questions = list(self.survey.questions.order_by("position", "id").values_list("pk"))
        numbers = {pk: n for n, (pk,) in enumerate(all_questions, start=1)}
        for source in earlier.order_by("position", "id"):
            values = allowed_condition_values(source)
            labels = {o.value: o.text_for(None, language) for o in source.options.all()}
            labels.update({"yes": _("Yes"), "no": _("No")})
            choices = [(f"{source.pk}:{value}", labels.get(value, value)) for value in values]
            heading = f"{numbers.get(source.pk, '?')}. {source.text_for('text')[:80]}"
            groups.append((heading, choices))
        return groups

    def clean(self):
        data = super().clean()
        languages = self.survey.languages
        main = self.survey.default_language
        lines = {code: _lines(data.get(f"options_{code}", "")) for code in languages}
        count = len(lines.get(main, []))
        for code, found in lines.items():
            if found and len(found) != count:
                self.add_error(
                    f"options_{code}",
                    _(
                        "%(language)s has %(found)s lines and %(main)s has %(count)s: write one "
                        "line per option, in the same order."
                    )
                    % {
                        "language": LANGUAGE_NAMES[code],
                        "found": len(found),
                        "main": LANGUAGE_NAMES[main],
                        "count": count,
                    },
                )
        self.option_lines = lines
        chosen = data.get("condition") or []
        sources = {value.split(":", 1)[0] for value in chosen}
        if len(sources) > 1:
            self.add_error("condition", _("Choose answers of one earlier question only."))
        return data

    def _options(self) -> list[dict]:
        main = self.survey.default_language
        lines = self.option_lines
        existing = list(self.question.options.all()) if self.question is not None else []
        by_text = {o.text.get(main, ""): o.value for o in existing}
        options = []
        for index, main_text in enumerate(lines.get(main, [])):
            texts = {code: found[index] for code, found in lines.items() if index < len(found)}
            if self.question is not None and not self.survey.is_draft:
                value = existing[index].value if index < len(existing) else ""
            else:
                value = by_text.get(main_text, "")
            options.append({"value": value, "text": texts})
        return options

    def question_data(self) -> QuestionData:
        data = self.cleaned_data
        kind = data["kind"]
        condition_question, condition_values = None, []
        if data.get("condition"):
            source_pk = int(data["condition"][0].split(":", 1)[0])
            condition_question = self.survey.questions.prefetch_related("options").get(pk=source_pk)
            condition_values = [value.split(":", 1)[1] for value in data["condition"]]
        has_options = kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.MATRIX)
        return QuestionData(
            kind=kind,
            text=self.texts("text"),
            help=self.texts("help"),
            required=data.get("required", False),
            options=self._options() if has_options else [],
            scale_min=data.get("scale_min"),
            scale_max=data.get("scale_max"),
            low_label=self.texts("low_label"),
            high_label=self.texts("high_label"),
            condition_question=condition_question,
            condition_values=condition_values,
            key=self.question.key if self.question is not None else "",
            kpi_key=data.get("kpi_key") or "",
        )


class NewQuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=QuestionKind.choices)


class AudienceForm(forms.Form):
    """Who to invite: an audience, whom at each organisation, and its parameters. The
    directory filter is the directory's own form (prefix ``directory``)."""

    audience = forms.ChoiceField(
        label=_("Send to"), choices=AudienceKind.choices, widget=forms.RadioSelect
    )
    who = forms.ChoiceField(
        label=_("At each organisation"),
        choices=Who.choices,
        initial=Who.CONTACTS,
        widget=forms.RadioSelect,
        required=False,
    )
    events = forms.TypedMultipleChoiceField(
        label=_("Events"),
        coerce=int,
        required=False,
        help_text=_("For event participants: their confirmed registrations."),
    )
    checked_in_only = forms.BooleanField(label=_("Only those who checked in"), required=False)

    def __init__(self, *args, actor=None, **kwargs):
        super().__init__(*args, **kwargs)
        from klynge.events.models import Event

        events = Event.objects.order_by("-starts_at").only(
            "pk", "title", "title_da", "title_en", "starts_at"
        )[:200]
        self.fields["events"].choices = [
            (event.pk, f"{event.display_title} ({timezone.localtime(event.starts_at):%Y-%m-%d})")
            for event in events
        ]  # fmt: skip
        self.directory_form = DirectoryFilterForm(self.data or None, prefix="directory", tiers=True)

    def audience_value(self) -> Audience:
        data = self.cleaned_data
        directory: dict[str, list[str]] = {}
        if data["audience"] == AudienceKind.DIRECTORY:
            self.directory_form.is_valid()
            for name, value in getattr(self.directory_form, "cleaned_data", {}).items():
                values = value if isinstance(value, list) else ([value] if value else [])
                values = [str(v) for v in values if str(v).strip()]
                if values and name != "sort":
                    directory[name] = values
        return Audience(
            kind=data["audience"],
            who=data.get("who") or Who.CONTACTS,
            directory=directory,
            event_ids=list(data.get("events") or []),
            checked_in_only=data.get("checked_in_only", False),
        )


class NeedForm(forms.Form):
    summary = forms.CharField(label=_("The need, in a few words"), max_length=300)
    tags = TagsField(label=_("Tags"), help_text=_("Separate with commas, e.g. talent, funding."))
    follow_up = forms.BooleanField(
        label=_("Create a follow-up task in the CRM"), required=False, initial=True
    )
    task_title = forms.CharField(label=_("Task"), required=False, max_length=200)
    assignee = StaffChoiceField(label=_("Assigned to"), queryset=staff_users(), required=False)
    due_date = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user=None, answer=None, **kwargs):
        initial = kwargs.setdefault("initial", {})
        if answer is not None:
            initial.setdefault("summary", " ".join(answer.text.split())[:300])
        if user is not None:
            initial.setdefault("assignee", user.pk)
        initial.setdefault("due_date", timezone.localdate() + datetime.timedelta(days=14))
        super().__init__(*args, **kwargs)


class BreakdownForm(forms.Form):
    by = forms.ChoiceField(
        label=_("Break down by"),
        required=False,
        choices=[("", _("No breakdown")), *DIMENSIONS],
    )

    def dimension(self) -> str:
        return self.cleaned_data.get("by", "") if self.is_valid() else ""
