"""Prepared queries (klynge.core.prepared) give what their querysets give, on SQLite and on
PostgreSQL, compile once per connection, and refuse what they cannot prepare."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F, Q, Value
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from klynge.accounts.models import ApiToken
from klynge.core.prepared import Prepared, PreparedInsert, PreparedUpdate
from klynge.ecosystem.models import Affiliation, Organisation, Person
from klynge.ecosystem.tests.factories import (
    AffiliationFactory,
    OrganisationFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


person_by_id = Prepared(lambda pk: Person.objects.filter(pk=pk, erased_at__isnull=True))


def test_model_instances_are_those_of_the_queryset():
    person = PersonFactory(languages=["da", "en"], other_emails=["x@example.org"])
    prepared = person_by_id.first(person.pk)
    assert type(prepared) is Person
    assert _fields(prepared) == _fields(Person.objects.get(pk=person.pk))
    assert prepared._state.adding is False and prepared._state.db == "default"
    assert isinstance(prepared.created_at, datetime.datetime) and prepared.languages == ["da", "en"]
    # A changed row is read again: only the SQL is kept, never a result.
    Person.objects.filter(pk=person.pk).update(first_name="Karen")
    assert person_by_id.first(person.pk).first_name == "Karen"


def test_no_row_and_out_of_range_numbers_give_nothing():
    person = PersonFactory()
    Person.objects.filter(pk=person.pk).update(erased_at=datetime.datetime.now(datetime.UTC))
    assert person_by_id.first(person.pk) is None
    assert person_by_id.all(10**30) == [] and person_by_id.first(-(10**30)) is None


def test_arguments_of_the_wrong_kind_or_number_are_refused():
    with pytest.raises(TypeError):
        person_by_id.first("1")
    with pytest.raises(TypeError):
        person_by_id.first(True)
    with pytest.raises(TypeError):
        person_by_id.first(1, 2)


def _token(token_hash: str):
    return ApiToken.objects.select_related("user").filter(
        token_hash=token_hash, revoked_at__isnull=True
    )[:1]


token_by_hash = Prepared(_token)


def test_select_related_and_string_parameters(django_user_model):
    from klynge.accounts.services import create_api_token

    user = django_user_model.objects.create_user("ada@example.org", "a-long-password-42")
    token, _secret = create_api_token(actor=user, user=user, name="script")
    with CaptureQueriesContext(connection) as queries:
        found = token_by_hash.first(token.token_hash)
        assert found.user.email == "ada@example.org"  # no second query for the user
    assert len(queries) == 1
    assert _fields(found.user) == _fields(django_user_model.objects.get(pk=user.pk))
    assert token_by_hash.first("no such hash") is None
    assert token_by_hash.first("it's; DROP TABLE accounts_apitoken; --") is None


affiliations = Prepared(
    lambda person_id: (
        Affiliation.objects.filter(person_id=person_id)
        .order_by("start_date", "id")
        .values_list("organisation_id", "start_date")
    )
)
names = Prepared(lambda pk: Organisation.objects.filter(pk=pk).values_list("name", flat=True))
as_dicts = Prepared(lambda pk: Organisation.objects.filter(pk=pk).values("name", "slug"))


def test_values_and_values_list_as_the_queryset_gives_them():
    person = PersonFactory()
    for start in (datetime.date(2020, 1, 1), datetime.date(2018, 5, 1)):
        AffiliationFactory(person=person, start_date=start)
    expected = list(
        Affiliation.objects.filter(person=person)
        .order_by("start_date", "id")
        .values_list("organisation_id", "start_date")
    )
    assert affiliations.all(person.pk) == expected
    assert isinstance(expected[0][1], datetime.date)
    organisation = OrganisationFactory(name="Odense Film")
    assert names.all(organisation.pk) == ["Odense Film"]
    assert as_dicts.first(organisation.pk) == {"name": "Odense Film", "slug": organisation.slug}


def test_compiled_once_per_connection():
    person = PersonFactory()
    fresh = Prepared(lambda pk: Person.objects.filter(pk=pk))
    fresh.first(person.pk)
    kept = connections["default"].__dict__["_klynge_prepared"]
    compiled = kept[fresh]
    fresh.first(person.pk)
    assert kept[fresh] is compiled


take_seat = PreparedUpdate(
    lambda pk: Organisation.objects.filter(pk=pk, name__startswith="Open"),
    {"city": "Taken"},
)


def test_update_changes_the_rows_it_selects_and_counts_them():
    open_one, closed = OrganisationFactory(name="Open House"), OrganisationFactory(name="Closed")
    assert take_seat.update(open_one.pk) == 1
    assert take_seat.update(closed.pk) == 0
    assert take_seat.update(10**30) == 0
    open_one.refresh_from_db()
    closed.refresh_from_db()
    assert (open_one.city, closed.city) == ("Taken", "Odense")
    with pytest.raises(TypeError):
        take_seat.all(open_one.pk)


def test_update_with_an_expression_rolls_back_with_its_transaction():
    organisation = OrganisationFactory()
    count = PreparedUpdate(
        lambda pk: Organisation.objects.filter(pk=pk), {"name": F("slug")}, name="name from slug"
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        assert count.update(organisation.pk) == 1
        raise RuntimeError
    organisation.refresh_from_db()
    assert organisation.name != organisation.slug
    count.update(organisation.pk)
    organisation.refresh_from_db()
    assert organisation.name == organisation.slug


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda pk: Person.objects.filter(Q(pk=pk) | Q(user_id=pk)), "appears 2 times"),
        (lambda pk: Person.objects.filter(pk=pk + 1), "appears 0 times"),
        (lambda pk: [pk], "must build a QuerySet"),
        (lambda pk: Person.objects.filter(pk=pk).prefetch_related("affiliations"), "prefetch"),
    ],
)
def test_what_cannot_be_prepared_is_refused_at_once(build, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Prepared(build).first(1)


def test_an_update_across_tables_is_refused():
    across = PreparedUpdate(
        lambda pk: Person.objects.filter(affiliations__organisation_id=pk), {"title": "x"}
    )
    with pytest.raises(ImproperlyConfigured, match="one table"):
        across.update(1)


new_person = PreparedInsert(Person)


def test_an_insert_stores_what_save_would_and_reads_back_the_key():
    made = PersonFactory.build(languages=["da", "en"], other_emails=["x@example.org"])
    saved = PersonFactory.build(
        first_name=made.first_name, last_name=made.last_name, email="saved@example.org"
    )
    saved.languages, saved.other_emails = made.languages, made.other_emails
    with CaptureQueriesContext(connection) as queries:
        assert new_person.insert(made) is made
    assert len(queries) == 1 and queries[0]["sql"].startswith("INSERT")
    saved.save()
    assert made.pk and made.pk != saved.pk
    assert made._state.adding is False and made._state.db == "default"
    assert made.created_at and made.updated_at  # auto_now_add and auto_now, as save() sets them
    stored, compare = Person.objects.get(pk=made.pk), Person.objects.get(pk=saved.pk)
    different = {"id", "email", "created_at", "updated_at"}
    assert {k: v for k, v in _fields(stored).items() if k not in different} == {
        k: v for k, v in _fields(compare).items() if k not in different
    }
    assert _fields(stored) == _fields(made)
    given = PersonFactory.build(pk=made.pk + 1000)  # a key given is inserted as it is
    new_person.insert(given)
    assert Person.objects.filter(pk=made.pk + 1000).exists()


def test_a_refused_insert_raises_and_rolls_back_with_its_transaction():
    affiliation = AffiliationFactory()
    new_affiliation = PreparedInsert(Affiliation)
    twin = Affiliation(organisation_id=None, person_id=affiliation.person_id)  # NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        new_affiliation.insert(twin)
    assert Affiliation.objects.count() == 1
    with pytest.raises(TypeError, match="inserts Affiliations"):
        new_affiliation.insert(PersonFactory.build())


def test_receivers_hear_the_insert_once_as_they_hear_save():
    heard = []

    def before(sender, instance, raw, using, update_fields, **kwargs):
        heard.append(("pre_save", instance.pk, raw, using, update_fields))
        instance.title = "Set by a receiver"  # as django-tasks-db fills in run_after

    def after(sender, instance, created, raw, using, update_fields, **kwargs):
        heard.append(("post_save", instance.pk is not None, created, raw, using, update_fields))

    pre_save.connect(before, sender=Person)
    post_save.connect(after, sender=Person)
    try:
        with CaptureQueriesContext(connection) as queries:
            made = new_person.insert(PersonFactory.build(last_name="Heard"))
    finally:
        pre_save.disconnect(before, sender=Person)
        post_save.disconnect(after, sender=Person)
    assert len(queries) == 1  # still the prepared INSERT
    assert heard == [
        ("pre_save", None, False, "default", None),
        ("post_save", True, True, False, "default", None),
    ]
    assert Person.objects.get(pk=made.pk).title == "Set by a receiver"


def test_expressions_get_the_orms_save_and_receivers_still_hear_it_once():
    # An expression is left to the ORM, which writes what it computes.
    expressed = PersonFactory.build(last_name=Value("Computed"))
    new_person.insert(expressed)
    assert Person.objects.filter(pk=expressed.pk, last_name="Computed").exists()

    heard = []

    def computing(sender, instance, **kwargs):
        heard.append("pre_save")
        instance.title = Value("Computed by a receiver")

    def after(sender, instance, created, **kwargs):
        heard.append(("post_save", created))

    pre_save.connect(computing, sender=Person)
    post_save.connect(after, sender=Person)
    try:
        made = new_person.insert(PersonFactory.build(last_name="Receiver"))
    finally:
        pre_save.disconnect(computing, sender=Person)
        post_save.disconnect(after, sender=Person)
    assert heard == ["pre_save", ("post_save", True)]
    assert made.pk and made._state.adding is False
    assert Person.objects.get(pk=made.pk).title == "Computed by a receiver"
