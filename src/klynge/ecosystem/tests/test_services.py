import pytest
from django.core.exceptions import ValidationError

from klynge.core.models import AuditEntry
from klynge.ecosystem import services
from klynge.ecosystem.models import ConsentRecord, NaceCode, Organisation, Sdg, Sector

pytestmark = pytest.mark.django_db


def test_taxonomies_are_seeded():
    assert Sdg.objects.count() == 17
    assert Sector.objects.get(slug="audio").parent.slug == "content"
    assert NaceCode.objects.get(code="73.11").name == "Advertising agencies"
    assert NaceCode.objects.get(code="J").level == 1
    assert NaceCode.objects.get(code="59.11").parent.code == "59.1"


def test_create_organisation_normalises_the_registry_number_and_sets_tags(staff):
    organisation = services.create_organisation(
        actor=staff,
        name="Vimond Media Solutions AS",
        kind="company",
        country="NO",
        registry_number="NO 974 760 673 MVA",
        employees=120,
        sectors=Sector.objects.filter(slug="streaming"),
        sdgs=[Sdg.objects.get(number=9)],
    )
    assert organisation.registry_number == "974760673"
    assert organisation.size_band == "medium"
    assert [s.slug for s in organisation.sectors.all()] == ["streaming"]
    assert [g.number for g in organisation.sdgs.all()] == [9]
    assert (
        AuditEntry.objects.filter(
            action="ecosystem.organisation.create", target_label=organisation.name
        ).count()
        == 1
    )


def test_wrong_check_digit_is_refused_naming_the_field(staff):
    with pytest.raises(ValidationError) as error:
        services.create_organisation(
            actor=staff, name="X", kind="company", country="DK", registry_number="24256791"
        )
    assert error.value.message_dict == {
        "registry_number": ["“24256791” is not a valid CVR: the check digit does not match."]
    }
    assert Organisation.objects.count() == 0


def test_registry_number_is_the_deduplication_key(staff):
    services.create_organisation(
        actor=staff,
        name="TV 2 Danmark A/S",
        kind="media_house",
        country="DK",
        registry_number="21265543",
    )
    with pytest.raises(ValidationError) as error:
        services.create_organisation(
            actor=staff, name="TV2", kind="media_house", country="DK", registry_number="21 26 55 43"
        )
    assert error.value.message_dict == {
        "registry_number": ["TV 2 Danmark A/S already has this registry number."]
    }


def test_update_organisation_records_what_changed(staff, member_org):
    services.update_organisation(actor=staff, organisation=member_org, city="Aarhus", employees=12)
    member_org.refresh_from_db()
    assert (member_org.city, member_org.size_band) == ("Aarhus", "small")
    entry = AuditEntry.objects.get(action="ecosystem.organisation.update")
    assert entry.data["changed"] == {"city": ["Odense", "Aarhus"], "employees": ["None", "12"]}


def test_consent_changes_keep_their_history(staff, employee):
    person = employee.person
    services.set_consent(
        actor=employee, person=person, kind="newsletter", granted=True, source="profile"
    )
    services.set_consent(
        actor=employee, person=person, kind="newsletter", granted=True, source="profile"
    )
    services.set_consent(
        actor=staff, person=person, kind="newsletter", granted=False, source="phone call"
    )
    person.refresh_from_db()
    assert person.newsletter is False
    assert list(ConsentRecord.objects.values_list("granted", "source").order_by("id")) == [
        (True, "profile"),
        (False, "phone call"),
    ]
