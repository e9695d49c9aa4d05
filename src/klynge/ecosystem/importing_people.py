"""Import of people from CSV or XLSX, on the engine in `importing` (reading, columns, dry run,
one transaction, one audit entry).

A row is a person (`first_name`, `last_name`, `email` required; `title`, `phone`, `languages`
optional), optionally tied to an organisation that must already exist (`organisation_registry_
number` and/or `organisation_name`, with `organisation_country`) with a `role` (an
`AffiliationRole`, `contact` by default), and optionally with consents (`listed_in_directory`,
`newsletter`, `photos`: yes/no, true/false, 1/0).

- People are matched by e-mail (their main one), case-insensitively; a match is updated with
  the row's non-empty values, otherwise a person is created (e-mail stored in lower case). A
  matched person counts as updated when a value changes or an affiliation is added.
- The organisation is matched among live organisations by country and registry number, else by
  name (the whole name, case-insensitively) and country; no match is a row error.
- The affiliation is created unless the person already has an open one (no end date) with that
  organisation and role.
- Consent changes are kept in the consent history: one `ConsentRecord` per changed flag, source
  ``import``, recorded by the importing user. A new person's consents start as "no", so only a
  "yes" makes a record.
- An erased person (`erased_at` set) is never changed: the row is an error.
- A second row with the same e-mail is an error naming the first row's line (the first wins).

The whole file is written in bulk in one transaction with one audit entry,
``ecosystem.import.commit`` with ``"what": "people"`` and the counts (no per-person entries).
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from klynge.ecosystem.importing import (
    ColumnSpec,
    Importer,
    ImportResult,
    Plan,
    RowError,
    country_codes,
    duplicate_message,
    unknown_country_message,
)
from klynge.ecosystem.models import (
    CONSENT_FIELD,
    Affiliation,
    AffiliationRole,
    ConsentRecord,
    Country,
    ErasedAddress,
    Organisation,
    Person,
)
from klynge.ecosystem.registry import clean_registry_number

FIELDS: dict[str, object] = {
    "first_name": gettext_lazy("first name"),
    "last_name": gettext_lazy("last name"),
    "email": gettext_lazy("e-mail"),
    "title": gettext_lazy("job title"),
    "phone": gettext_lazy("phone"),
    "languages": gettext_lazy("languages"),
    "organisation_registry_number": gettext_lazy("organisation: registry number"),
    "organisation_name": gettext_lazy("organisation: name"),
    "organisation_country": gettext_lazy("organisation: country"),
    "role": gettext_lazy("role at the organisation"),
    "listed_in_directory": gettext_lazy("consent: listed in the directory"),
    "newsletter": gettext_lazy("consent: newsletter"),
    "photos": gettext_lazy("consent: photos"),
}
REQUIRED_FIELDS = ("first_name", "last_name", "email")

_HEADER_NAMES = {
    "e_mail": "email",
    "organisation": "organisation_name",
    "organization": "organisation_name",
    "organization_name": "organisation_name",
    "organization_registry_number": "organisation_registry_number",
    "organization_country": "organisation_country",
    "directory": "listed_in_directory",
}
_SUGGESTIONS = {
    "first_name": "fornavn förnamn fornamn firstname first given_name givenname",
    "last_name": "efternavn etternavn efternamn eftername surname lastname last family_name",
    "email": "e_mail mail epost e_post email_address e_mailadresse emailadresse mailadresse",
    "title": "titel tittel stilling stillingsbetegnelse job_title jobtitel befattning position",
    "phone": "telefon tlf tel telephone mobil mobile mobilnummer telefonnummer",
    "languages": "sprog språk sprak language",
    "organisation_registry_number": "cvr cvr_nr cvr_nummer cvrnr orgnr org_nr "
    "organisasjonsnummer organisationsnummer registry_number registration_number",
    "organisation_name": "organisation organization organisasjon virksomhed firma company "
    "company_name foretag företag arbejdsgiver arbeidsgiver arbetsgivare employer",
    "organisation_country": "land country country_code landekode landkod",
    "role": "rolle roll",
    "listed_in_directory": "directory katalog listed synlig",
    "newsletter": "nyhedsbrev nyhetsbrev",
    "photos": "foto fotos photo bilder billeder",
}
PEOPLE_COLUMNS = ColumnSpec(FIELDS, REQUIRED_FIELDS, _HEADER_NAMES, _SUGGESTIONS)

# ISO 639-1 codes accepted besides the site's own languages (`settings.LANGUAGES`).
COMMON_LANGUAGES = (
    "da en nb nn sv fi is fo kl se de fr es it nl pt pl et lv lt ru uk ar fa tr zh ja ko hi"
).split()
_LANGUAGE_ALIASES = {"no": "nb"}  # "Norwegian" is stored as Bokmål, as the profile offers it
_LANGUAGE_SEPARATORS = re.compile(r"[,;/\s]+")

_YES = {"yes", "true", "1", "ja", "y"}
_NO = {"no", "false", "0", "nej", "nei", "n"}

CONSENT_FIELDS = tuple(CONSENT_FIELD.values())  # listed_in_directory, newsletter, photos
_KIND_OF_CONSENT = {field_name: kind for kind, field_name in CONSENT_FIELD.items()}
_PERSON_FIELDS = ("first_name", "last_name", "title", "phone", "languages", *CONSENT_FIELDS)
CONSENT_SOURCE = "import"


def language_codes() -> list[str]:
    """The language codes a row may name: the site's languages, then common ISO 639-1 codes."""
    codes = [code for code, _name in settings.LANGUAGES]
    return codes + [code for code in COMMON_LANGUAGES if code not in codes]


