import csv
import importlib.util
import io
import json
import os
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from klynge.core.models import AuditEntry
from klynge.ecosystem import importing
from klynge.ecosystem.models import Organisation
from klynge.ecosystem.registry import no_orgnr_is_valid
from klynge.ecosystem.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

# Valid numbers (check digits computed by hand and by klynge.ecosystem.registry).
CVR_A, CVR_B = "10150817", "25313763"  # Danish CVR
ORGNR_A = "919303808"  # Norwegian (SINTEF AS)
SE_A = "5560360793"  # Swedish (Saab AB)


def _repo_root() -> Path:
    for folder in Path(__file__).resolve().parents:
        if (folder / "pyproject.toml").is_file():
            return folder
    raise RuntimeError("pyproject.toml not found above the tests")


# The shared data sets lie beside the checkout (as CI lays them); KLYNGE_SHARED_DIR names
# another place.
SHARED_DIR = Path(os.environ.get("KLYNGE_SHARED_DIR") or _repo_root().parent / "shared")
H2020_FILE = SHARED_DIR / "data" / "collaborations" / "norway-h2020-participations.csv"


def _write(tmp_path, text: str, name: str = "orgs.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _run(path, *flags) -> dict:
    out = io.StringIO()
    call_command("import_organisations", str(path), "--json", *flags, stdout=out)
    return json.loads(out.getvalue())


def _names() -> list[str]:
    return sorted(Organisation.objects.values_list("name", flat=True))


def test_imports_creates_updates_and_leaves_unchanged(tmp_path):
    existing = OrganisationFactory(
        name="Old Name ApS", country="DK", registry_number=CVR_A, city="Odense"
    )
    by_name = OrganisationFactory(name="Bergen Pixel AS", country="NO", city="Bergen")
    same = OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A, city="")
    path = _write(
        tmp_path,
        "Name,Registry_Number,COUNTRY,kind,city,description,employees\n"
        f"New Name ApS,{CVR_A},DK,company,Odense,Lyd og billede,12\n"  # matched by number
        ",,,,,,\n"  # a blank row is skipped but counts as a line
        "bergen pixel as,,Norge,,Bergen,,\n"  # matched by name, nothing new
        f"Saab AB,{SE_A[:6]}-{SE_A[6:]},sweden,,,,\n"  # identical
        f"Nordisk Studie,{CVR_B},danmark,Research institute,Aarhus,,300\n",
    )
    assert _run(path) == {"created": 1, "updated": 1, "unchanged": 2, "errors": []}
    existing.refresh_from_db()
    assert (existing.name, existing.description_en, existing.employees, existing.size_band) == (
        "New Name ApS",
        "Lyd og billede",
        12,
        "small",
    )
    by_name.refresh_from_db()
    assert (by_name.name, by_name.registry_number) == ("Bergen Pixel AS", "")
    created = Organisation.objects.get(registry_number=CVR_B)
    assert (created.kind, created.country, created.city, created.size_band, created.slug) == (
        "research",
        "DK",
        "Aarhus",
        "large",
        "nordisk-studie",
    )
    assert same.pk == Organisation.objects.get(registry_number=SE_A).pk
    entry = AuditEntry.objects.get(action="ecosystem.import.commit")
    assert entry.actor_label == "system"
    assert entry.data == {
        "file": "orgs.csv",
        "rows": 4,
        "created": 1,
        "updated": 1,
        "unchanged": 2,
        "errors": 0,
        "skip_invalid": False,
    }
    # A second run of the same file changes nothing.
    assert _run(path) == {"created": 0, "updated": 0, "unchanged": 4, "errors": []}


