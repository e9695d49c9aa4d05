import io
import json
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from klynge.core.models import AuditEntry
from klynge.ecosystem import importing, importing_people, privacy, services
from klynge.ecosystem.models import Affiliation, ConsentRecord, Person
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

CVR_A, CVR_B = "10150817", "25313763"  # valid Danish CVR numbers
SE_A = "5560360793"  # Saab AB
HEADER = "first_name,last_name,email"


def _write(tmp_path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def _run(path, *flags) -> dict:
    out = io.StringIO()
    call_command("import_people", str(path), "--json", *flags, stdout=out)
    return json.loads(out.getvalue())


def _people() -> list[tuple]:
    return list(
        Person.objects.order_by("email").values_list(
            "email", "first_name", "last_name", "title", "languages"
        )
    )


def _consents() -> list[tuple]:
    return list(
        ConsentRecord.objects.order_by("person__email", "kind", "id").values_list(
            "person__email", "kind", "granted", "source", "recorded_by"
        )
    )


def _ties() -> list[tuple]:
    return list(
        Affiliation.objects.order_by("person__email", "organisation__name", "role").values_list(
            "person__email", "organisation__name", "role", "end_date"
        )
    )


def test_creates_updates_ties_and_records_consents(tmp_path):
    saab = OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A)
    OrganisationFactory(name="Ørsted Lyd ApS", country="DK", registry_number="")
    known = PersonFactory(
        first_name="Bo",
        last_name="Berg",
        email="Bo.Berg@Example.org",
        title="Producer",
        newsletter=True,
    )
    same = PersonFactory(first_name="Ulla", last_name="Uforandret", email="ulla@example.org")
    AffiliationFactory(person=same, organisation=saab, role="contact")
    path = _write(
        tmp_path,
        "First_Name,last_name,E-mail,title,languages,organisation_registry_number,"
        "organisation_name,organisation_country,role,listed_in_directory,newsletter,photos\n"
        # new, tied by registry number (typed with a dash, country by name), role by label
        f'Ida,Holm,IDA@example.org,Lydtekniker,"da, EN, no",556036-0793,,Sverige,CEO,yes,1,\n'
        # known by e-mail in another case: new title, newsletter withdrawn, tied by name
        "Bo,Berg,bo.berg@example.org,Lead producer,,,ørsted lyd aps,DK,,,no,true\n"
        # the same as stored, the tie exists already (role contact by default)
        f"Ulla,Uforandret,ulla@example.org,,,{SE_A},,SE,,,,\n"
        # a contact without organisation or consents
        "Jon,Jonsson,jon@example.org,,,,,,,,,\n",
    )
    assert _run(path) == {"created": 2, "updated": 1, "unchanged": 1, "errors": []}
    assert _people() == [
        ("Bo.Berg@Example.org", "Bo", "Berg", "Lead producer", []),
        ("ida@example.org", "Ida", "Holm", "Lydtekniker", ["da", "en", "nb"]),
        ("jon@example.org", "Jon", "Jonsson", "", []),
        ("ulla@example.org", "Ulla", "Uforandret", "", []),
    ]
    ida = Person.objects.get(email="ida@example.org")
    assert (ida.listed_in_directory, ida.newsletter, ida.photos) == (True, True, False)
    known.refresh_from_db()
    assert (known.listed_in_directory, known.newsletter, known.photos) == (False, False, True)
    assert _consents() == [
        ("Bo.Berg@Example.org", "newsletter", False, "import", None),
        ("Bo.Berg@Example.org", "photos", True, "import", None),
        ("ida@example.org", "directory", True, "import", None),
        ("ida@example.org", "newsletter", True, "import", None),
    ]
    assert _ties() == [
        ("Bo.Berg@Example.org", "Ørsted Lyd ApS", "contact", None),
        ("ida@example.org", "Saab AB", "ceo", None),
        ("ulla@example.org", "Saab AB", "contact", None),
    ]
    entry = AuditEntry.objects.get(action="ecosystem.import.commit")
    assert (entry.actor_label, entry.data) == (
        "system",
        {
            "what": "people",
            "file": "people.csv",
            "rows": 4,
            "created": 2,
            "updated": 1,
            "unchanged": 1,
            "errors": 0,
            "skip_invalid": False,
        },
    )
    # A second run of the same file changes nothing and records nothing more.
    assert _run(path) == {"created": 0, "updated": 0, "unchanged": 4, "errors": []}
    assert (ConsentRecord.objects.count(), Affiliation.objects.count()) == (4, 3)
    assert AuditEntry.objects.filter(action="ecosystem.import.commit").count() == 2