def _role_codes() -> dict[str, str]:
    roles = {code.casefold(): code for code in AffiliationRole.values}
    for language in ("da", "en", "nb", "sv"):
        with translation.override(language):
            for code, label in AffiliationRole.choices:
                roles.setdefault(str(label).casefold(), code)
    return roles


class _PersonValidator:
    """Cleans one row into person values, collecting per-column errors (no database)."""

    def __init__(self):
        self.countries = country_codes()
        self.roles = _role_codes()
        self.languages = set(language_codes())
        self.model_fields = {
            name: Person._meta.get_field(name)
            for name in ("first_name", "last_name", "email", "title", "phone")
        }
        self.first_line_of: dict[str, int] = {}  # e-mail → the line that has it first

    def clean(self, line: int, raw: dict[str, str]) -> tuple[dict, list[tuple[str, str]]]:
        values: dict = {}
        errors: list[tuple[str, str]] = []
        for name, missing in (
            ("first_name", _("The first name is missing.")),
            ("last_name", _("The last name is missing.")),
        ):
            text = " ".join(raw[name].split())
            if text:
                self._field(values, errors, name, text)
            else:
                errors.append((name, missing))

        email = raw["email"].lower()
        if not email:
            errors.append(("email", _("The e-mail is missing.")))
        elif self._field(values, errors, "email", email):
            first = self.first_line_of.setdefault(email, line)
            if first != line:
                errors.append(("email", duplicate_message(first)))
                del values["email"]  # the first row speaks for this person

        for name in ("title", "phone"):
            text = " ".join(raw.get(name, "").split())
            if text:
                self._field(values, errors, name, text)

        if raw.get("languages"):
            self._languages(values, errors, raw["languages"])
        for name in CONSENT_FIELDS:
            if raw.get(name):
                self._consent(values, errors, name, raw[name])
        self._organisation(values, errors, raw)
        return values, errors

    def _field(self, values: dict, errors: list, name: str, text: str) -> bool:
        """The model field's own validation (length, e-mail), as `full_clean` runs."""
        try:
            values[name] = self.model_fields[name].clean(text, None)
        except ValidationError as error:
            errors.append((name, " ".join(error.messages)))
            return False
        return True

    def _languages(self, values: dict, errors: list, text: str) -> None:
        codes: list[str] = []
        unknown: list[str] = []
        for part in _LANGUAGE_SEPARATORS.split(text.casefold()):
            if not part:
                continue
            code = _LANGUAGE_ALIASES.get(part, part)
            if code not in self.languages:
                unknown.append(part)
            elif code not in codes:
                codes.append(code)
        if unknown:
            errors.append(
                (
                    "languages",
                    ngettext(
                        "“%(codes)s” is not a known language code; use ISO 639-1 codes such "
                        "as %(examples)s.",
                        "“%(codes)s” are not known language codes; use ISO 639-1 codes such "
                        "as %(examples)s.",
                        len(unknown),
                    )
                    % {
                        "codes": ", ".join(unknown),
                        "examples": ", ".join(code for code, _name in settings.LANGUAGES),
                    },
                )
            )
        else:
            values["languages"] = codes

    def _consent(self, values: dict, errors: list, name: str, text: str) -> None:
        key = text.casefold()
        if key in _YES:
            values[name] = True
        elif key in _NO:
            values[name] = False
        else:
            errors.append(
                (
                    name,
                    _("“%(value)s” is neither yes nor no; use yes, no, true, false, 1 or 0.")
                    % {"value": text},
                )
            )

    def _organisation(self, values: dict, errors: list, raw: dict[str, str]) -> None:
        number_text = raw.get("organisation_registry_number", "")
        name = " ".join(raw.get("organisation_name", "").split())
        country_text = raw.get("organisation_country", "")
        role_text = raw.get("role", "")
        role = AffiliationRole.CONTACT.value
        if role_text:
            role = self.roles.get(role_text.casefold(), "")
            if not role:
                errors.append(
                    (
                        "role",
                        _("“%(value)s” is not a role; use one of %(roles)s.")
                        % {"value": role_text, "roles": ", ".join(AffiliationRole.values)},
                    )
                )
        if not (number_text or name):
            if role_text and role:
                errors.append(
                    (
                        "role",
                        _(
                            "A role needs an organisation: give its registry number or name, "
                            "and its country."
                        ),
                    )
                )
            return
        if not country_text:
            errors.append(("organisation_country", _("The organisation's country is missing.")))
            return
        country = self.countries.get(country_text.casefold())
        if country is None:
            errors.append(
                (
                    "organisation_country",
                    unknown_country_message(country_text),
                )
            )
            return
        number = ""
        if number_text:
            try:
                number = clean_registry_number(country, number_text)
            except ValidationError as error:
                errors.append(("organisation_registry_number", " ".join(error.messages)))
                return
        values["organisation"] = (country, number, name)
        if role:
            values["role"] = role


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _live_organisations(rows: list[tuple[int, dict]]) -> tuple[dict, dict]:
    """(country, registry number) → id and (country, lower-case name) → id (0 when several
    organisations have that name), for the rows' organisations among the live ones."""
    wanted = [values["organisation"] for _line, values in rows if "organisation" in values]
    by_number: dict[tuple[str, str], int] = {}
    by_name: dict[tuple[str, str], int] = {}
    if not wanted:
        return by_number, by_name
    live = Organisation.objects.filter(merged_into__isnull=True)
    numbers = sorted({number for _country, number, _name in wanted if number})
    for chunk in _chunks(numbers):
        for pk, country, number in live.filter(registry_number__in=chunk).values_list(
            "id", "country", "registry_number"
        ):
            by_number[(country, number)] = pk
    countries = {country for country, _number, name in wanted if name}
    if countries:
        # Names compare case-insensitively in Python (SQLite's LOWER knows ASCII only).
        names = {(country, name.lower()) for country, _number, name in wanted if name}
        for pk, country, name in (
            live.filter(country__in=countries)
            .values_list("id", "country", "name")
            .iterator(chunk_size=5000)
        ):
            key = (country, " ".join(name.split()).lower())
            if key in names:
                # Two legal entities may share a name: then only the number tells (0: several).
                by_name[key] = 0 if key in by_name else pk
    return by_number, by_name


