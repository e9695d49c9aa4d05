"""Importing yearly figures (a registry or accounting export) and national benchmarks (a
statistics office's table) from CSV or XLSX, on the ecosystem's import engine: the same file
reading and encoding checks, per-line errors, a dry run that reports every row's problems, and a
commit of all rows in one transaction (or none).

Figures: one row per organisation and year, matched to the organisation by country and registry
number (CVR, organisasjonsnummer, organisationsnummer)::

    registry_number,country,year,currency,revenue,personnel_costs,operating_profit,
    employees_fte,innovation_funding,innovations_launched,nace,source_note

Benchmarks, the long format a statistics office exports (one row per country, division, year
and measure)::

    country,nace,year,measure,value,currency,source

or the wide format (one row per country, division and year, a column per measure)::

    country,nace,year,value_added_per_employee,employment_growth,operating_margin,
    firm_formation_rate,currency,source

Percentages are given as numbers of percent (2.5 for 2.5 %).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from klynge.ecosystem.importing import (
    ColumnSpec,
    Importer,
    ImportFileError,
    Plan,
    RowError,
    country_codes,
)
from klynge.ecosystem.models import Organisation
from klynge.ecosystem.registry import clean_registry_number
from klynge.insights import services, validation
from klynge.insights.models import Benchmark, FigureSource, Measure, Metric, OrganisationYear

FIGURE_FIELDS: dict[str, object] = {
    "registry_number": gettext_lazy("registry number"),
    "country": gettext_lazy("country"),
    "year": gettext_lazy("year"),
    "currency": gettext_lazy("currency"),
    **{metric.value: metric.label for metric in Metric},
    "nace": gettext_lazy("NACE division"),
    "source_note": gettext_lazy("source details"),
}
FIGURE_COLUMNS = ColumnSpec(
    FIGURE_FIELDS,
    ("registry_number", "country", "year"),
    {
        "cvr": "registry_number",
        "orgnr": "registry_number",
        "organisasjonsnummer": "registry_number",
        "organisationsnummer": "registry_number",
        "employees": "employees_fte",
        "fte": "employees_fte",
        "turnover": "revenue",
        "nace_code": "nace",
        "nace_division": "nace",
        "ebit": "operating_profit",
        "land": "country",
        "aar": "year",
        "år": "year",
    },
    {
        "revenue": "omsaetning omsætning nettoomsaetning nettoomsætning driftsinntekter "
        "omsattning omsättning nettoomsattning nettoomsättning",
        "personnel_costs": "personaleomkostninger lonnskostnader lønnskostnader personalkostnader",
        "operating_profit": "driftsresultat rorelseresultat rörelseresultat resultat_af_primaer_drift",
        "employees_fte": "ansatte arsvaerk årsværk arsverk årsverk anstallda anställda",
        "year": "aar år ar regnskabsaar regnskapsår räkenskapsår",
        "country": "land",
        "nace": "branchekode naeringskode næringskode sni",
    },
)

BENCHMARK_FIELDS: dict[str, object] = {
    "country": gettext_lazy("country"),
    "nace": gettext_lazy("NACE division"),
    "year": gettext_lazy("year"),
    "measure": gettext_lazy("measure"),
    "value": gettext_lazy("value"),
    **{measure.value: measure.label for measure in Measure},
    "currency": gettext_lazy("currency"),
    "source": gettext_lazy("source"),
}
BENCHMARK_COLUMNS = ColumnSpec(
    BENCHMARK_FIELDS,
    ("country", "nace", "year"),
    {"nace_division": "nace", "division": "nace", "indicator": "measure", "tid": "year"},
    {"nace": "branche naering næring bransch", "year": "aar år ar tid"},
)


class _FigureRow:
    """Cleans one row of figures without touching the database (the organisation is matched in
    the plan)."""

    def __init__(self):
        self.countries = country_codes()

    def clean(self, line: int, raw: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
        errors: list[tuple[str, str]] = []
        values: dict = {}
        country = self.countries.get(raw["country"].casefold()) if raw["country"] else None
        if country is None:
            errors.append(
                ("country", _("“%(value)s” is not a known country.") % {"value": raw["country"]})
            )
        else:
            values["country"] = country
            try:
                values["registry_number"] = clean_registry_number(country, raw["registry_number"])
            except ValidationError as error:
                errors.append(("registry_number", " ".join(error.messages)))
        values["raw"] = raw
        return values, errors


class FigureImporter(Importer):
    what = "figures"
    spec = FIGURE_COLUMNS
    audit_data = {"kind": "insights.figures"}

    def validator(self):
        return _FigureRow()

    def plan(self, rows, errors, invalid):
        """Matches each row's organisation by country and registry number and checks its
        figures exactly as `services.record_figures` does."""
        keys = {(values["country"], values["registry_number"]) for _line, values in rows}
        numbers = {number for _country, number in keys}
        organisations = {}
        for start in range(0, len(numbers), 900):
            chunk = list(numbers)[start : start + 900]
            for organisation in Organisation.objects.filter(
                registry_number__in=chunk, merged_into__isnull=True
            ):
                organisations[(organisation.country, organisation.registry_number)] = organisation
        matched = {organisation.pk for organisation in organisations.values()}
        existing = set()
        for start in range(0, len(matched), 900):
            chunk = list(matched)[start : start + 900]
            existing.update(
                OrganisationYear.objects.filter(organisation_id__in=chunk).values_list(
                    "organisation_id", "year"
                )
            )
        plan = Plan()
        seen: dict[tuple, int] = {}
        for line, values in rows:
            raw = values["raw"]
            organisation = organisations.get((values["country"], values["registry_number"]))
            if organisation is None:
                errors.append(
                    RowError(
                        line,
                        "registry_number",
                        _("No organisation in the directory has the registry number %(number)s.")
                        % {"number": values["registry_number"]},
                    )
                )
                continue
            figures = {metric: raw[metric] for metric in Metric.values if raw.get(metric, "") != ""}
            try:
                cleaned = services.clean_figures(
                    organisation=organisation,
                    year=raw["year"],
                    values=figures,
                    source=FigureSource.IMPORT,
                    currency=raw.get("currency", ""),
                    nace_division=raw.get("nace", ""),
                )
            except ValidationError as error:
                for column, messages in error.message_dict.items():
                    column = "nace" if column == "nace_division" else column
                    errors.extend(RowError(line, column, message) for message in messages)
                continue
            key = (organisation.pk, cleaned["year"])
            if key in seen:
                errors.append(
                    RowError(
                        line,
                        "year",
                        _("%(organisation)s's %(year)s figures are on line %(line)s already.")
                        % {
                            "organisation": organisation,
                            "year": cleaned["year"],
                            "line": seen[key],
                        },
                    )
                )
                continue
            seen[key] = line
            entry = (line, organisation, cleaned, raw.get("source_note", ""))
            (plan.updates if key in existing else plan.creates).append(entry)
        return plan

    def write(self, plan, actor):
        now = timezone.now()
        for _line, organisation, cleaned, note in [*plan.creates, *plan.updates]:
            try:
                services._apply(
                    actor=actor,
                    organisation=organisation,
                    cleaned=cleaned,
                    source_note=note,
                    now=now,
                )
            except ValidationError as error:
                raise ImportFileError(" ".join(error.messages)) from None

    def conflict_message(self) -> str:
        return _(
            "The figures changed while the file was imported; nothing was imported. Try again."
        )


class _BenchmarkRow:
    def __init__(self, default_source: str):
        self.countries = country_codes()
        self.default_source = default_source
        self.measures = {m.value: m.value for m in Measure}

    def clean(self, line: int, raw: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
        errors: list[tuple[str, str]] = []
        country = self.countries.get(raw["country"].casefold()) if raw["country"] else None
        if country is None:
            errors.append(
                ("country", _("“%(value)s” is not a known country.") % {"value": raw["country"]})
            )
        division, message = validation.clean_division(raw["nace"])
        if message or not division:
            errors.append(("nace", message or _("The NACE division is missing.")))
        year, message = validation.clean_year(raw["year"])
        if message:
            errors.append(("year", message))
        source = raw.get("source", "") or self.default_source
        if not source:
            errors.append(
                (
                    "source",
                    _("Say where the figures come from (a source column or the source option)."),
                )
            )
        pairs: list[tuple[str, str, str]] = []  # (measure, text, column)
        if raw.get("measure", "") or "value" in raw:
            measure = raw.get("measure", "").strip().casefold().replace(" ", "_")
            if measure not in self.measures:
                errors.append(
                    (
                        "measure",
                        _("“%(value)s” is not a measure; use one of %(measures)s.")
                        % {"value": raw.get("measure", ""), "measures": ", ".join(Measure.values)},
                    )
                )
            else:
                pairs.append((measure, raw.get("value", ""), "value"))
        for measure in Measure.values:
            if raw.get(measure, ""):
                pairs.append((measure, raw[measure], measure))
        if not pairs and not errors:
            errors.append(("value", _("The row has no value.")))
        values = []
        for measure, text, column in pairs:
            try:
                number = validation.parse_number(text)
            except ValueError:
                errors.append((column, _("“%(value)s” is not a number.") % {"value": text}))
                continue
            if number is None:
                errors.append((column, _("The value is missing.")))
                continue
            if measure == Measure.VALUE_ADDED_PER_EMPLOYEE and number < 0:
                errors.append((column, _("This amount cannot be negative.")))
                continue
            values.append((measure, number))
        currency = raw.get("currency", "").strip().upper()
        if any(m == Measure.VALUE_ADDED_PER_EMPLOYEE for m, _v in values) and not currency:
            errors.append(("currency", _("Give the currency of the value added per employee.")))
        return {
            "country": country,
            "nace": division,
            "year": year,
            "source": source[:300],
            "currency": currency[:3],
            "values": values,
        }, errors


class BenchmarkImporter(Importer):
    what = "benchmarks"
    spec = BENCHMARK_COLUMNS
    audit_data = {"kind": "insights.benchmarks"}

    def __init__(self, source: str = ""):
        self.source = source

    def validator(self):
        return _BenchmarkRow(self.source)

    def plan(self, rows, errors, invalid):
        existing = {
            (b.country, b.nace_division, b.year, b.measure): b
            for b in Benchmark.objects.filter(year__in={values["year"] for _line, values in rows})
        }
        plan = Plan()
        seen: dict[tuple, int] = {}
        for line, values in rows:
            for measure, number in values["values"]:
                key = (values["country"], values["nace"], values["year"], measure)
                if key in seen:
                    errors.append(
                        RowError(
                            line,
                            "measure",
                            _(
                                "%(measure)s for %(country)s %(nace)s %(year)s is on line %(line)s already."
                            )
                            % {
                                "measure": measure,
                                "country": key[0],
                                "nace": key[1],
                                "year": key[2],
                                "line": seen[key],
                            },
                        )
                    )
                    continue
                seen[key] = line
                current = existing.get(key)
                row = (
                    key,
                    number,
                    values["currency"] if measure == Measure.VALUE_ADDED_PER_EMPLOYEE else "",
                    values["source"],
                )
                if current is None:
                    plan.creates.append(row)
                elif (current.value, current.currency, current.source) != (number, row[2], row[3]):
                    plan.updates.append((current.pk, *row))
                else:
                    plan.unchanged += 1
        return plan

    def write(self, plan, actor):
        now = timezone.now()
        Benchmark.objects.bulk_create(
            Benchmark(
                country=key[0],
                nace_division=key[1],
                year=key[2],
                measure=key[3],
                value=number,
                currency=currency,
                source=source,
                imported_at=now,
            )
            for key, number, currency, source in plan.creates
        )
        for pk, _key, number, currency, source in plan.updates:
            Benchmark.objects.filter(pk=pk).update(
                value=number, currency=currency, source=source, imported_at=now
            )

    def conflict_message(self) -> str:
        return _(
            "The benchmarks changed while the file was imported; nothing was imported. Try again."
        )


def import_figures(
    path: Path | str,
    *,
    actor,
    dry_run: bool = False,
    name: str | None = None,
    mapping: Sequence[str] | None = None,
):
    """Imports yearly figures (all rows or none); see the module's docstring for the layout."""
    return FigureImporter().run(path, actor=actor, dry_run=dry_run, name=name, mapping=mapping)


def import_benchmarks(
    path: Path | str, *, actor, source: str = "", dry_run: bool = False, name: str | None = None
):
    """Imports national benchmarks (all rows or none); `source` is used where a row has none."""
    return BenchmarkImporter(source).run(path, actor=actor, dry_run=dry_run, name=name)