def test_every_row_problem_is_reported_and_nothing_is_written(tmp_path):
    OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A)
    privacy.erase_person(actor=None, person=PersonFactory(email="gone@example.org"))
    path = _write(
        tmp_path,
        "first_name,last_name,email,languages,organisation_registry_number,organisation_name,"
        "organisation_country,role,newsletter\n"
        "Ida,Holm,ida@example.org,da,,,,,yes\n"  # 2: valid
        ",Holm,not-an-address,,,,,,\n"  # 3
        "Ida,Igen,Ida@Example.org,xx;da;zz,,,,,\n"  # 4
        f"Per,Rolle,per@example.org,,{SE_A},,SE,wizard,\n"  # 5
        f"Nils,Nummer,nils@example.org,,{CVR_A},,DK,,\n"  # 6
        "Nora,Navn,nora@example.org,,,Nowhere AS,NO,,\n"  # 7
        "Lars,Land,lars@example.org,,,Saab AB,,,\n"  # 8
        "Cis,Ciffer,cis@example.org,,12345678,,DK,,\n"  # 9
        "Maja,Maybe,maja@example.org,,,,,,maybe\n"  # 10
        "Rolf,Rolle,rolf@example.org,,,,,ceo,\n"  # 11
        "Gone,Person,GONE@example.org,,,,,,\n"  # 12
        "Ole,Ekstra,ole@example.org,,,,,,,surplus\n"  # 13
        f"Tove,Tom,tove@example.org,,{CVR_B},Ingen ApS,Danmark,,\n"  # 14
        "Saab,Medarbejder,saab@example.org,,,saab ab,Sweden,employee,no\n",  # 15: valid
    )
    result = _run(path)
    assert result == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {"line": 3, "column": "first_name", "message": "The first name is missing."},
            {"line": 3, "column": "email", "message": "Enter a valid email address."},
            {"line": 4, "column": "email", "message": "duplicate in file, first on line 2"},
            {
                "line": 4,
                "column": "languages",
                "message": "“xx, zz” are not known language codes; use ISO 639-1 codes such as "
                "da, en, nb, sv.",
            },
            {
                "line": 5,
                "column": "role",
                "message": "“wizard” is not a role; use one of member_admin, contact, ceo, "
                "employee, founder, student, mentor, board_member.",
            },
            {
                "line": 6,
                "column": "organisation_registry_number",
                "message": f"No organisation in Denmark has the registry number {CVR_A}.",
            },
            {
                "line": 7,
                "column": "organisation_name",
                "message": "No organisation in Norway is called “Nowhere AS”.",
            },
            {
                "line": 8,
                "column": "organisation_country",
                "message": "The organisation's country is missing.",
            },
            {
                "line": 9,
                "column": "organisation_registry_number",
                "message": "“12345678” is not a valid CVR: the check digit does not match.",
            },
            {
                "line": 10,
                "column": "newsletter",
                "message": "“maybe” is neither yes nor no; use yes, no, true, false, 1 or 0.",
            },
            {
                "line": 11,
                "column": "role",
                "message": "A role needs an organisation: give its registry number or name, "
                "and its country.",
            },
            {"line": 12, "column": "email", "message": "this person was erased"},
            {"line": 13, "column": "", "message": "The row has 10 cells but the header only 9."},
            {
                "line": 14,
                "column": "organisation_name",
                "message": f"No organisation in Denmark has the registry number {CVR_B} or is "
                "called “Ingen ApS”.",
            },
        ],
    }
    assert Person.objects.count() == 1
    assert not ConsentRecord.objects.exists()
    assert not AuditEntry.objects.filter(action="ecosystem.import.commit").exists()

    # --skip-invalid imports the two valid rows (the first of the duplicates among them) and
    # reports the same problems.
    assert _run(path, "--skip-invalid") == result
    assert _people()[1:] == [
        ("ida@example.org", "Ida", "Holm", "", ["da"]),
        ("saab@example.org", "Saab", "Medarbejder", "", []),
    ]
    assert _people()[0][0] == ""  # the erased person, still without an address
    assert _consents() == [("ida@example.org", "newsletter", True, "import", None)]
    assert _ties() == [("saab@example.org", "Saab AB", "employee", None)]
    assert AuditEntry.objects.get(action="ecosystem.import.commit").data["errors"] == 14