def _organisation_error(country: str, number: str, name: str) -> tuple[str, str]:
    labels = dict(Country.choices)
    context = {"country": labels.get(country, country), "number": number, "name": name}
    if name and number:
        return (
            "organisation_name",
            _(
                "No organisation in %(country)s has the registry number %(number)s or is "
                "called “%(name)s”."
            )
            % context,
        )
    if name:
        return (
            "organisation_name",
            _("No organisation in %(country)s is called “%(name)s”.") % context,
        )
    return (
        "organisation_registry_number",
        _("No organisation in %(country)s has the registry number %(number)s.") % context,
    )


class PeopleImporter(Importer):
    what = "people"
    spec = PEOPLE_COLUMNS
    audit_data = {"what": "people"}

    def validator(self):
        return _PersonValidator()

    def plan(
        self,
        rows: list[tuple[int, dict]],
        errors: list[RowError],
        invalid: list[tuple[int, dict]],
    ) -> Plan:
        """creates: (line, values, tie); updates: (line, person id, changed fields, tie), where
        tie is the (organisation id, role) of an affiliation to create, or None.

        The rows with errors are checked too (their organisation exists, their person is not
        erased), so a dry run lists every problem at once."""
        checked = sorted([*rows, *invalid], key=lambda row: row[0])
        people: dict[str, Person] = {}
        emails = [values["email"] for _line, values in checked if "email" in values]
        for chunk in _chunks(emails):
            for person in (
                Person.objects.annotate(lowered=Lower("email"))
                .filter(lowered__in=chunk)
                .only("id", "email", "erased_at", *_PERSON_FIELDS)
            ):
                people[person.email.lower()] = person
        erased: set[str] = set()
        for chunk in _chunks(emails):
            digests = {ErasedAddress.digest_of(email): email for email in chunk}
            erased.update(
                digests[digest]
                for digest in ErasedAddress.objects.filter(digest__in=digests).values_list(
                    "digest", flat=True
                )
            )
        open_ties: set[tuple[int, int, str]] = set()
        for chunk in _chunks([person.pk for person in people.values()]):
            open_ties.update(
                Affiliation.objects.filter(person_id__in=chunk, end_date__isnull=True).values_list(
                    "person_id", "organisation_id", "role"
                )
            )
        by_number, by_name = _live_organisations(checked)

        plan = Plan()
        valid_lines = {line for line, _values in rows}
        for line, values in checked:
            row_errors = []
            organisation_id = None
            if "organisation" in values:
                country, number, name = values["organisation"]
                organisation_id = by_number.get((country, number)) if number else None
                if organisation_id is None and name:
                    organisation_id = by_name.get((country, name.lower()))
                if organisation_id == 0:
                    organisation_id = None
                    row_errors.append(
                        (
                            "organisation_registry_number",
                            _(
                                "Several organisations in this country are called “%(name)s”; "
                                "give the organisation's registry number."
                            )
                            % {"name": name},
                        )
                    )
                elif organisation_id is None:
                    row_errors.append(_organisation_error(country, number, name))
            person = people.get(values.get("email", ""))
            if values.get("email", "") in erased:
                row_errors.append(("email", _("this person was erased")))
            errors.extend(RowError(line, column, message) for column, message in row_errors)
            if row_errors or line not in valid_lines:
                continue
            tie = (organisation_id, values["role"]) if organisation_id is not None else None
            if person is None:
                plan.creates.append((line, values, tie))
                continue
            changes = {
                name: values[name]
                for name in _PERSON_FIELDS
                if name in values and getattr(person, name) != values[name]
            }
            if tie is not None and (person.pk, *tie) in open_ties:
                tie = None
            if changes or tie is not None:
                plan.updates.append((line, person.pk, changes, tie))
            else:
                plan.unchanged += 1
        return plan

    def write(self, plan: Plan, actor) -> None:
        now = timezone.now()
        recorded_by = actor if getattr(actor, "is_authenticated", False) else None
        consents: list[ConsentRecord] = []
        ties: list[Affiliation] = []

        new = [
            Person(**{name: values[name] for name in ("email", *_PERSON_FIELDS) if name in values})
            for _line, values, _organisation in plan.creates
        ]
        Person.objects.bulk_create(new, batch_size=1000)
        for person, (_line, values, tie) in zip(new, plan.creates, strict=True):
            for name in CONSENT_FIELDS:
                if values.get(name):
                    consents.append(self._consent(person.pk, name, True, recorded_by))
            if tie is not None:
                ties.append(Affiliation(person_id=person.pk, organisation_id=tie[0], role=tie[1]))

        objects: dict[int, Person] = {}
        for chunk in _chunks([pk for _line, pk, _changes, _tie in plan.updates]):
            objects.update(Person.objects.in_bulk(chunk))
        changed_fields: set[str] = set()
        changed: list[Person] = []
        for _line, pk, changes, tie in plan.updates:
            person = objects[pk]
            if changes:
                for name, value in changes.items():
                    setattr(person, name, value)
                    if name in CONSENT_FIELDS:
                        consents.append(self._consent(pk, name, value, recorded_by))
                person.updated_at = now
                changed_fields.update(changes)
                changed.append(person)
            if tie is not None:
                ties.append(Affiliation(person_id=pk, organisation_id=tie[0], role=tie[1]))
        if changed:
            Person.objects.bulk_update(
                changed, sorted(changed_fields | {"updated_at"}), batch_size=500
            )
        ConsentRecord.objects.bulk_create(consents, batch_size=2000)
        Affiliation.objects.bulk_create(ties, batch_size=2000)

    @staticmethod
    def _consent(person_id: int, name: str, granted: bool, recorded_by) -> ConsentRecord:
        return ConsentRecord(
            person_id=person_id,
            kind=_KIND_OF_CONSENT[name],
            granted=granted,
            recorded_by=recorded_by,
            source=CONSENT_SOURCE,
        )

    def conflict_message(self) -> str:
        return _(
            "The people changed while the file was imported (another person took an e-mail "
            "address, or an affiliation was added); nothing was imported. Try again."
        )


PEOPLE = PeopleImporter()


def run_people_import(
    path: Path | str,
    *,
    actor,
    mapping=None,
    dry_run: bool = False,
    skip_invalid: bool = False,
    name: str | None = None,
) -> ImportResult:
    """Imports people (see `importing.Importer.run`)."""
    return PEOPLE.run(
        path, actor=actor, mapping=mapping, dry_run=dry_run, skip_invalid=skip_invalid, name=name
    )
