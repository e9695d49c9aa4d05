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
        responses = responses.select_related("organisation", "person", "invitation").order_by(
            "organisation__name", "submitted_at", "id"
        )
    else:
        responses = responses.order_by("id")  # random ids: no order of answering
    matrices = {q.pk for q in questions if q.kind == QuestionKind.MATRIX}
    options = {o.pk: o for q in questions for o in q.options.all()}
    # Plain tuples, not model instances: an export may hold hundreds of thousands of answers.
    values: dict = defaultdict(dict)
    for response_id, question_id, option_id, number, text in (
        Answer.objects.filter(response__survey=survey)
        .order_by()
        .values_list("response_id", "question_id", "option_id", "number", "text")
    ):
        row_key = option_id if question_id in matrices else None
        answer = (options.get(option_id), number, text)
        values[response_id].setdefault((question_id, row_key), []).append(answer)
    rows: list[list] = [header]
    for response in responses:
        row: list = []
        if not survey.anonymous:
            row = [
                response.organisation.name if response.organisation else "",
                response.person.full_name if response.person else "",
                response.invitation.email if response.invitation else "",
                _when(response.submitted_at),
                _when(response.changed_at),
                _sectors(response.sector_bits),
                response.size_band,
                response.kind,
                response.tier,
            ]
        given = values.get(response.pk, {})
        for question, matrix_row in columns:
            found = given.get((question.pk, matrix_row.pk if matrix_row else None), [])
            row.append(_value(question, found, language))
        rows.append([cell(value) for value in row])
    return rows


def _value(question, answers: list[tuple], language: str):
    """The cell of one question: answers are (option, number, text) tuples."""
    if not answers:
        return ""
    kind = question.kind
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        chosen = sorted((o for o, _n, _t in answers if o is not None), key=lambda o: o.position)
        return "; ".join(o.text_for(language, language) for o in chosen)
    _option, number, text = answers[0]
    if kind == QuestionKind.YES_NO:
        return _("Yes") if number else _("No")
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
