"""An organisation's people: adding, inviting, re-assigning and ending colleagues, by its member
admins and the staff, in the services and on the pages; and staff adding an organisation."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from klynge.accounts.models import Invitation
from klynge.accounts.roles import roles_for
from klynge.accounts.tests.factories import user_with_role
from klynge.core.models import AuditEntry
from klynge.ecosystem import services
from klynge.ecosystem.models import Affiliation, Organisation, Person
from klynge.ecosystem.tests.factories import AffiliationFactory, PersonFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _names(request):
    """The member admin's and the employee's people carry their users' names."""
    names = {"member_admin": ("Mette", "Boss"), "employee": ("Emil", "Ansat")}
    for fixture, (first, last) in names.items():
        if fixture in request.fixturenames:
            user = request.getfixturevalue(fixture)
            Person.objects.filter(user=user).update(first_name=first, last_name=last)


def _tie(user, organisation):
    return Affiliation.objects.get(person__user=user, organisation=organisation, end_date=None)


def _fresh(user):
    """The user as a new request sees them (roles are cached per user object)."""
    return type(user).objects.get(pk=user.pk)


# --- Services ---------------------------------------------------------------------------------


def test_ending_a_tie_takes_effect_at_once(member_admin, employee, member_org):
    tie = _tie(employee, member_org)
    tie.start_date = TODAY() - 400 * DAY
    tie.save()
    assert roles_for(_fresh(employee)).affiliated_ids == {member_org.pk}

    services.end_affiliation(actor=member_admin, affiliation=tie)

    tie.refresh_from_db()
    assert tie.end_date == TODAY() - DAY
    fresh = _fresh(employee)
    assert roles_for(fresh).affiliated_ids == frozenset()
    assert not fresh.has_perm("ecosystem.view_organisation_people", member_org)
    entry = AuditEntry.objects.get(action="ecosystem.affiliation.end")
    assert (entry.actor, entry.target_id, entry.data) == (
        member_admin,
        str(tie.pk),
        {
            "affiliation": tie.pk,
            "person": tie.person_id,
            "role": "employee",
            "outcome": "ended",
            "end_date": (TODAY() - DAY).isoformat(),
        },
    )


def test_a_tie_that_began_today_is_withdrawn(staff, member_org):
    person = PersonFactory()
    tie = AffiliationFactory(person=person, organisation=member_org, start_date=TODAY())
    services.end_affiliation(actor=staff, affiliation=tie)
    assert not Affiliation.objects.filter(pk=tie.pk).exists()
    entry = AuditEntry.objects.get(action="ecosystem.affiliation.end")
    assert (entry.target_label, entry.data["outcome"], entry.data["person"]) == (
        "Fynsk Lyd ApS",
        "withdrawn",
        person.pk,
    )


def test_a_tie_can_end_on_a_later_day(staff, employee, member_org):
    tie = _tie(employee, member_org)
    services.end_affiliation(actor=staff, affiliation=tie, end_date=TODAY() + 30 * DAY)
    tie.refresh_from_db()
    assert tie.end_date == TODAY() + 30 * DAY
    assert roles_for(_fresh(employee)).affiliated_ids == {member_org.pk}
    with pytest.raises(ValidationError) as error:
        services.end_affiliation(actor=staff, affiliation=tie, end_date=TODAY() - DAY)
    assert error.value.message_dict == {"end_date": ["The end cannot be in the past."]}


def test_an_ended_tie_cannot_end_again(staff, employee, member_org):
    tie = _tie(employee, member_org)
    services.end_affiliation(actor=staff, affiliation=tie)
    with pytest.raises(ValidationError) as error:
        services.end_affiliation(actor=staff, affiliation=tie)
    assert error.value.messages == ["This affiliation has ended already."]


def test_the_last_member_admin_stays_unless_staff_end_it(member_admin, staff, member_org):
    tie = _tie(member_admin, member_org)
    with pytest.raises(ValidationError) as error:
        services.end_affiliation(actor=member_admin, affiliation=tie)
    assert error.value.messages == [
        "Fynsk Lyd ApS needs at least one member administrator: make a colleague member "
        "administrator first."
    ]
    with pytest.raises(ValidationError):
        services.change_affiliation_role(actor=member_admin, affiliation=tie, role="employee")
    assert _tie(member_admin, member_org).role == "member_admin"
    services.end_affiliation(actor=staff, affiliation=tie, keep_an_admin=False)
    assert roles_for(_fresh(member_admin)).administered_ids == frozenset()