def test_an_erased_person_is_not_brought_back_by_an_import(tmp_path):
    erased = privacy.erase_person(
        actor=None, person=PersonFactory(first_name="Karen", email="Kept@Example.org")
    )
    people = Person.objects.count()
    path = _write(tmp_path, f"{HEADER},newsletter\nKaren,Comeback,kept@example.ORG,yes\n")
    assert _run(path, "--skip-invalid") == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [{"line": 2, "column": "email", "message": "this person was erased"}],
    }
    assert Person.objects.count() == people
    erased.refresh_from_db()
    assert (erased.email, erased.newsletter) == ("", False)
    assert not ConsentRecord.objects.filter(granted=True).exists()
    # Neither can staff add the address again as a new contact.
    with pytest.raises(ValidationError) as refused:
        services.create_person(actor=None, first_name="K", last_name="C", email="kept@example.org")
    assert refused.value.message_dict == {
        "email": ["The person with this address asked to be erased; it cannot be added."]
    }


def test_affiliations_are_added_only_where_no_open_one_has_the_role(tmp_path):
    studio = OrganisationFactory(name="Studio ApS", country="DK", registry_number=CVR_A)
    open_tie = PersonFactory(email="open@example.org")
    AffiliationFactory(person=open_tie, organisation=studio, role="employee")
    ended = PersonFactory(email="ended@example.org")
    AffiliationFactory(
        person=ended,
        organisation=studio,
        role="employee",
        end_date=timezone.localdate().replace(year=2020),
    )
    other_role = PersonFactory(email="other@example.org")
    AffiliationFactory(person=other_role, organisation=studio, role="employee")
    path = _write(
        tmp_path,
        "first_name,last_name,email,organisation_registry_number,organisation_country,role\n"
        f"{open_tie.first_name},Holm,open@example.org,{CVR_A},DK,employee\n"
        f"{ended.first_name},Holm,ended@example.org,{CVR_A},DK,Employee\n"
        f"{other_role.first_name},Holm,other@example.org,{CVR_A},DK,board_member\n",
    )
    assert _run(path) == {"created": 0, "updated": 2, "unchanged": 1, "errors": []}
    assert [(email, role, end is None) for email, _org, role, end in _ties()] == [
        ("ended@example.org", "employee", False),
        ("ended@example.org", "employee", True),
        ("open@example.org", "employee", True),
        ("other@example.org", "board_member", True),
        ("other@example.org", "employee", True),
    ]
    assert _run(path) == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}


def test_merged_organisations_are_not_matched(tmp_path):
    kept = OrganisationFactory(name="Kept ApS", country="DK", registry_number=CVR_B)
    OrganisationFactory(name="Old ApS", country="DK", registry_number=CVR_A, merged_into=kept)
    path = _write(
        tmp_path,
        f"{HEADER},organisation_registry_number,organisation_name,organisation_country\n"
        f"Ida,Holm,ida@example.org,{CVR_A},,DK\n",
    )
    assert _run(path)["errors"] == [
        {
            "line": 2,
            "column": "organisation_registry_number",
            "message": f"No organisation in Denmark has the registry number {CVR_A}.",
        }
    ]


