"""B2B meetings' part of a person's data download and of an erasure (see ecosystem/privacy.py).

The download has every session the person took part in: profile, availability, the requests
they sent and received (with the notes), their meetings and follow-up answers. An erasure
clears what the person wrote (profile, notes, the reason for a cancellation) and replaces the
secret agenda link, so the old calendar feed stops; the meetings themselves stay, so the
organisers' counts stay right (the person's name is already anonymised by the directory).
"""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.privacy import person_of, register_erasure_step, register_personal_data
from klynge.meetings.models import (
    FollowUp,
    Meeting,
    MeetingRequest,
    Participant,
    _token,
)

ERASED_TEXT = "[erased]"


def _collect(user):
    person = person_of(user)
    if person is None:
        return []
    participants = list(
        Participant.objects.filter(person=person)
        .select_related("session__event", "organisation")
        .prefetch_related("available_slots")
        .order_by("session__event__starts_at", "id")
    )
    requests = MeetingRequest.objects.filter(
        Q(sender__in=participants) | Q(recipient__in=participants)
    ).select_related("sender__person", "recipient__person")
    meetings = Meeting.objects.filter(request__in=requests).select_related("slot", "table")
    answers = {
        (a.meeting_id, a.participant_id): a
        for a in FollowUp.objects.filter(participant__in=participants)
    }
    by_session: dict[int, dict] = {}
    for participant in participants:
        by_session[participant.pk] = {
            "session": participant.session.title,
            "event": participant.session.event.title,
            "for_organisation": participant.organisation.name if participant.organisation else "",
            "offers": participant.offers,
            "looking_for": participant.looking_for,
            "available": [slot.starts_at for slot in participant.available_slots.all()],
            "requests": [],
            "meetings": [],
        }
    for request in requests.order_by("created_at", "id"):
        mine = request.sender_id if request.sender_id in by_session else request.recipient_id
        by_session[mine]["requests"].append(
            {
                "from": request.sender.person.full_name,
                "to": request.recipient.person.full_name,
                "note": request.note,
                "priority": request.priority,
                "status": request.status,
                "sent": request.created_at,
            }
        )
    for meeting in meetings.order_by("slot__starts_at"):
        for pid in (meeting.request.sender_id, meeting.request.recipient_id):
            if pid in by_session:
                answer = answers.get((meeting.pk, pid))
                by_session[pid]["meetings"].append(
                    {
                        "starts_at": meeting.slot.starts_at,
                        "table": str(meeting.table),
                        "status": meeting.status,
                        "happened": answer.happened if answer else None,
                        "follow_up": answer.follow_up if answer else None,
                    }
                )
    return list(by_session.values())


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    participants = list(Participant.objects.filter(person=person))
    for participant in participants:
        participant.offers = participant.looking_for = ""
        participant.agenda_token = _token()
        participant.save(update_fields=["offers", "looking_for", "agenda_token", "updated_at"])
    MeetingRequest.objects.filter(sender__in=participants).exclude(note="").update(note=ERASED_TEXT)
    MeetingRequest.objects.filter(
        Q(sender__in=participants) | Q(recipient__in=participants)
    ).exclude(cancelled_reason="").update(cancelled_reason=ERASED_TEXT)


register_personal_data(
    "meetings",
    _collect,
    label=_("Your B2B meeting profiles, requests, meetings and answers"),
)
register_erasure_step("meetings", _erase)
