"""The cluster-excellence evidence pack (ESCA / EUCLES benchmarking): the figures a cluster
label asks for, each with where it comes from, as one report (web page, XLSX, PDF).

It leaves the cluster, so small groups are suppressed like on the board view.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _

from klynge.core.charts import format_value
from klynge.core.spreadsheets import cell
from klynge.events.models import EventKind
from klynge.insights import kpis, reports, sources
from klynge.insights.models import ClusterYear, Highlight, HighlightKind
from klynge.matchmaking.models import MatchStage


@dataclass
class Row:
    label: str
    value: str
    source: str


@dataclass
class EvidencePack:
    year: int
    language: str
    cluster_name: str
    sections: list[tuple[str, list[Row]]] = field(default_factory=list)


def _count(count: int | None) -> str:
    return _("fewer than 3") if count is None else str(count)


def _money(amount, currency: str) -> str:
    return f"{formats.number_format(amount, decimal_pos=0, use_l10n=True, force_grouping=True)} {currency}"


def build_evidence_pack(year: int, *, language: str) -> EvidencePack:
    with translation.override(language):
        pack = EvidencePack(year=year, language=language, cluster_name=settings.KLYNGE_CLUSTER_NAME)
        membership = _("Memberships in Klynge (active in the year)")
        mix = sources.member_mix(year)
        rows = reports.mix_rows(mix, suppress=True)
        members = [
            Row(_("Members"), str(mix.total), membership),
            Row(
                _("New members"),
                str(sources.new_members(year).count()),
                _("Memberships in Klynge (first period began in the year)"),
            ),
        ]
        members += [Row(label, _count(count), membership) for label, count in rows["helix"]]
        share = mix.sme_share if mix.firms_with_size >= kpis.MIN_GROUP else None
        members.append(
            Row(
                _("Share of SMEs among member firms"),
                format_value(share, "%") if share is not None else _("fewer than 3"),
                _(
                    "Yearly figures (employees) where given, else the directory's head count; "
                    "%(firms)s member firms with a known size"
                )
                % {"firms": mix.firms_with_size},
            )
        )
        pack.sections.append((_("Members and their mix"), members))

        own = ClusterYear.objects.filter(year=year).prefetch_related("funding_sources").first()
        staff_source = _("Recorded by cluster staff")
        if own is None:
            organisation = [
                Row(
                    _("Budget, staff and funding"),
                    _("not recorded"),
                    _("Staff record them under Insights → The cluster organisation"),
                )
            ]
        else:
            total = own.budget or 0
            organisation = [
                Row(_("Staff (full-time equivalents)"), format_value(own.staff_fte), staff_source),
                Row(_("Budget"), _money(own.budget, own.currency), staff_source),
            ]
            for source in own.funding_sources.all():
                percent = f" ({format_value(100 * source.amount / total, '%')})" if total else ""
                organisation.append(
                    Row(
                        f"{source.get_kind_display()}: {source.name}".rstrip(": "),
                        _money(source.amount, own.currency) + percent,
                        staff_source,
                    )
                )
        pack.sections.append((_("The cluster organisation"), organisation))

        activity = sources.activity(year)
        events_source = _("Events in Klynge (published, confirmed registrations)")
        services = [
            Row(_("Events"), str(activity.events), events_source),
            Row(_("Participants"), str(activity.participants), events_source),
            Row(_("Participants checked in"), str(activity.checked_in), events_source),
        ]
        kind_labels = dict(EventKind.choices)
        services += [
            Row(str(kind_labels.get(kind, kind)), str(count), events_source)
            for kind, count in sorted(activity.events_by_kind.items())
        ]
        bookings_source = _("Studio bookings in Klynge (confirmed)")
        services += [
            Row(_("Studio and equipment bookings"), str(activity.bookings), bookings_source),
            Row(_("Hours booked"), format_value(activity.booked_hours), bookings_source),
            Row(
                _("Organisations using the studios"),
                _count(reports.suppressed_count(activity.booking_organisations, suppress=True)),
                bookings_source,
            ),
            Row(
                _("Introductions brokered"),
                str(activity.introductions),
                _("Matchmaking introductions accepted by staff"),
            ),
            Row(_("B2B meetings"), str(activity.b2b_meetings), _("B2B meetings at events")),
        ]
        stage_labels = dict(MatchStage.choices)
        services += [
            Row(
                _("Outcome: %(stage)s") % {"stage": stage_labels.get(stage, stage)},
                str(count),
                _("Matchmaking outcomes recorded in the year"),
            )
            for stage, count in sorted(activity.matches_by_stage.items())
        ]
        pack.sections.append((_("Services and their use"), services))

        directory = _("The directory's relations between organisations")
        international = [
            Row(
                _("Partner clusters"),
                ", ".join(f"{o.name} ({o.country})" for o in activity.partner_clusters) or "–",
                directory,
            ),
            Row(
                _("Events with international organisers or partner clusters"),
                str(activity.international_events),
                events_source,
            ),
            Row(
                _("International projects"),
                _("not recorded"),
                _("Klynge has no projects yet; they are not counted"),
            ),
        ]
        international += [
            Row(_("International activity"), item.title, staff_source)
            for item in Highlight.objects.filter(year=year, kind=HighlightKind.INTERNATIONAL)
        ]
        pack.sections.append((_("International activities"), international))

        stories = [
            Row(str(item.get_kind_display()), item.title, staff_source)
            for item in Highlight.objects.filter(
                year=year,
                kind__in=(
                    HighlightKind.SUCCESS_STORY,
                    HighlightKind.AWARD,
                    HighlightKind.INITIATIVE,
                ),
            )
        ] or [Row(_("Success stories"), _("none recorded"), staff_source)]
        pack.sections.append((_("Success stories"), stories))

        satisfaction = sources.survey_satisfaction(year)
        survey_source = _("The annual member survey")
        if not satisfaction["respondents"]:
            feedback = [
                Row(_("Member satisfaction"), _("no annual member survey answered"), survey_source)
            ]
        elif satisfaction["nps"] is None:
            feedback = [Row(_("Member satisfaction"), _("fewer than 5 respondents"), survey_source)]
        else:
            feedback = [
                Row(_("Respondents"), str(satisfaction["respondents"]), survey_source),
                Row(
                    _("Response rate"),
                    format_value(satisfaction["response_rate"], "%"),
                    survey_source,
                ),
                Row(_("Net Promoter Score"), format_value(satisfaction["nps"]), survey_source),
                Row(
                    _("Mean satisfaction (1–5)"),
                    format_value(satisfaction["mean_satisfaction"]),
                    survey_source,
                ),
            ]
        pack.sections.append((_("Member satisfaction"), feedback))

        impact = []
        for kpi in kpis.kpis_for_year(year, suppress=True).values():
            value = (
                _("fewer than 3 organisations")
                if kpi.suppressed
                else (
                    kpis.format_kpi(kpi.value, kpi.unit) if kpi.value is not None else _("no data")
                )
            )
            if kpi.comparison:
                value += f" ({kpi.comparison})"
            impact.append(
                Row(
                    kpi.label,
                    value,
                    _("Yearly figures of %(with)s of %(members)s members; national statistics")
                    % {"with": kpi.organisations_with_data, "members": kpi.members},
                )
            )
        pack.sections.append((_("Impact"), impact))
    return pack


def evidence_xlsx(pack: EvidencePack) -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    with translation.override(pack.language):
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = str(pack.year)
        sheet.append([cell(f"{pack.cluster_name}: {_('Cluster excellence evidence')} {pack.year}")])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        sheet.append([_("Section"), _("Indicator"), _("Value"), _("Source")])
        for column in "ABCD":
            sheet[f"{column}3"].font = Font(bold=True)
        for section, rows in pack.sections:
            for row in rows:
                sheet.append([cell(section), cell(row.label), cell(row.value), cell(row.source)])
        for column, width in zip("ABCD", (28, 45, 40, 60), strict=True):
            sheet.column_dimensions[column].width = width
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
