"""The surveys' part of a person's data download and of an erasure (see ecosystem/privacy.py).

Only identified answers are personal data: anonymous responses keep nothing that leads to the
person, so they are neither in the download nor touched by an erasure.
"""

from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.privacy import person_of, register_erasure_step, register_personal_data
from klynge.surveys.models import Answer, Invitation, Response

ERASED_TEXT = "[erased]"


def _collect(user):
    person = person_of(user)
    if person is None:
        return {"invitations": [], "answers": []}
    invitations = Invitation.objects.filter(person=person).select_related("survey")
    answers = (
        Answer.objects.filter(response__person=person, response__identified=True)
        .select_related("question__survey", "option")
        .order_by("question__survey_id", "question__position", "option__position")
    )
    return {
        "invitations": [
            {
                "survey": invitation.survey.display_title,
                "email": invitation.email,
                "invited": invitation.created_at,
                "answered": invitation.responded,
            }
            for invitation in invitations.order_by("created_at", "id")
        ],
        "answers": [
            {
                "survey": answer.question.survey.display_title,
                "question": answer.question.display_text,
                "option": answer.option.display_text if answer.option else None,
                "number": answer.number,
                "text": answer.text,
            }
            for answer in answers
        ],
    }


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    # The figures stay right (the answers remain as counts); what the person wrote and the
    # link to them go.
    Answer.objects.filter(response__person=person).exclude(text="").update(text=ERASED_TEXT)
    Response.objects.filter(person=person).update(person=None)
    Invitation.objects.filter(person=person).update(email=f"erased-person-{person.pk}@invalid")


register_personal_data("surveys", _collect, label=_("Your survey invitations and answers"))
register_erasure_step("surveys", _erase)
