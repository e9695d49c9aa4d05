import pytest
from django.core.exceptions import ValidationError

from klynge.ecosystem.registry import (
    clean_registry_number,
    cvr_is_valid,
    no_orgnr_is_valid,
    normalise,
    se_orgnr_is_valid,
)


@pytest.mark.parametrize("number", ["24256790", "10150817", "25052943", "35954716"])
def test_real_danish_cvr_numbers_are_valid(number):
    assert cvr_is_valid(number)


@pytest.mark.parametrize("number", ["24256791", "1015081", "02425679", "abcdefgh"])
def test_wrong_cvr_numbers_are_refused(number):
    assert not cvr_is_valid(number)


@pytest.mark.parametrize("number", ["974760673", "923609016", "971526920", "983163327"])
def test_real_norwegian_organisation_numbers_are_valid(number):
    assert no_orgnr_is_valid(number)


@pytest.mark.parametrize("number", ["974760674", "97476067", "923609017"])
def test_wrong_norwegian_numbers_are_refused(number):
    assert not no_orgnr_is_valid(number)


@pytest.mark.parametrize("number", ["5560360793", "2021005489", "2120000142", "5565475489"])
def test_real_swedish_organisation_numbers_are_valid(number):
    assert se_orgnr_is_valid(number)


@pytest.mark.parametrize("number", ["5560360794", "556036079", "2021005488"])
def test_wrong_swedish_numbers_are_refused(number):
    assert not se_orgnr_is_valid(number)


def test_normalise_strips_formatting_and_prefixes():
    assert normalise(" DK 24 25 67 90 ") == "24256790"
    assert normalise("NO 974 760 673 MVA") == "974760673"
    assert normalise("556036-0793") == "5560360793"


def test_clean_registry_number_explains_what_is_wrong():
    assert clean_registry_number("SE", "556036-0793") == "5560360793"
    assert clean_registry_number("DE", "HRB 1234") == "HRB1234"
    assert clean_registry_number("DK", "") == ""
    with pytest.raises(ValidationError) as length_error:
        clean_registry_number("DK", "1234")
    assert length_error.value.messages == ["A CVR has 8 digits; “1234” does not."]
    with pytest.raises(ValidationError) as check_error:
        clean_registry_number("NO", "974760674")
    assert check_error.value.messages == [
        "“974760674” is not a valid organisasjonsnummer: the check digit does not match."
    ]