def test_an_organisation_name_two_legal_entities_share_needs_the_number(tmp_path):
    one = OrganisationFactory(name="Tellu AS", country="NO", registry_number="917519919")
    OrganisationFactory(name="Tellu AS", country="NO", registry_number="989743295")
    path = _write(
        tmp_path,
        f"{HEADER},organisation_registry_number,organisation_name,organisation_country\n"
        "Ida,Holm,ida@example.org,,Tellu AS,NO\n"
        "Bo,Berg,bo@example.org,917519919,Tellu AS,NO\n",
    )
    assert _run(path, "--skip-invalid")["errors"] == [
        {
            "line": 2,
            "column": "organisation_registry_number",
            "message": "Several organisations in this country are called “Tellu AS”; give the "
            "organisation's registry number.",
        }
    ]
    assert list(Affiliation.objects.values_list("person__email", "organisation")) == [
        ("bo@example.org", one.pk)
    ]


def test_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path):
    PersonFactory(email="bo@example.org", first_name="Bo", last_name="Berg", title="")
    path = _write(
        tmp_path,
        f"{HEADER},title,photos\nBo,Berg,bo@example.org,Director,yes\nNy,Person,ny@example.org,,\n",
    )
    dry = _run(path, "--dry-run")
    assert dry == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    assert Person.objects.get().title == ""
    assert not ConsentRecord.objects.exists()
    assert not AuditEntry.objects.filter(action="ecosystem.import.commit").exists()
    assert _run(path) == dry
    assert Person.objects.get(email="bo@example.org").title == "Director"


def test_text_output_without_json(tmp_path):
    path = _write(tmp_path, f"{HEADER}\nA,B,a@example.org\nC,,c@example.org\n")
    out = io.StringIO()
    call_command("import_people", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "3\tlast_name\tThe last name is missing.",
        "Nothing was imported: 1 errors (use --skip-invalid to import the rest).",
    ]
    out = io.StringIO()
    call_command("import_people", str(path), "--skip-invalid", stdout=out)
    assert out.getvalue().splitlines()[1:] == [
        "Created 1, updated 0, unchanged 0.",
        "1 rows with errors were skipped.",
    ]


def test_xlsx_with_booleans_and_numbers(tmp_path):
    OrganisationFactory(name="Excel ApS", country="DK", registry_number=CVR_A)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "Fornavn",
            "Efternavn",
            "E-mail",
            "organisation_registry_number",
            "organisation_country",
            "newsletter",
            "photos",
        ]
    )
    sheet.append(["Ida", "Holm", "ida@example.org", int(CVR_A), "DK", True, 0])
    path = tmp_path / "people.xlsx"
    workbook.save(path)
    # The command matches field names only; the header's Danish names are for the staff page.
    with pytest.raises(CommandError) as caught:
        _run(path)
    assert str(caught.value) == (
        "The header lacks the required columns: first_name, last_name (found: Fornavn, "
        "Efternavn, E-mail, organisation_registry_number, organisation_country, newsletter, "
        "photos)."
    )
    sheet["A1"], sheet["B1"] = "first_name", "Last Name"
    workbook.save(path)
    assert _run(path) == {"created": 1, "updated": 0, "unchanged": 0, "errors": []}
    assert _consents() == [("ida@example.org", "newsletter", True, "import", None)]
    assert _ties() == [("ida@example.org", "Excel ApS", "contact", None)]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            f"{HEADER}\nSøren,Ø,s@example.org\n".encode("latin-1"),
            "latin.csv",
            "The file is not UTF-8 encoded text (byte 0xf8 on line 2 cannot be read as UTF-8). "
            "Save it as “CSV UTF-8” and try again.",
        ),
        (
            b"first_name,last_name,phone\nA,B,1\n",
            "cols.csv",
            "The header lacks the required columns: email (found: first_name, last_name, phone).",
        ),
        (
            b"name,registry_number,country\nA,,DK\n",
            "organisations.csv",
            "The header lacks the required columns: first_name, last_name, email "
            "(found: name, registry_number, country).",
        ),
        (b"", "empty.csv", "The file is empty."),
        (
            b"first_name,last_name,email\nnot a workbook\n",
            "fake.xlsx",
            "The file is not a valid XLSX workbook: it is not a zip archive.",
        ),
        (
            b"PK\x03\x04 broken zip",
            "broken.xlsx",
            "The file is not a valid XLSX workbook (the archive or its sheets are damaged).",
        ),
        (
            b'first_name,last_name,email\n"Unclosed,B,c@example.org\n',
            "quote.csv",
            "The file is not valid CSV near line 2: unexpected end of data.",
        ),
        (
            b"first_name,last_name,email\nA\x00,B,c@example.org\n",
            "nul.csv",
            "The file is not a CSV file: it contains binary data.",
        ),
        (
            b"email,first_name,e-mail,last_name\n",
            "twice.csv",
            "The columns “email” and “e-mail” both hold email.",
        ),
        (
            b"\xd0\xcf\x11\xe0rest",
            "old.xls",
            "Old Excel files (.xls) cannot be read; save the sheet as XLSX or CSV (UTF-8).",
        ),
    ],
)
def test_bad_files_stop_with_a_clear_message_and_write_nothing(tmp_path, content, name, message):
    PersonFactory(email="stays@example.org")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        call_command("import_people", str(path), "--json", stdout=io.StringIO())
    assert str(caught.value) == message
    assert list(Person.objects.values_list("email", flat=True)) == ["stays@example.org"]


