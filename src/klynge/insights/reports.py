"""The annual report (the year in review) and the dashboards' figures, built once as data and
then rendered as a web page (templates) or a PDF (`pdf.py`).

The annual report is written to be sent to the board and funders, so it always suppresses
groups of fewer than three organisations.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from klynge.core.charts import Chart, Series, bar_chart, line_chart
from klynge.ecosystem.models import OrganisationKind, SizeBand, TripleHelix
from klynge.insights import kpis, sources
from klynge.insights.models import Highlight, HighlightKind

TREND_YEARS = 5
LANGUAGES = ("da", "en")


def last_complete_year() -> int:
    return timezone.localdate().year - 1


def kpi_charts(trend: dict[int, dict[str, kpis.Kpi]]) -> list[Chart]:
    """The KPIs over the years: value creation against its benchmark, the three rates against
    theirs, and the two shares."""
    years = sorted(trend)
    labels = [str(year) for year in years]

    def values(key, attribute="value"):
        return [getattr(trend[year][key], attribute) for year in years]

    charts = [
        line_chart(
            labels,
            [
                Series(_("Members"), values(kpis.VALUE_CREATION)),
                Series(_("National, same sectors"), values(kpis.VALUE_CREATION, "benchmark")),
            ],
            title=str(kpis.LABELS[kpis.VALUE_CREATION]),
            unit=settings.KLYNGE_CURRENCY,
        )
    ]
    latest = trend[years[-1]]
    rate_keys = (kpis.JOB_CREATION, kpis.OPERATING_MARGIN, kpis.FIRM_FORMATION)
    charts.append(
        bar_chart(
            [str(kpis.LABELS[key]) for key in rate_keys],
            [
                Series(_("Members"), [latest[key].value for key in rate_keys]),
                Series(_("National, same sectors"), [latest[key].benchmark for key in rate_keys]),
            ],
            title=_("Members against the national figures, %(year)s") % {"year": years[-1]},
            unit="%",
        )
    )
    charts.append(
        line_chart(
            labels,
            [
                Series(str(kpis.LABELS[kpis.INNOVATION_FUNDING]), values(kpis.INNOVATION_FUNDING)),
                Series(str(kpis.LABELS[kpis.INNOVATIONS]), values(kpis.INNOVATIONS)),
            ],
            title=_("Innovation among members"),
            unit="%",
        )
    )
    return charts


def suppressed_count(count: int, *, suppress: bool) -> int | None:
    """A count of organisations, or None ("fewer than 3") when it is too small to show."""
    if suppress and 0 < count < kpis.MIN_GROUP:
        return None
    return count


def mix_rows(mix: sources.MemberMix, *, suppress: bool) -> dict[str, list[tuple[str, int | None]]]:
    helix = [
        (str(label), suppressed_count(mix.by_helix.get(value, 0), suppress=suppress))
        for value, label in TripleHelix.choices
    ]
    kinds = [
        (str(label), suppressed_count(mix.by_kind[value], suppress=suppress))
        for value, label in OrganisationKind.choices
        if mix.by_kind.get(value)
    ]
    sizes = [
        (str(label), suppressed_count(mix.by_size.get(value, 0), suppress=suppress))
        for value, label in SizeBand.choices
    ]
    return {"helix": helix, "kinds": kinds, "sizes": sizes}


def mix_chart(rows: list[tuple[str, int | None]], title: str) -> Chart:
    return bar_chart(
        [label if count is not None else f"{label} ({_('fewer than 3')})" for label, count in rows],
        [Series(_("Members"), [count for _label, count in rows])],
        title=title,
    )


@dataclass
class AnnualReport:
    year: int
    language: str
    cluster_name: str
    generated_on: datetime.date
    kpis: dict[str, kpis.Kpi]
    trend: dict[int, dict[str, kpis.Kpi]]
    mix: sources.MemberMix
    mix_rows: dict
    new_members: list[str]
    highlights: dict[str, list[Highlight]]
    activity: sources.Activity
    charts: list[Chart] = field(default_factory=list)
    pillar_rows: list[tuple[str, int, int]] = field(default_factory=list)
    sdg_rows: list[tuple[str, int]] = field(default_factory=list)
    projects_note: str = ""

    @property
    def kpi_list(self) -> list[kpis.Kpi]:
        return [self.kpis[key] for key in kpis.KPI_KEYS]

    @property
    def highlight_sections(self) -> list[tuple[str, list[Highlight]]]:
        return [
            (str(label), self.highlights[value])
            for value, label in HighlightKind.choices
            if self.highlights.get(value)
        ]

    @property
    def sme_share(self) -> float | None:
        if self.mix.firms_with_size < kpis.MIN_GROUP:
            return None
        return self.mix.sme_share


def build_annual_report(year: int, *, language: str) -> AnnualReport:
    """Everything the year in review shows, in `language` (da or en), small groups suppressed."""
    from klynge.ecosystem.taxonomy import SDGS
    from klynge.events.models import Pillar

    with translation.override(language):
        years = list(range(year - TREND_YEARS + 1, year + 1))
        trend = kpis.trend(years, suppress=True)
        mix = sources.member_mix(year)
        rows = mix_rows(mix, suppress=True)
        new_members = list(sources.new_members(year).values_list("name", flat=True))
        highlights: dict[str, list[Highlight]] = {}
        for highlight in Highlight.objects.filter(year=year).select_related("organisation"):
            highlights.setdefault(highlight.kind, []).append(highlight)
        activity = sources.activity(year)
        report = AnnualReport(
            year=year,
            language=language,
            cluster_name=settings.KLYNGE_CLUSTER_NAME,
            generated_on=timezone.localdate(),
            kpis=trend[year],
            trend=trend,
            mix=mix,
            mix_rows=rows,
            new_members=new_members,
            highlights=highlights,
            activity=activity,
            projects_note=_(
                "Projects and funding won are not recorded in Klynge yet, so they are not "
                "counted here."
            ),
        )
        report.pillar_rows = [
            (
                str(label),
                activity.events_by_pillar.get(value, 0),
                activity.participants_by_pillar.get(value, 0),
            )
            for value, label in Pillar.choices
        ]
        report.sdg_rows = [
            (f"{number}. {SDGS.get(number, '')}", count)
            for number, count in sorted(activity.events_by_sdg.items())
        ]
        report.charts = [
            *kpi_charts(trend),
            mix_chart(rows["helix"], _("Members by triple helix")),
        ]
        if any(count for _label, count, _people in report.pillar_rows):
            report.charts.append(
                bar_chart(
                    [label for label, _c, _p in report.pillar_rows],
                    [
                        Series(_("Events"), [c for _l, c, _p in report.pillar_rows]),
                        Series(_("Participants"), [p for _l, _c, p in report.pillar_rows]),
                    ],
                    title=_("Events and participants per strategic pillar"),
                )
            )
    return report