def test_changing_a_role_keeps_both_periods(member_admin, employee, member_org):
    tie = _tie(employee, member_org)
    tie.start_date = TODAY() - 100 * DAY
    tie.save()
    current = services.change_affiliation_role(
        actor=member_admin, affiliation=tie, role="member_admin"
    )
    tie.refresh_from_db()
    assert (tie.role, tie.start_date, tie.end_date) == (
        "employee",
        TODAY() - 100 * DAY,
        TODAY() - DAY,
    )
    assert (current.role, current.start_date, current.end_date) == ("member_admin", TODAY(), None)
    assert roles_for(_fresh(employee)).administered_ids == {member_org.pk}
    entry = AuditEntry.objects.get(action="ecosystem.affiliation.role")
    assert entry.data == {"from": "employee", "to": "member_admin", "previous": tie.pk}


def test_a_tie_begun_today_changes_its_role_in_place(staff, member_org):
    tie = AffiliationFactory(organisation=member_org, start_date=TODAY(), role="employee")
    current = services.change_affiliation_role(actor=staff, affiliation=tie, role="ceo")
    assert (current.pk, current.role) == (tie.pk, "ceo")
    assert Affiliation.objects.filter(person=tie.person).count() == 1


def test_a_role_the_person_has_already_is_refused(staff, member_org):
    person = PersonFactory(first_name="Ole", last_name="Olsen")
    tie = AffiliationFactory(person=person, organisation=member_org, role="employee")
    AffiliationFactory(person=person, organisation=member_org, role="ceo")
    with pytest.raises(ValidationError) as error:
        services.change_affiliation_role(actor=staff, affiliation=tie, role="ceo")
    assert error.value.message_dict == {"role": ["Ole Olsen has this role already."]}


def test_an_unknown_role_is_refused_everywhere(staff, member_org):
    tie = AffiliationFactory(organisation=member_org)
    for call in (
        lambda: services.change_affiliation_role(actor=staff, affiliation=tie, role="king"),
        lambda: services.affiliate(
            actor=staff, person=tie.person, organisation=member_org, role="king"
        ),
        lambda: services.add_person_to_organisation(
            actor=staff, organisation=member_org, role="king", first_name="A", last_name="B"
        ),
    ):
        with pytest.raises(ValidationError) as error:
            call()
        assert error.value.message_dict == {"role": ["Choose one of the offered roles."]}


