import factory

from klynge.ecosystem.models import (
    Affiliation,
    AffiliationRole,
    MembershipStatus,
    Organisation,
    Person,
)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Studio {n} ApS")
    slug = factory.Sequence(lambda n: f"studio-{n}")
    kind = "company"
    country = "DK"
    city = "Odense"
    membership_status = MembershipStatus.MEMBER


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    first_name = factory.Sequence(lambda n: f"Ida{n}")
    last_name = "Holm"
    email = factory.Sequence(lambda n: f"person{n}@example.org")


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = AffiliationRole.EMPLOYEE
