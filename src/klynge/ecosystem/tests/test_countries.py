"""Every ISO 3166-1 country, named in the reader's language (CLDR through Babel)."""

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from klynge.ecosystem.countries import ISO_3166_1, country_choices, country_name
from klynge.ecosystem.models import Country, Organisation
from klynge.ecosystem.tests.factories import OrganisationFactory


def test_the_list_is_iso_3166_1_with_a_name_in_every_language():
    assert len(ISO_3166_1) == len(set(ISO_3166_1)) == 249
    assert {"DK", "NO", "SE", "NL", "US", "AX", "GL", "FO"} <= set(ISO_3166_1)
    assert not {"EU", "XK", "ZZ", "UN"} & set(ISO_3166_1)
    for language in ("da", "en", "nb", "sv"):
        names = [country_name(code, language) for code in ISO_3166_1]
        assert all(name and name != code for name, code in zip(names, ISO_3166_1, strict=True))
    assert [country_name("NL", lang) for lang in ("da", "en", "nb", "sv")] == [
        "Nederlandene",
        "Netherlands",
        "Nederland",
        "Nederländerna",
    ]


def test_model_choices_and_form_choices_follow_the_language():
    assert Country.values[:3] == ["DK", "NO", "SE"]
    assert Country.values[-1] == "XX"
    assert len(Country.values) == 250
    with translation.override("sv"):
        assert str(Country("DE").label) == "Tyskland"
        choices = country_choices()
    assert [code for code, _name in choices[:3]] == ["DK", "NO", "SE"]
    rest = [name for _code, name in choices[3:]]
    assert rest == sorted(rest, key=str.casefold)
    assert choices[3] == ("AF", "Afghanistan")


@pytest.mark.django_db
def test_the_import_reads_codes_and_names_in_four_languages(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(
        "name,registry_number,country\n"
        "Amsterdam Media BV,,Nederlandene\n"
        "Boston Labs Inc,,US\n"
        "Hamburg Ton GmbH,,Deutschland\n"
        "Reykjavik Film,,Island\n"
        "Atlantis Ltd,,Atlantis\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_organisations", str(path), "--json", "--skip-invalid", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["created"], [e["line"] for e in result["errors"]]) == (4, [6])
    assert sorted(Organisation.objects.values_list("country", flat=True)) == [
        "DE",
        "IS",
        "NL",
        "US",
    ]


@pytest.mark.django_db
def test_the_directory_facet_names_countries_in_the_readers_language(client):
    OrganisationFactory(name="Amsterdam Media BV", country="NL")
    OrganisationFactory(name="Fynsk Lyd ApS", country="DK")
    with translation.override("da"):
        response = client.get(reverse("ecosystem:directory"), HTTP_ACCEPT_LANGUAGE="da")
    labels = {item.value: item.label for item in response.context["result"].facets["country"]}
    assert labels == {"NL": "Nederlandene", "DK": "Danmark"}