def test_a_new_colleague_is_added_with_a_tie_from_today(member_admin, member_org):
    tie = services.add_person_to_organisation(
        actor=member_admin,
        organisation=member_org,
        role="employee",
        first_name=" Berit ",
        last_name="Bogholder",
        email="Berit@FynskLyd.example",
        title="Bookkeeper",
    )
    person = tie.person
    assert (person.full_name, person.email, person.title, person.user) == (
        "Berit Bogholder",
        "berit@fynsklyd.example",
        "Bookkeeper",
        None,
    )
    assert (tie.organisation, tie.role, tie.start_date, tie.end_date) == (
        member_org,
        "employee",
        TODAY(),
        None,
    )
    assert list(
        AuditEntry.objects.filter(actor=member_admin)
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["ecosystem.person.create", "ecosystem.affiliation.create"]


def test_a_member_admin_cannot_claim_someone_in_the_directory(member_admin, staff, member_org):
    someone = PersonFactory(email="known@elsewhere.example")
    with pytest.raises(ValidationError) as error:
        services.add_person_to_organisation(
            actor=member_admin,
            organisation=member_org,
            role="employee",
            first_name="Known",
            last_name="Person",
            email="KNOWN@elsewhere.example",
        )
    assert list(error.value.message_dict) == ["email"]
    assert not someone.affiliations.exists()
    tie = services.add_person_to_organisation(
        actor=staff,
        organisation=member_org,
        role="contact",
        first_name="Known",
        last_name="Person",
        email="known@elsewhere.example",
        link_existing=True,
    )
    assert (tie.person, Person.objects.count()) == (someone, 2)  # and the member admin


def test_an_erased_person_cannot_be_tied_again(staff, member_org):
    person = PersonFactory(erased_at=timezone.now())
    with pytest.raises(ValidationError) as error:
        services.affiliate(actor=staff, person=person, organisation=member_org, role="employee")
    assert error.value.messages == ["This person was erased and cannot be added."]


@pytest.mark.django_db(transaction=True)
def test_two_admins_removing_each_other_at_once_leave_one(member_org):
    first = user_with_role("member_admin", member_org, email="one@fynsklyd.example")
    second = user_with_role("member_admin", member_org, email="two@fynsklyd.example")
    pairs = [(first, _tie(second, member_org)), (second, _tie(first, member_org))]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def end(actor, tie):
        barrier.wait()
        try:
            services.end_affiliation(actor=actor, affiliation=tie)
            results.append("ended")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=end, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ended", "refused"]
    admins = Affiliation.objects.current().filter(organisation=member_org, role="member_admin")
    assert admins.count() == 1


# --- Pages ------------------------------------------------------------------------------------


def _people_url(organisation):
    return reverse("ecosystem:organisation_people", args=[organisation.slug])


@pytest.mark.parametrize(
    ("role", "status"),
    [("member_admin", 200), ("staff", 200), ("employee", 403), ("other_admin", 403)],
)
def test_who_manages_an_organisations_people(client, request, member_org, other_org, role, status):
    if role == "other_admin":
        user = user_with_role("member_admin", other_org, email="boss@bergen.example")
    else:
        user = request.getfixturevalue(role)
    client.force_login(user)
    assert client.get(_people_url(member_org)).status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, member_org):
    response = client.get(_people_url(member_org))
    assert (response.status_code, response.url) == (
        302,
        f"{reverse('accounts:login')}?next={_people_url(member_org)}",
    )


def test_the_page_lists_current_and_former_people(client, member_admin, employee, member_org):
    former = AffiliationFactory(
        person=PersonFactory(first_name="Gamle", last_name="Kollega"),
        organisation=member_org,
        start_date=TODAY() - 300 * DAY,
        end_date=TODAY() - 10 * DAY,
    )
    client.force_login(member_admin)
    response = client.get(_people_url(member_org))
    assert [a.person.full_name for a in response.context["people"]] == [
        "Emil Ansat",
        "Mette Boss",
    ]
    assert [a.pk for a in response.context["former"]] == [former.pk]
    html = response.content.decode()
    assert "Gamle Kollega" in html
    assert 'aria-label="End the affiliation of Emil Ansat"' in html
    assert [value for value, _label in response.context["invite_form"].fields["role"].choices] == [
        "member_admin",
        "employee",
    ]


@pytest.mark.parametrize("rows", [1, 3])
def test_the_people_page_has_a_constant_number_of_queries(
    client, staff, member_org, rows, django_assert_num_queries
):
    for _ in range(rows):
        AffiliationFactory(organisation=member_org, start_date=TODAY() - DAY)
    AffiliationFactory(organisation=member_org, end_date=TODAY() - DAY)
    client.force_login(staff)
    client.get(_people_url(member_org))  # warms the content-type cache of the audit log
    with django_assert_num_queries(8):
        response = client.get(_people_url(member_org))
    assert len(response.context["people"]) == rows


