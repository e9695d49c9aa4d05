"""The annual report and the evidence pack as PDFs a person sends to the board (reportlab).

Text is set in Bitstream Vera, which reportlab ships, embedded in the file, so æ, ø and å (and
the rest of Latin-1) print the same on every machine. Every page carries the cluster's name,
the report's title and its page number; charts are drawn from the same `core.charts` data the
web page shows.
"""

from __future__ import annotations

import io
from pathlib import Path
from xml.sax.saxutils import escape

import reportlab
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.charts.textlabels import Label
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from klynge.core.charts import Chart, format_value
from klynge.insights import kpis

FONT = "KlyngeSans"
FONT_BOLD = "KlyngeSans-Bold"
# The colour-blind-safe palette of klynge/css/charts.css, in the same order.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


def _register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = Path(reportlab.__file__).parent / "fonts"
    pdfmetrics.registerFont(TTFont(FONT, str(folder / "Vera.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(folder / "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=13)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8, leading=10.5),
        "title": ParagraphStyle("title", parent=base, fontName=FONT_BOLD, fontSize=20, leading=25),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=FONT_BOLD, fontSize=13, leading=17, spaceBefore=10
        ),
        "h3": ParagraphStyle("h3", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=14),
    }


def p(text, style) -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)


def _numbers(values) -> list[float]:
    return [float(v) if v is not None else 0.0 for v in values]


def chart_drawing(chart: Chart, width: float = 170 * mm) -> Drawing:
    """A core chart as a reportlab drawing (bars horizontal, lines over the categories)."""
    if chart.kind == "bar":
        rows = len(chart.categories) * max(len(chart.series), 1)
        height = 30 + rows * 12 + len(chart.categories) * 6
        drawing = Drawing(width, height + 45)
        plot = HorizontalBarChart()
        plot.x, plot.y = 150, 30
        plot.width, plot.height = width - 190, height
        plot.data = [_numbers(s.values) for s in chart.series]
        plot.categoryAxis.categoryNames = [str(c)[:32] for c in chart.categories]
        plot.categoryAxis.reverseDirection = 1
        plot.categoryAxis.labels.fontName = FONT
        plot.categoryAxis.labels.fontSize = 7.5
        plot.valueAxis.labels.fontName = FONT
        plot.valueAxis.labels.fontSize = 7
        plot.valueAxis.valueMin = min(0.0, *(v for s in plot.data for v in s))
        plot.barLabelFormat = "values"
        plot.barLabelArray = [
            [format_value(v, chart.unit) if v is not None else "–" for v in s.values]
            for s in chart.series
        ]
        plot.barLabels.fontName = FONT
        plot.barLabels.fontSize = 7
        plot.barLabels.boxAnchor = "w"
        plot.barLabels.dx = 3
    else:
        height = 120
        drawing = Drawing(width, height + 60)
        plot = HorizontalLineChart()
        plot.x, plot.y = 60, 30
        plot.width, plot.height = width - 80, height
        plot.data = [[float(v) if v is not None else None for v in s.values] for s in chart.series]
        plot.categoryAxis.categoryNames = [str(c) for c in chart.categories]
        plot.categoryAxis.labels.fontName = FONT
        plot.categoryAxis.labels.fontSize = 7.5
        plot.valueAxis.labels.fontName = FONT
        plot.valueAxis.labels.fontSize = 7
        plot.valueAxis.labelTextFormat = lambda value: format_value(value, "")
        plot.joinedLines = 1
        numbers = [v for s in plot.data for v in s if v is not None]
        plot.valueAxis.valueMin = min(0.0, *numbers) if numbers else 0.0
        if not numbers:
            plot.valueAxis.valueMax = 1.0
    for index, _series in enumerate(chart.series):
        colour = colors.HexColor(PALETTE[index % len(PALETTE)])
        if chart.kind == "bar":
            plot.bars[index].fillColor = colour
            plot.bars[index].strokeColor = None
        else:
            plot.lines[index].strokeColor = colour
            plot.lines[index].strokeWidth = 2
    drawing.add(plot)
    if len(chart.series) > 1:
        x = plot.x
        for index, series in enumerate(chart.series):
            colour = colors.HexColor(PALETTE[index % len(PALETTE)])
            drawing.add(Rect(x, 1, 7, 7, fillColor=colour, strokeColor=None))
            drawing.add(String(x + 10, 2, str(series.label), fontName=FONT, fontSize=7.5))
            x += 22 + pdfmetrics.stringWidth(str(series.label), FONT, 7.5)
    title = Label()
    title.setOrigin(0, drawing.height - 8)
    title.boxAnchor = "w"
    title.setText(chart.title)
    title.fontName = FONT_BOLD
    title.fontSize = 9
    drawing.add(title)
    return drawing


def table(rows: list[list], *, widths=None, header: bool = True, styles=None) -> Table:
    styles = styles or _styles()
    data = [[c if isinstance(c, Paragraph) else p(c, styles["small"]) for c in row] for row in rows]
    result = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    commands = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#cccccc")),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        commands.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")))
    result.setStyle(TableStyle(commands))
    return result


