"""Audiences, personal links, invitation e-mails and reminders."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from klynge.crm.models import Account
from klynge.ecosystem.models import AffiliationRole, MembershipStatus
from klynge.ecosystem.tests.factories import AffiliationFactory, OrganisationFactory, PersonFactory
from klynge.events.tests.factories import EventFactory
from klynge.surveys import services
from klynge.surveys.audiences import Audience, AudienceKind, Who
from klynge.surveys.models import Invitation, Mailing
from klynge.surveys.tests.builders import full_answers

MEMBERS = Audience(kind=AudienceKind.MEMBERS)


def _invited(survey) -> list[tuple[str, str, str]]:
    return list(
        Invitation.objects.filter(survey=survey)
        .order_by("email")
        .values_list("email", "organisation__name", "language")
    )


def test_members_are_the_contacts_of_organisations_with_a_current_membership(
    open_survey, members, django_capture_on_commit_callbacks
):
    lapsed = OrganisationFactory(name="Gammel Medlem ApS")  # a member status, no membership
    AffiliationFactory(organisation=lapsed, role=AffiliationRole.CONTACT)
    with django_capture_on_commit_callbacks(execute=True):
        mailing = services.invite(
            actor=None, survey=open_survey, audience=MEMBERS, base_url="https://k.example"
        )
    assert (mailing.invited, mailing.skipped) == (6, 0)
    assert _invited(open_survey) == [
        ("ada0@m0.example", "Fynsk Lyd ApS", "da"),
        ("ada1@m1.example", "Odense Film A/S", "da"),
        # A Norwegian organisation, and no Norwegian in the survey: Danish is nearest.
        ("ada2@m2.example", "Pixel Bergen AS", "da"),
        ("kim0@m0.example", "Fynsk Lyd ApS", "da"),
        ("kim1@m1.example", "Odense Film A/S", "da"),
        ("kim2@m2.example", "Pixel Bergen AS", "da"),
    ]
    assert len(mail.outbox) == 6
    message = next(m for m in mail.outbox if m.to == ["kim0@m0.example"])
    assert message.subject == "Undersøgelse: Medlemsundersøgelse"
    token = services.token_for(Invitation.objects.get(email="kim0@m0.example"))
    assert f"https://k.example/surveys/answer/{token}/" in message.body
    assert "Kære Kim0\n" in message.body


def test_everyone_at_each_organisation_can_be_invited_and_nobody_twice(open_survey, members):
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    again = services.invite(
        actor=None,
        survey=open_survey,
        audience=Audience(kind=AudienceKind.MEMBERS, who=Who.EVERYONE),
    )
    assert again.invited == 3  # the employees; the contacts were invited already
    assert Invitation.objects.filter(survey=open_survey).count() == 9


def test_people_without_an_e_mail_address_are_skipped_and_counted(open_survey, members):
    AffiliationFactory(
        organisation=members[0], role=AffiliationRole.CONTACT, person=PersonFactory(email="")
    )
    mailing = services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    assert (mailing.invited, mailing.skipped) == (6, 1)


def test_prospects_are_the_directory_status_and_the_open_pipeline(open_survey, members):
    prospect = OrganisationFactory(name="Ny Lyd", membership_status=MembershipStatus.PROSPECT)
    in_pipeline = OrganisationFactory(name="Pipeline AS", membership_status="none")
    Account.objects.create(organisation=in_pipeline, stage="meeting")
    lost = OrganisationFactory(name="Tabt AS", membership_status="none")
    Account.objects.create(organisation=lost, stage="lost")
    for organisation in (prospect, in_pipeline, lost):
        AffiliationFactory(organisation=organisation, role=AffiliationRole.CEO,
                           person=PersonFactory(email=f"ceo@{organisation.slug}.example"))  # fmt: skip
    services.invite(actor=None, survey=open_survey, audience=Audience(kind=AudienceKind.PROSPECTS))
    assert [e for e, _o, _l in _invited(open_survey)] == [
        f"ceo@{prospect.slug}.example",
        f"ceo@{in_pipeline.slug}.example",
    ]


def test_a_directory_filter_uses_the_directorys_own_filters(open_survey, members, staff):
    audience = Audience(kind=AudienceKind.DIRECTORY, directory={"country": ["NO"]})
    services.invite(actor=staff, survey=open_survey, audience=audience)
    assert [o for _e, o, _l in _invited(open_survey)] == ["Pixel Bergen AS", "Pixel Bergen AS"]
    assert Mailing.objects.get().description == (
        "Directory (country=NO): The contact people and administrators of each organisation"
    )


def test_event_participants_are_the_confirmed_registrations(open_survey):
    from klynge.events.models import Registration

    event = EventFactory()
    came, cancelled = PersonFactory(email="came@x.example"), PersonFactory(email="no@x.example")
    Registration.objects.create(event=event, person=came, status="confirmed")
    Registration.objects.create(event=event, person=cancelled, status="cancelled")
    audience = Audience(kind=AudienceKind.EVENT, event_ids=[event.pk])
    services.invite(actor=None, survey=open_survey, audience=audience)
    assert [e for e, _o, _l in _invited(open_survey)] == ["came@x.example"]


def test_no_invitations_before_the_survey_opens(survey, members):
    with pytest.raises(ValidationError) as caught:
        services.invite(actor=None, survey=survey, audience=MEMBERS)
    assert caught.value.messages == ["Open the survey before inviting people."]
    assert Invitation.objects.count() == 0


def test_an_event_audience_needs_an_event(open_survey):
    with pytest.raises(ValidationError) as caught:
        services.invite(actor=None, survey=open_survey, audience=Audience(kind=AudienceKind.EVENT))
    assert caught.value.message_dict == {"events": ["Choose at least one event."]}


def test_the_link_is_signed_and_not_stored(open_survey, members):
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    invitation = Invitation.objects.order_by("id").first()
    token = services.token_for(invitation)
    assert services.invitation_for_token(token) == invitation
    public_id, signature = token.split(":")
    assert public_id == invitation.public_id.hex
    assert services.invitation_for_token(f"{public_id}:{'x' * len(signature)}") is None
    assert services.invitation_for_token(public_id) is None
    row = Invitation.objects.values().get(pk=invitation.pk)
    assert token not in {str(value) for value in row.values()}


def test_the_reminder_button_reminds_those_who_have_not_answered_once_a_day(
    open_survey, members, django_capture_on_commit_callbacks
):
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    answered = Invitation.objects.get(email="kim0@m0.example")
    services.submit_response(invitation=answered, data=full_answers(open_survey))
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(actor=None, survey=open_survey, now=tomorrow) == 5
        assert services.send_reminders(actor=None, survey=open_survey, now=tomorrow) == 0
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ada0@m0.example", "ada1@m1.example", "ada2@m2.example", "kim1@m1.example",
        "kim2@m2.example",
    ]  # fmt: skip
    assert {m.subject for m in mail.outbox} == {"Påmindelse: Medlemsundersøgelse"}
    assert "vi har endnu ikke fået dine svar" in mail.outbox[0].body


def test_automatic_reminders_follow_the_interval_and_the_limit(open_survey, members):
    now = timezone.now()
    open_survey.closes_at = now + datetime.timedelta(days=30)
    open_survey.save(update_fields=["closes_at"])
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    assert services.send_due_reminders(now=now + datetime.timedelta(days=6)) == 0
    assert services.send_due_reminders(now=now + datetime.timedelta(days=7, minutes=1)) == 6
    assert services.send_due_reminders(now=now + datetime.timedelta(days=7, minutes=2)) == 0
    # The next one a week after the last e-mail, and two at most (the survey's default).
    assert services.send_due_reminders(now=now + datetime.timedelta(days=14)) == 0
    assert services.send_due_reminders(now=now + datetime.timedelta(days=14, minutes=2)) == 6
    assert services.send_due_reminders(now=now + datetime.timedelta(days=13, hours=1)) == 0
    assert services.send_due_reminders(now=now + datetime.timedelta(days=29)) == 0
    # None after the survey closes.
    assert services.send_due_reminders(now=now + datetime.timedelta(days=31)) == 0
    assert set(Invitation.objects.values_list("reminders_sent", flat=True)) == {2}


def test_no_reminder_e_mail_goes_to_someone_who_answered_after_it_was_queued(open_survey, members):
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    invitation = Invitation.objects.get(email="kim0@m0.example")
    services.submit_response(invitation=invitation, data=full_answers(open_survey))
    mail.outbox.clear()
    assert services.send_invitation_email(invitation.pk, "reminder") == 0
    assert mail.outbox == []


def test_the_respondent_gets_their_language(open_survey, members):
    from klynge.accounts.tests.factories import UserFactory

    person = members[0].affiliations.get(role=AffiliationRole.CONTACT).person
    person.user = UserFactory(email="kim0-login@m0.example", language="en")
    person.save()
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    assert Invitation.objects.get(person=person).language == "en"


def test_the_periodic_job_closes_overdue_surveys_and_reminds(open_survey, members):
    import io

    from django.core.management import call_command

    from klynge.core import periodic

    job = {j.command: j for j in periodic.registered()}["send_survey_reminders"]
    assert (job.every, job.base_url) == (datetime.timedelta(hours=1), True)
    services.invite(actor=None, survey=open_survey, audience=MEMBERS)
    Invitation.objects.update(last_sent_at=timezone.now() - datetime.timedelta(days=8))
    out = io.StringIO()
    call_command("send_survey_reminders", "--base-url", "https://k.example", stdout=out)
    assert out.getvalue() == "Reminders queued: 6.\n"
    call_command("send_survey_reminders", stdout=out)
    assert out.getvalue().splitlines()[-1] == "Reminders queued: 0."
    open_survey.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    open_survey.save(update_fields=["closes_at"])
    Invitation.objects.update(last_sent_at=timezone.now() - datetime.timedelta(days=8))
    call_command("send_survey_reminders", stdout=out)
    open_survey.refresh_from_db()
    assert (open_survey.status, out.getvalue().splitlines()[-1]) == (
        "closed",
        "Reminders queued: 0.",
    )
