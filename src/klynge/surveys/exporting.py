"""Responses as a table for CSV and XLSX: one row per response, one column per question (a
matrix has one per row). Texts go through `core.spreadsheets.cell`, so no answer runs as a
formula when the file is opened.

An identified survey's export names the organisation and the person and has the segment
columns. An anonymous survey's has neither: four segment values side by side single out an
organisation in a small cluster, so breakdowns of anonymous answers are left to the results
page, which hides small groups. It also waits for five responses, like the results page.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.core.spreadsheets import cell
from klynge.ecosystem.search import TOP_SECTORS
from klynge.surveys.figures import MIN_GROUP
from klynge.surveys.models import Answer, QuestionKind, Response, Survey
from klynge.surveys.services import questions_of


class ExportRefused(Exception):
    pass


def _sectors(bits: int) -> str:
    return ", ".join(slug for bit, slug in enumerate(TOP_SECTORS) if bits & (1 << bit))


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def export_table(survey: Survey) -> list[list]:
    """The header row and one row per response (five queries whatever the size)."""
    responses = Response.objects.filter(survey=survey)
    if survey.anonymous and responses.count() < MIN_GROUP:
        raise ExportRefused(
            _("An anonymous survey can be exported from %(min)s responses on.") % {"min": MIN_GROUP}
        )
    questions = questions_of(survey)
    language = survey.default_language
    header: list[str] = []
    columns: list[tuple] = []  # (question, matrix row or None)
    for number, question in enumerate(questions, start=1):
        text = question.text_for("text", language)
        if question.kind == QuestionKind.MATRIX:
            for row in question.options.all():
                header.append(f"Q{number} {text}: {row.text_for(language, language)}")
                columns.append((question, row))
        else:
            header.append(f"Q{number} {text}")
            columns.append((question, None))
    identity = ["organisation__name", "person__first_name", "person__last_name"]
    identity += ["invitation__email", "submitted_at", "changed_at", "sector_bits"]
    identity += ["size_band", "kind", "tier"]
    if not survey.anonymous:
        header = [
            _("Organisation"),
            _("Person"),
            _("E-mail"),
            _("Answered"),
            _("Changed"),
            _("Sector"),
            _("Size"),
            _("Kind"),
            _("Membership tier"),
            *header,
        ]
        responses = responses.order_by("organisation__name", "submitted_at", "id").values_list(
            Cast("id", CharField()), *identity
        )
    else:
        # Random ids: their order says nothing about the order of answering.
        responses = responses.order_by("id").values_list(Cast("id", CharField()))
    matrices = {q.pk for q in questions if q.kind == QuestionKind.MATRIX}
    # Each option's (position, label) once, not per cell.
    options = {
        o.pk: (o.position, o.text_for(language, language))
        for q in questions
        for o in q.options.all()
    }
    # Plain tuples and text ids, not model instances and UUIDs: an export may hold hundreds of
    # thousands of answers.
    values: dict = defaultdict(dict)
    for response_id, question_id, option_id, number, text in (
        Answer.objects.filter(response__survey=survey)
        .order_by()
        .values_list(Cast("response_id", CharField()), "question_id", "option_id", "number", "text")
    ):
        row_key = option_id if question_id in matrices else None
        answer = (options.get(option_id), number, text)
        values[response_id].setdefault((question_id, row_key), []).append(answer)
    labels = {"yes": _("Yes"), "no": _("No")}
    rows: list[list] = [header]
    for response_id, *fields in responses:
        row: list = []
        if fields:
            name, first, last, email, submitted, changed, bits, size, kind, tier = fields
            row = [
                name or "",
                f"{first or ''} {last or ''}".strip(),
                email or "",
                _when(submitted),
                _when(changed),
                _sectors(bits),
                size,
                kind,
                tier,
            ]
        given = values.get(response_id, {})
        for question, matrix_row in columns:
            found = given.get((question.pk, matrix_row.pk if matrix_row else None), [])
            row.append(_value(question, found, language, labels))
        rows.append([cell(value) for value in row])
    return rows


def _value(question, answers: list[tuple], language: str, labels: dict):
    """The cell of one question: answers are ((position, label) of the option, number, text)."""
    if not answers:
        return ""
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return "; ".join(label for _position, label in sorted(o for o, _n, _t in answers if o))
    _option, number, text = answers[0]
    if kind == QuestionKind.YES_NO:
        return labels["yes"] if number else labels["no"]
    if kind == QuestionKind.TEXT:
        return text
    return number


def csv_bytes(table: list[list]) -> bytes:
    """UTF-8 with a byte order mark, so Excel opens Nordic letters right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(table)
    return ("\ufeff" + buffer.getvalue()).encode()


def xlsx_bytes(table: list[list], sheet_name: str) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name[:31])
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