def test_a_file_over_the_limit_or_missing_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "big.csv"
    path.write_bytes(HEADER.encode() + b"\n" + b"x" * (1024 * 1024))
    with pytest.raises(CommandError, match=r"^The file is larger than the limit of 1 MB\.$"):
        call_command("import_people", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"^The file cannot be read\.$"):
        call_command("import_people", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def test_the_number_of_queries_does_not_grow_with_the_rows(tmp_path):
    OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A)

    def rows(n: int, prefix: str) -> str:
        return "".join(
            f"P{i},Holm,{prefix}{i}@example.org,{SE_A},,SE,yes\n"
            f"Q{i},Berg,{prefix}q{i}@example.org,,saab ab,SE,no\n"
            for i in range(n)
        )

    header = (
        "first_name,last_name,email,organisation_registry_number,organisation_name,"
        "organisation_country,newsletter\n"
    )
    counts = []
    for n, prefix in ((1, "one"), (3, "three")):
        PersonFactory(email=f"{prefix}q0@example.org", newsletter=True)  # one update each
        path = _write(tmp_path, header + rows(n, prefix), name=f"{prefix}.csv")
        with CaptureQueriesContext(connection) as queries:
            result = _run(path)
        assert (result["created"], result["updated"]) == (2 * n - 1, 1)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Affiliation.objects.count() == 8


def test_suggested_mapping_knows_local_column_names():
    assert importing.suggest_mapping(
        [
            *("Fornavn", "Efternavn", "E-mail", "Stilling", "CVR", "Virksomhed", "Land"),
            *("Rolle", "Nyhedsbrev", "Sprog", "Andet"),
        ],
        importing_people.PEOPLE_COLUMNS,
    ) == [
        "first_name",
        "last_name",
        "email",
        "title",
        "organisation_registry_number",
        "organisation_name",
        "organisation_country",
        "role",
        "newsletter",
        "languages",
        "",
    ]


# --- The staff page --------------------------------------------------------------------------


def _pending_files() -> list[Path]:
    folder = Path(settings.DATA_DIR) / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def clean_imports():
    for path in _pending_files():
        path.unlink()
    yield
    for path in _pending_files():
        path.unlink()