def test_kind_defaults_to_company_and_semicolons_and_bom_are_read(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(
        '\ufeffname;registry_number;country\nØrsted Lyd;;DK\n"Semi; colon A/S";;dk\n'.encode()
    )
    assert _run(path) == {"created": 2, "updated": 0, "unchanged": 0, "errors": []}
    assert list(Organisation.objects.order_by("name").values_list("name", "kind", "country")) == [
        ("Semi; colon A/S", "company", "DK"),
        ("Ørsted Lyd", "company", "DK"),
    ]


def test_every_row_problem_is_reported_with_line_and_column_and_nothing_written(tmp_path):
    OrganisationFactory(name="Taken ApS", country="DK", registry_number=CVR_B)
    path = _write(
        tmp_path,
        "name,registry_number,country,kind,founded_year,website\n"
        f"Good One,{CVR_A},DK,,2001,www.good.example\n"
        "Bad Digit,12345678,DK,,,\n"
        "No Country,,Atlantis,,,\n"
        ",,DK,,,\n"
        "Odd Kind,,SE,spaceship,,\n"
        f"Again,{CVR_A},DK,,,\n"
        "Old,,NO,,999,\n"
        f"Taken ApS,{ORGNR_A},NO,,,\n"
        f"Taken ApS,{'10150825'},DK,,,\n",
    )
    result = _run(path)
    assert result == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "line": 3,
                "column": "registry_number",
                "message": "“12345678” is not a valid CVR: the check digit does not match.",
            },
            {
                "line": 4,
                "column": "country",
                "message": "“Atlantis” is not a known country; use its two-letter ISO 3166 "
                "code (such as DK, NO or SE) or its name.",
            },
            {"line": 5, "column": "name", "message": "The name is missing."},
            {
                "line": 6,
                "column": "kind",
                "message": "“spaceship” is not a kind of organisation; use one of company, "
                "startup, media_house, university, school, research, public_body, investor, "
                "cluster, association, other.",
            },
            {
                "line": 7,
                "column": "registry_number",
                "message": "duplicate in file, first on line 2",
            },
            {
                "line": 8,
                "column": "founded_year",
                "message": f"The founding year must be between 1000 and {__import__('datetime').date.today().year}.",
            },
        ],
    }
    assert _names() == ["Taken ApS"]
    assert not AuditEntry.objects.filter(action="ecosystem.import.commit").exists()

    # --skip-invalid imports the three valid rows and reports the same problems; "Taken ApS"
    # with another registry number is another legal entity of the same name.
    skipped = _run(path, "--skip-invalid")
    assert skipped == result
    assert _names() == ["Good One", "Taken ApS", "Taken ApS", "Taken ApS"]
    assert Organisation.objects.get(name="Good One").website == "https://www.good.example"
    assert AuditEntry.objects.get(action="ecosystem.import.commit").data["errors"] == 6


def test_a_row_without_number_fills_in_the_number_of_a_name_match(tmp_path):
    known = OrganisationFactory(name="Fynsk Lyd", country="DK", registry_number="")
    path = _write(tmp_path, f"name,registry_number,country\nFYNSK LYD,{CVR_A},DK\n")
    assert _run(path) == {"created": 0, "updated": 1, "unchanged": 0, "errors": []}
    known.refresh_from_db()
    assert (known.name, known.registry_number) == ("Fynsk Lyd", CVR_A)


def test_dry_run_reports_the_same_counts_and_writes_nothing(tmp_path):
    OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A, city="Linköping")
    path = _write(
        tmp_path,
        f"name,registry_number,country,city\nSaab AB,{SE_A},SE,Göteborg\nNy ApS,{CVR_A},DK,\n",
    )
    dry = _run(path, "--dry-run")
    assert dry == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    assert _names() == ["Saab AB"]
    assert Organisation.objects.get().city == "Linköping"
    assert AuditEntry.objects.filter(action="ecosystem.import.commit").count() == 0
    assert _run(path) == dry
    assert Organisation.objects.get(name="Saab AB").city == "Göteborg"


def test_text_output_without_json(tmp_path):
    path = _write(tmp_path, f"name,registry_number,country\nA,{CVR_A},DK\nB,1,DK\n")
    out = io.StringIO()
    call_command("import_organisations", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "3\tregistry_number\tA CVR has 8 digits; “1” does not.",
        "Nothing was imported: 1 errors (use --skip-invalid to import the rest).",
    ]