def test_a_member_admin_adds_a_contact_on_the_page(client, member_admin, member_org):
    client.force_login(member_admin)
    response = client.post(
        reverse("ecosystem:organisation_person_add", args=[member_org.slug]),
        {
            "add-first_name": "Berit",
            "add-last_name": "Bogholder",
            "add-email": "berit@fynsklyd.example",
            "add-role": "contact",
        },
        follow=True,
    )
    assert response.redirect_chain == [(_people_url(member_org), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Berit Bogholder is added to Fynsk Lyd ApS as contact person."
    ]
    tie = Affiliation.objects.get(person__email="berit@fynsklyd.example")
    assert (tie.organisation, tie.role) == (member_org, "contact")


def test_bad_input_on_the_add_form_is_a_400_per_field(client, member_admin, member_org):
    PersonFactory(email="taken@elsewhere.example")
    client.force_login(member_admin)
    url = reverse("ecosystem:organisation_person_add", args=[member_org.slug])
    response = client.post(url, {"add-first_name": "", "add-last_name": "X", "add-role": "king"})
    assert response.status_code == 400
    errors = response.context["add_form"].errors
    assert errors["first_name"] == ["This field is required."]
    assert errors["role"] == ["Select a valid choice. king is not one of the available choices."]
    response = client.post(
        url,
        {
            "add-first_name": "A",
            "add-last_name": "B",
            "add-email": "taken@elsewhere.example",
            "add-role": "employee",
        },
    )
    assert response.status_code == 400
    assert response.context["add_form"].errors["email"] == [
        "Someone with this e-mail address is in the directory already. Invite them instead, "
        "so that they confirm they work for you."
    ]
    assert Person.objects.filter(first_name="A").count() == 0


def test_a_member_admin_invites_a_colleague(
    client, member_admin, member_org, django_capture_on_commit_callbacks
):
    client.force_login(member_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("ecosystem:organisation_invite", args=[member_org.slug]),
            {"invite-email": "ny@fynsklyd.example", "invite-role": "employee"},
        )
    assert (response.status_code, response.url) == (302, _people_url(member_org))
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.organisation) == (
        "ny@fynsklyd.example",
        "employee",
        member_org,
    )
    assert [m.to for m in mail.outbox] == [["ny@fynsklyd.example"]]
    page = client.get(_people_url(member_org))
    assert [i.pk for i in page.context["invitations"]] == [invitation.pk]


def test_a_member_admin_cannot_invite_as_staff(client, member_admin, member_org):
    client.force_login(member_admin)
    response = client.post(
        reverse("ecosystem:organisation_invite", args=[member_org.slug]),
        {"invite-email": "x@example.org", "invite-role": "staff"},
    )
    assert response.status_code == 400
    assert list(response.context["invite_form"].errors) == ["role"]
    assert not Invitation.objects.exists()


def test_changing_a_role_on_the_page(client, member_admin, employee, member_org):
    tie = _tie(employee, member_org)
    client.force_login(member_admin)
    url = reverse("ecosystem:affiliation_role", args=[member_org.slug, tie.pk])
    response = client.post(url, {"role": "ceo"}, follow=True)
    assert [str(m) for m in response.context["messages"]] == ["Emil Ansat is now ceo."]
    assert _tie(employee, member_org).role == "ceo"
    own = _tie(member_admin, member_org)
    response = client.post(
        reverse("ecosystem:affiliation_role", args=[member_org.slug, own.pk]), {"role": "employee"}
    )
    assert response.status_code == 400
    assert response.context["row_errors"] == {
        own.pk: [
            "Fynsk Lyd ApS needs at least one member administrator: make a colleague member "
            "administrator first."
        ]
    }


def test_ending_on_the_page_asks_first_then_ends(client, member_admin, employee, member_org):
    tie = _tie(employee, member_org)
    tie.start_date = TODAY() - 30 * DAY
    tie.save()
    client.force_login(member_admin)
    url = reverse("ecosystem:affiliation_end", args=[member_org.slug, tie.pk])
    page = client.get(url)
    assert "Emil Ansat stops acting for Fynsk Lyd ApS as employee at once" in page.content.decode()
    assert _tie(employee, member_org) == tie
    response = client.post(url)
    assert (response.status_code, response.url) == (302, _people_url(member_org))
    tie.refresh_from_db()
    assert tie.end_date == TODAY() - DAY
    assert client.post(url).status_code == 404  # it no longer counts


def test_a_tie_of_another_organisation_is_not_found(client, member_admin, member_org, other_org):
    foreign = AffiliationFactory(organisation=other_org)
    client.force_login(member_admin)
    url = reverse("ecosystem:affiliation_end", args=[member_org.slug, foreign.pk])
    assert client.post(url).status_code == 404
    assert Affiliation.objects.get(pk=foreign.pk).end_date is None