def test_the_upload_step_asks_what_is_imported(client, staff):
    client.force_login(staff)
    page = client.get(reverse("ecosystem:import"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<input type="radio" name="what" value="organisations"' in html
    assert '<input type="radio" name="what" value="people"' in html
    assert page.context["form"]["what"].value() == "organisations"
    chosen = client.get(reverse("ecosystem:import"), {"what": "people"})
    assert chosen.context["form"]["what"].value() == "people"
    wrong = client.post(
        reverse("ecosystem:import"),
        {"what": "invoices", "file": SimpleUploadedFile("p.csv", b"a\n1\n")},
    )
    assert wrong.status_code == 400
    assert list(wrong.context["form"].errors) == ["what"]


def test_staff_imports_people_through_the_page(client, staff, clean_imports):
    OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A)
    PersonFactory(email="bo@example.org", first_name="Bo", last_name="Berg", photos=True)
    client.force_login(staff)
    content = (
        b"Fornavn;Efternavn;E-mail;Virksomhed;Land;Foto;Noter\n"
        b"Bo;Berg;bo@example.org;Saab AB;SE;nej;kendt\n"
        b"Ida;Holm;ida@example.org;Saab AB;Sverige;;ny\n"
        b"Uden;Adresse;;;;;fejl\n"
    )
    response = client.post(
        reverse("ecosystem:import"),
        {"what": "people", "file": SimpleUploadedFile("kontakter.csv", content)},
    )
    assert (response.status_code, response.url) == (302, reverse("ecosystem:import_preview"))
    state = client.session["ecosystem_import"]
    assert (state["what"], state["mapping"]) == (
        "people",
        [
            "first_name",
            "last_name",
            "email",
            "organisation_name",
            "organisation_country",
            "photos",
            "",
        ],
    )
    preview = client.get(response.url)
    assert preview.status_code == 200
    form = preview.context["form"]
    assert [value for value, _label in form.fields["column_0"].choices][:4] == [
        "",
        "first_name",
        "last_name",
        "email",
    ]
    assert "Import people from “kontakter.csv”" in preview.content.decode()

    mapping = {f"column_{i}": field for i, field in enumerate(state["mapping"])}
    dry = client.post(reverse("ecosystem:import_preview"), mapping)
    assert dry.status_code == 200
    result = dry.context["result"]
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    assert [e.as_dict() for e in result.errors] == [
        {"line": 4, "column": "email", "message": "The e-mail is missing."}
    ]
    html = dry.content.decode()
    assert "New people" in html and "New organisations" not in html
    assert Person.objects.count() == 1

    refused = client.post(reverse("ecosystem:import_commit"), {})
    assert refused.status_code == 400
    assert Person.objects.count() == 1

    done = client.post(reverse("ecosystem:import_commit"), {"skip_invalid": "on"})
    assert (done.status_code, done.url) == (302, reverse("ecosystem:import"))
    assert _pending_files() == []
    assert "ecosystem_import" not in client.session
    assert _ties() == [
        ("bo@example.org", "Saab AB", "contact", None),
        ("ida@example.org", "Saab AB", "contact", None),
    ]
    assert _consents() == [("bo@example.org", "photos", False, "import", staff.pk)]
    entry = AuditEntry.objects.get(action="ecosystem.import.commit")
    assert (entry.actor, entry.data["what"], entry.data["created"], entry.data["errors"]) == (
        staff,
        "people",
        1,
        1,
    )


def test_people_mapping_without_the_required_fields_is_refused(client, staff, clean_imports):
    client.force_login(staff)
    client.post(
        reverse("ecosystem:import"),
        {"what": "people", "file": SimpleUploadedFile("p.csv", b"a,b,c\n1,2,3\n")},
    )
    response = client.post(
        reverse("ecosystem:import_preview"), {"column_0": "first_name", "column_1": "name"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "column_1": ["Select a valid choice. name is not one of the available choices."],
        "__all__": ["The header lacks the required columns: last_name, email (found: a, b, c)."],
    }


def test_only_staff_may_import_people(client, member_admin):
    client.force_login(member_admin)
    response = client.post(
        reverse("ecosystem:import"),
        {"what": "people", "file": SimpleUploadedFile("p.csv", f"{HEADER}\n".encode())},
    )
    assert response.status_code == 403
    assert _pending_files() == []