def render(story_builder, *, title: str, cluster_name: str) -> bytes:
    """A4 PDF of the flowables `story_builder(styles)` returns, with a footer on every page."""
    _register_fonts()
    buffer = io.BytesIO()
    footer_text = f"{cluster_name} · {title}"

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawString(18 * mm, 10 * mm, footer_text)
        canvas.drawRightString(
            A4[0] - 18 * mm, 10 * mm, _("Page %(number)s") % {"number": document.page}
        )
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=title,
        author=cluster_name,
    )
    document.build(story_builder(_styles()), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def kpi_value(kpi) -> str:
    if kpi.suppressed:
        return _("fewer than 3 organisations")
    if kpi.value is None:
        return _("no data")
    return kpis.format_kpi(kpi.value, kpi.unit)


def annual_report_pdf(report) -> bytes:
    """The year in review as a PDF, in the report's language."""
    with translation.override(report.language):
        title = _("%(cluster)s: the year %(year)s in review") % {
            "cluster": report.cluster_name,
            "year": report.year,
        }

        def story(s):
            flow = [
                p(title, s["title"]),
                p(
                    _("Published %(date)s. All figures are for the members of the year.")
                    % {"date": formats.date_format(report.generated_on, "DATE_FORMAT")},
                    s["small"],
                ),
                Spacer(1, 6 * mm),
                p(_("Highlights"), s["h2"]),
            ]
            activity = report.activity
            flow.append(
                p(
                    _(
                        "%(members)s members, %(new)s new this year; %(events)s events with "
                        "%(participants)s participants; %(hours)s studio hours booked; "
                        "%(meetings)s meetings brokered."
                    )
                    % {
                        "members": report.mix.total,
                        "new": len(report.new_members),
                        "events": activity.events,
                        "participants": activity.participants,
                        "hours": format_value(activity.booked_hours),
                        "meetings": activity.introductions + activity.b2b_meetings,
                    },
                    s["body"],
                )
            )
            if report.new_members:
                flow.append(
                    p(
                        _("New members: %(names)s.") % {"names": ", ".join(report.new_members)},
                        s["body"],
                    )
                )
            for label, items in report.highlight_sections:
                flow.append(p(label, s["h3"]))
                for item in items:
                    flow.append(p(f"{item.title}. {item.text}".strip(), s["body"]))
            flow.append(p(_("Impact: the key figures"), s["h2"]))
            rows = [[_("Figure"), _("Members"), _("National"), _("Compared"), _("Coverage")]]
            for kpi in report.kpi_list:
                rows.append(
                    [
                        kpi.label,
                        kpi_value(kpi),
                        kpis.format_kpi(kpi.benchmark, kpi.unit),
                        kpi.comparison or "–",
                        _("%(with)s of %(members)s members")
                        % {"with": kpi.organisations_with_data, "members": kpi.members},
                    ]
                )
            flow.append(table(rows, widths=[45 * mm, 32 * mm, 30 * mm, 36 * mm, 31 * mm], styles=s))
            flow.append(Spacer(1, 4 * mm))
            flow.append(p(_("How the figures are defined"), s["h3"]))
            for kpi in report.kpi_list:
                text = f"{kpi.label}: {kpi.definition}"
                if kpi.missing_sectors:
                    text += " " + _("No national figure for: %(sectors)s.") % {
                        "sectors": ", ".join(kpi.missing_sectors)
                    }
                flow.append(p(text, s["small"]))
            flow.append(p(_("Charts"), s["h2"]))
            for chart in report.charts:
                flow.append(KeepTogether([chart_drawing(chart), Spacer(1, 4 * mm)]))
            flow.append(p(_("Members and activity"), s["h2"]))
            mix_table = [[_("Triple helix"), _("Members")]] + [
                [label, count if count is not None else _("fewer than 3")]
                for label, count in report.mix_rows["helix"]
            ]
            flow.append(table(mix_table, widths=[80 * mm, 40 * mm], styles=s))
            flow.append(Spacer(1, 3 * mm))
            pillar_table = [[_("Strategic pillar"), _("Events"), _("Participants")]] + [
                [label, events, people] for label, events, people in report.pillar_rows
            ]
            flow.append(table(pillar_table, widths=[80 * mm, 30 * mm, 30 * mm], styles=s))
            if report.activity.top_events:
                flow.append(p(_("Events that stood out"), s["h3"]))
                for event in report.activity.top_events:
                    name = (
                        event["title_da"] if report.language == "da" else event["title_en"]
                    ) or event["title"]
                    flow.append(
                        p(
                            _("%(title)s (%(date)s): %(count)s participants")
                            % {
                                "title": name,
                                "date": formats.date_format(event["starts_at"], "DATE_FORMAT"),
                                "count": event["n"],
                            },
                            s["body"],
                        )
                    )
            flow.append(Spacer(1, 3 * mm))
            flow.append(p(report.projects_note, s["small"]))
            return flow

        return render(story, title=title, cluster_name=report.cluster_name)


def evidence_pdf(pack) -> bytes:
    with translation.override(pack.language):
        title = _("Cluster excellence evidence %(year)s") % {"year": pack.year}

        def story(s):
            flow = [p(title, s["title"]), Spacer(1, 4 * mm)]
            for section, rows in pack.sections:
                flow.append(p(section, s["h2"]))
                data = [[_("Indicator"), _("Value"), _("Source")]] + [
                    [row.label, row.value, row.source] for row in rows
                ]
                flow.append(table(data, widths=[60 * mm, 45 * mm, 69 * mm], styles=s))
            return flow

        return render(story, title=title, cluster_name=pack.cluster_name)