def test_the_organisation_page_links_to_the_people_page(client, member_admin, employee, member_org):
    link = f'href="{_people_url(member_org)}"'
    client.force_login(employee)
    assert link not in client.get(member_org.get_absolute_url()).content.decode()
    client.force_login(member_admin)
    assert link in client.get(member_org.get_absolute_url()).content.decode()


# --- Staff add an organisation ----------------------------------------------------------------

CREATE = {
    "name": "Lydbølge ApS",
    "kind": "company",
    "country": "DK",
    "registry_number": "10000009",
    "membership_status": "prospect",
    "contact_first_name": "Karl",
    "contact_last_name": "Kontakt",
    "contact_email": "karl@lydbolge.example",
    "contact_role": "ceo",
}


def test_staff_add_an_organisation_with_its_contact_person(client, staff):
    client.force_login(staff)
    response = client.post(reverse("ecosystem:organisation_create"), CREATE)
    organisation = Organisation.objects.get(name="Lydbølge ApS")
    assert (response.status_code, response.url) == (302, organisation.get_absolute_url())
    assert (organisation.slug, organisation.registry_number, organisation.membership_status) == (
        "lydblge-aps",
        "10000009",
        "prospect",
    )
    tie = Affiliation.objects.get(organisation=organisation)
    assert (tie.person.full_name, tie.person.email, tie.role) == (
        "Karl Kontakt",
        "karl@lydbolge.example",
        "ceo",
    )
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "ecosystem.organisation.create",
        "ecosystem.person.create",
        "ecosystem.affiliation.create",
    ]


def test_a_bad_organisation_or_contact_changes_nothing(client, staff):
    client.force_login(staff)
    url = reverse("ecosystem:organisation_create")
    response = client.post(url, {**CREATE, "registry_number": "10000008"})
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["registry_number"]
    response = client.post(url, {**CREATE, "contact_last_name": ""})
    assert response.status_code == 400
    assert response.context["form"].errors == {"contact_last_name": ["Enter the last name."]}
    assert (Organisation.objects.count(), Person.objects.count()) == (0, 0)


def test_only_staff_add_organisations(client, member_admin):
    client.force_login(member_admin)
    assert client.get(reverse("ecosystem:organisation_create")).status_code == 403


def test_a_reserved_path_is_never_an_organisations_slug(staff):
    organisation = services.create_organisation(
        actor=staff, name="Network", kind="association", country="DK"
    )
    assert organisation.slug == "network-2"


# --- Finding people ---------------------------------------------------------------------------


def test_the_people_page_lists_whom_the_user_may_see(client, employee, staff, member_org):
    listed = PersonFactory(first_name="Lise", last_name="Lyd", listed_in_directory=True)
    AffiliationFactory(person=listed, organisation=member_org)
    hidden = PersonFactory(first_name="Ulla", last_name="Unlisted")
    client.force_login(employee)
    response = client.get(reverse("ecosystem:people"))
    assert [person.full_name for person, _f, _a in response.context["rows"]] == [
        "Emil Ansat",
        "Lise Lyd",
    ]
    assert not AuditEntry.objects.filter(action="ecosystem.person.view").exists()
    client.force_login(staff)
    response = client.get(reverse("ecosystem:people"), {"q": "unlisted"})
    assert [person for person, _f, _a in response.context["rows"]] == [hidden]
    entry = AuditEntry.objects.get(action="ecosystem.person.view")
    assert entry.data == {"page": "people", "people": [hidden.pk]}


def test_anonymous_visitors_sign_in_to_find_people(client):
    response = client.get(reverse("ecosystem:people"))
    assert response.status_code == 302


@pytest.mark.parametrize("rows", [1, 3])
def test_the_people_list_has_a_constant_number_of_queries(
    client, employee, member_org, rows, django_assert_num_queries
):
    for _ in range(rows):
        AffiliationFactory(organisation=member_org, person=PersonFactory(listed_in_directory=True))
    client.force_login(employee)
    with django_assert_num_queries(6):
        response = client.get(reverse("ecosystem:people"))
    assert response.context["page"].paginator.count == rows + 1