def test_xlsx_is_read_with_numbers_as_text(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Name", "Registry number", "Country", "Employees"])
    sheet.append(["Excel Studio", int(CVR_A), "DK", 3.0])
    sheet.append(["Broken", 123, "DK", None])
    path = tmp_path / "orgs.xlsx"
    workbook.save(path)
    assert _run(path, "--skip-invalid") == {
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {
                "line": 3,
                "column": "registry_number",
                "message": "A CVR has 8 digits; “123” does not.",
            }
        ],
    }
    created = Organisation.objects.get()
    assert (created.name, created.registry_number, created.employees) == (
        "Excel Studio",
        CVR_A,
        3,
    )


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            "name,registry_number,country\nKøbenhavn,,DK\n".encode("latin-1"),
            "latin.csv",
            "The file is not UTF-8 encoded text (byte 0xf8 on line 2 cannot be read as UTF-8). "
            "Save it as “CSV UTF-8” and try again.",
        ),
        (
            b"name,country,city\nA,DK,Odense\n",
            "cols.csv",
            "The header lacks the required columns: registry_number (found: name, country, city).",
        ),
        (b"", "empty.csv", "The file is empty."),
        (b"\xef\xbb\xbf\r\n\r\n", "blank.csv", "The file is empty."),
        (
            b"name,registry_number,country\nthis is not a workbook\n",
            "fake.xlsx",
            "The file is not a valid XLSX workbook: it is not a zip archive.",
        ),
        (
            b"PK\x03\x04 broken zip",
            "broken.xlsx",
            "The file is not a valid XLSX workbook (the archive or its sheets are damaged).",
        ),
        (
            b'name,registry_number,country\n"Unclosed,,DK\n',
            "quote.csv",
            "The file is not valid CSV near line 2: unexpected end of data.",
        ),
        (
            b"name,registry_number,country\nA\x00B,,DK\n",
            "nul.csv",
            "The file is not a CSV file: it contains binary data.",
        ),
        (
            b"name,name,registry_number,country\n",
            "twice.csv",
            "The columns “name” and “name” both hold name.",
        ),
    ],
)
def test_bad_files_stop_with_a_clear_message_and_write_nothing(tmp_path, content, name, message):
    OrganisationFactory(name="Stays ApS")
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as caught:
        call_command("import_organisations", str(path), "--json", stdout=io.StringIO())
    assert str(caught.value) == message
    assert _names() == ["Stays ApS"]


def test_a_50_mb_file_is_refused_with_json_and_nothing_is_read(tmp_path, monkeypatch):
    assert importing.MAX_FILE_BYTES == 20 * 1024 * 1024
    OrganisationFactory(name="Stays ApS")
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # a real 50 MB file, sparse: no disk blocks written
        handle.write(b"name,registry_number,country\n")
        handle.truncate(50 * 1024 * 1024)
    assert path.stat().st_size == 50 * 1024 * 1024
    reads = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or b"")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^The file is larger than the limit of 20 MB\.$"):
        call_command("import_organisations", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue()) == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "errors": [
            {"line": 0, "column": "", "message": "The file is larger than the limit of 20 MB."}
        ],
    }
    assert reads == []
    assert _names() == ["Stays ApS"]


@pytest.mark.parametrize("command", ["import_organisations", "import_people"])
def test_file_level_errors_print_json_too(tmp_path, command):
    path = tmp_path / "latin.csv"
    path.write_bytes("name,registry_number,country\nKøge,,DK\n".encode("latin-1"))
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(command, str(path), "--json", stdout=out)
    assert caught.value.returncode == 1
    printed = json.loads(out.getvalue())
    assert (printed["created"], printed["updated"], printed["unchanged"]) == (0, 0, 0)
    assert [(e["line"], e["column"]) for e in printed["errors"]] == [(0, "")]
    assert printed["errors"][0]["message"] == str(caught.value)
    assert printed["errors"][0]["message"].startswith("The file is not UTF-8 encoded text")


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1024 * 1024)
    path = tmp_path / "big.csv"
    path.write_bytes(b"name,registry_number,country\n" + b"x" * (1024 * 1024))
    reads = []
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self) or b"")
    with pytest.raises(CommandError, match=r"^The file is larger than the limit of 1 MB\.$"):
        call_command("import_organisations", str(path), stdout=io.StringIO())
    assert reads == []


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match=r"^The file cannot be read\.$"):
        call_command("import_organisations", str(tmp_path / "nope.csv"), stdout=io.StringIO())


def test_suggested_mapping_knows_local_column_names():
    assert importing.suggest_mapping(
        ["Navn", "CVR-nr", "Land", "Kommune", "Hjemmeside", "Noget andet", "navn"]
    ) == ["name", "registry_number", "country", "municipality", "website", "", ""]


# --- The H2020 converter and the real Norwegian file -----------------------------------------


def _converter():
    spec = importlib.util.spec_from_file_location(
        "h2020_to_import_csv", _repo_root() / "scripts" / "h2020_to_import_csv.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _participation(number, name, sector, category="", municipality="Oslo", county="Oslo"):
    return {
        "Organisasjonsnummer": number,
        "Organisasjonsnavn": name,
        "FoU sektorkode": sector,
        "FoU kategori": category,
        "Adresse kommune": municipality,
        "Adresse fylke": county,
    }


def test_converter_makes_one_row_per_organisation_with_a_kind():
    converter = _converter()
    rows = converter.convert(
        [
            _participation("919303808", "SINTEF AS", "INS", county="Trøndelag - Trööndelage"),
            _participation("919303808", "SINTEF AS", "INS", county="Trøndelag - Trööndelage"),
            _participation("971035854", "UNIVERSITETET I OSLO", "UoH", "Universiteter"),
            _participation("917519919", "TELLU AS", "NÆR", "Næringsliv"),
            _participation("989743295", "TELLU AS", "NÆR", "Næringsliv"),
            _participation("970141669", "NORGES FORSKNINGSRÅD", "NFR"),
            _participation("983658725", "HELSE BERGEN HF", "HEL"),
            _participation("974760673", "KOMMUNE", "DIV", "Øvrige offentlige"),
            _participation("123456789", "FORENING", "DIV", "Øvrige andre"),
            _participation("", "ukjent", "ukjent", "ukjent", ""),
        ]
    )
    assert [(r["name"], r["registry_number"], r["kind"]) for r in rows] == [
        ("SINTEF AS", "919303808", "research"),
        ("UNIVERSITETET I OSLO", "971035854", "university"),
        ("TELLU AS", "917519919", "company"),  # two legal entities, one name
        ("TELLU AS", "989743295", "company"),
        ("NORGES FORSKNINGSRÅD", "970141669", "public_body"),
        ("HELSE BERGEN HF", "983658725", "public_body"),
        ("KOMMUNE", "974760673", "public_body"),
        ("FORENING", "123456789", "other"),
        ("", "", "other"),
    ]
    assert (rows[0]["country"], rows[0]["municipality"], rows[0]["region"]) == (
        "NO",
        "Oslo",
        "Trøndelag",
    )


def test_converter_script_runs_from_the_command_line(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "Organisasjonsnummer;Organisasjonsnavn;FoU sektorkode;FoU kategori;Adresse kommune;"
        "Adresse fylke\n919303808;SINTEF AS;INS;x;Trondheim;Trøndelag\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.csv"
    assert _converter().main(["h2020_to_import_csv.py", str(source), str(target)]) == 0
    assert target.read_text(encoding="utf-8").splitlines() == [
        "name,registry_number,country,kind,municipality,region",
        "SINTEF AS,919303808,NO,research,Trondheim,Trøndelag",
    ]


def test_the_real_norwegian_file_imports_every_valid_number_and_reports_every_invalid(tmp_path):
    if not H2020_FILE.is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run this test: the shared data set is missing ({H2020_FILE})")
        pytest.skip(f"the shared data set is not beside the repository ({H2020_FILE})")
    converted = tmp_path / "h2020.csv"
    assert _converter().main(["convert", str(H2020_FILE), str(converted)]) == 0

    with H2020_FILE.open(encoding="utf-8-sig", newline="") as handle:
        numbers = {
            row["Organisasjonsnummer"].strip() for row in csv.DictReader(handle, delimiter=";")
        }
    valid = {n for n in numbers if no_orgnr_is_valid(n)}
    invalid = numbers - valid
    assert len(valid) >= 600

    with converted.open(encoding="utf-8", newline="") as handle:
        line_of = {row["registry_number"]: n for n, row in enumerate(csv.DictReader(handle), 2)}
    result = _run(converted, "--skip-invalid")
    assert result["created"] == len(valid)
    assert (result["updated"], result["unchanged"]) == (0, 0)
    reported = {error["line"] for error in result["errors"]}
    assert reported == {line_of[n] for n in invalid}
    assert (
        set(Organisation.objects.filter(country="NO").values_list("registry_number", flat=True))
        == valid
    )

    again = _run(converted, "--skip-invalid")
    assert again["created"] == 0
    assert (again["updated"], again["unchanged"]) == (0, len(valid))
    assert Organisation.objects.count() == len(valid)


# --- The staff page --------------------------------------------------------------------------


def _upload(client, content: bytes, name="orgs.csv"):
    return client.post(reverse("ecosystem:import"), {"file": SimpleUploadedFile(name, content)})


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


def test_staff_upload_map_dry_run_and_commit(client, staff, clean_imports):
    OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A, city="Linköping")
    client.force_login(staff)
    page = client.get(reverse("ecosystem:import"))
    assert page.status_code == 200
    assert b'enctype="multipart/form-data"' in page.content

    content = (
        "Navn;CVR;Land;By\n"
        f"Saab AB;{SE_A};Sverige;Göteborg\n"
        f"Ny Lyd ApS;{CVR_A};DK;Odense\n"
        "Forkert;12345678;DK;Vejle\n"
    ).encode()
    response = _upload(client, content)
    assert response.status_code == 302
    assert response.url == reverse("ecosystem:import_preview")
    [stored] = _pending_files()
    assert stored.read_bytes() == content
    assert client.session["ecosystem_import"]["mapping"] == [
        "name",
        "registry_number",
        "country",
        "city",
    ]

    preview = client.get(response.url)
    assert preview.status_code == 200
    form = preview.context["form"]
    assert [form[f"column_{i}"].value() for i in range(4)] == [
        "name",
        "registry_number",
        "country",
        "city",
    ]
    assert preview.context["result"] is None

    mapping = {"column_0": "name", "column_1": "registry_number", "column_2": "country"}
    dry = client.post(reverse("ecosystem:import_preview"), mapping)  # the city is left out
    assert dry.status_code == 200
    result = dry.context["result"]
    assert (result.created, result.updated, result.unchanged) == (1, 0, 1)
    assert [e.as_dict() for e in result.errors] == [
        {
            "line": 4,
            "column": "registry_number",
            "message": "“12345678” is not a valid CVR: the check digit does not match.",
        }
    ]
    assert "“12345678” is not a valid CVR" in dry.content.decode()
    assert Organisation.objects.count() == 1

    refused = client.post(reverse("ecosystem:import_commit"), {})
    assert refused.status_code == 400
    assert Organisation.objects.count() == 1

    done = client.post(reverse("ecosystem:import_commit"), {"skip_invalid": "on"})
    assert done.status_code == 302
    assert _names() == ["Ny Lyd ApS", "Saab AB"]
    assert Organisation.objects.get(name="Saab AB").city == "Linköping"  # city not mapped
    assert _pending_files() == []
    assert "ecosystem_import" not in client.session
    entry = AuditEntry.objects.get(action="ecosystem.import.commit")
    assert (entry.actor, entry.data["created"], entry.data["errors"]) == (staff, 1, 1)


def test_mapping_without_the_required_fields_is_refused(client, staff, clean_imports):
    client.force_login(staff)
    _upload(client, b"a,b,c\n1,2,3\n")
    response = client.post(reverse("ecosystem:import_preview"), {"column_0": "name"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == [
        "The header lacks the required columns: registry_number, country (found: a, b, c)."
    ]


def test_bad_uploads_are_refused_on_the_form(client, staff, clean_imports, monkeypatch):
    client.force_login(staff)
    latin = _upload(client, "name,registry_number,country\nKøge,,DK\n".encode("latin-1"))
    assert latin.status_code == 400
    assert latin.context["form"].errors["file"][0].startswith("The file is not UTF-8")
    wrong_type = _upload(client, b"hello", name="notes.pdf")
    assert wrong_type.context["form"].errors["file"] == ["Upload a .csv or .xlsx file."]
    monkeypatch.setattr(importing, "MAX_FILE_BYTES", 1000)
    big = _upload(client, b"name,registry_number,country\n" + b"x" * 5000)
    assert big.status_code == 400
    assert "The file is larger than the limit of 0 MB." in big.context["form"].errors["__all__"]
    assert _pending_files() == []
    assert "ecosystem_import" not in client.session


def test_cancel_deletes_the_file(client, staff, clean_imports):
    client.force_login(staff)
    _upload(client, f"name,registry_number,country\nA,{CVR_A},DK\n".encode())
    assert len(_pending_files()) == 1
    assert client.post(reverse("ecosystem:import_cancel")).status_code == 302
    assert _pending_files() == []
    assert client.get(reverse("ecosystem:import_preview")).url == reverse("ecosystem:import")


def test_commit_without_a_dry_run_is_refused(client, staff, clean_imports):
    client.force_login(staff)
    _upload(client, f"name,registry_number,country\nA,{CVR_A},DK\n".encode())
    response = client.post(reverse("ecosystem:import_commit"), {})
    assert response.url == reverse("ecosystem:import")
    assert Organisation.objects.count() == 0


def test_only_staff_may_import(client, member_admin, employee):
    for user in (member_admin, employee):
        client.force_login(user)
        assert client.get(reverse("ecosystem:import")).status_code == 403
        assert client.post(reverse("ecosystem:import_commit")).status_code == 403
    client.logout()
    response = client.get(reverse("ecosystem:import"))
    assert (response.status_code, response.url.split("?")[0]) == (302, reverse("accounts:login"))


def test_imported_and_updated_organisations_get_their_search_text(tmp_path):
    search = importing._search_module()
    if search is None:
        pytest.skip("the directory's search column is not there")
    known = OrganisationFactory(name="Saab AB", country="SE", registry_number=SE_A, city="")
    path = _write(
        tmp_path,
        f"name,registry_number,country,city\nSaab AB,{SE_A},SE,Linköping\nNy Lyd,{CVR_A},DK,Vejle\n",
    )
    assert _run(path) == {"created": 1, "updated": 1, "unchanged": 0, "errors": []}
    known.refresh_from_db()
    created = Organisation.objects.get(registry_number=CVR_A)
    # What the import stored equals what a full recomputation from the database gives.
    stored = known.search_text
    assert search.refresh_search_text(known) == stored
    assert "linköping" in known.search_text
    stored = created.search_text
    assert search.refresh_search_text(created) == stored
    assert "vejle" in created.search_text


def test_the_preview_lists_possible_duplicates(client, staff, clean_imports):
    OrganisationFactory(name="Fynsk Lyd ApS", country="DK")
    client.force_login(staff)
    _upload(client, f"name,registry_number,country\nFynsk Lyd A/S,{CVR_A},DK\n".encode())
    mapping = {"column_0": "name", "column_1": "registry_number", "column_2": "country"}
    dry = client.post(reverse("ecosystem:import_preview"), mapping)
    assert dry.status_code == 200
    assert [w.as_dict() for w in dry.context["result"].warnings] == [
        {
            "line": 2,
            "column": "name",
            "message": "Possibly a duplicate of “Fynsk Lyd ApS”, already in the directory.",
        }
    ]
    html = dry.content.decode()
    assert 'id="possible-duplicates"' in html
    assert "Possibly a duplicate of “Fynsk Lyd ApS”, already in the directory." in html


def test_a_real_50_mb_upload_is_refused_with_a_clear_message(
    client, staff, clean_imports, tmp_path
):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:  # sparse: 50 MB long, no blocks written
        handle.write(b"name,registry_number,country\n")
        handle.truncate(50 * 1024 * 1024)
    client.force_login(staff)
    with path.open("rb") as upload:
        response = client.post(reverse("ecosystem:import"), {"file": upload})
    assert response.status_code == 400
    assert response.context["form"].errors["__all__"] == [
        "The file is larger than the limit of 20 MB."
    ]
    assert "at most 20 MB" in response.content.decode()
    assert _pending_files() == []
    assert "ecosystem_import" not in client.session
    assert Organisation.objects.count() == 0
