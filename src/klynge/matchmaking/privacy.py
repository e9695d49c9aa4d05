"""Matchmaking's part of a person's data download and of an erasure (see ecosystem/privacy.py).

A person's verdicts on recommended partners and the introductions they asked for are theirs.
The verdicts are about organisations, so they stay after an erasure (tied to the anonymised
login); the messages they wrote to the staff are cleared.
"""

from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.privacy import register_erasure_step, register_personal_data
from klynge.matchmaking.models import Feedback, Introduction

ERASED_TEXT = "[erased]"


def _collect(user):
    return {
        "feedback": [
            {"organisation": organisation, "partner": partner, "useful": useful, "given": when}
            for organisation, partner, useful, when in Feedback.objects.filter(user=user)
            .order_by("created_at", "id")
            .values_list("organisation__name", "partner__name", "useful", "updated_at")
        ],
        "introductions": [
            {
                "organisation": organisation,
                "partner": partner,
                "message": message,
                "status": status,
                "requested": when,
            }
            for organisation, partner, message, status, when in Introduction.objects.filter(
                requested_by=user
            )
            .order_by("created_at", "id")
            .values_list("organisation__name", "partner__name", "message", "status", "created_at")
        ],
    }


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    if user is None:
        return
    Introduction.objects.filter(requested_by=user).exclude(message="").update(message=ERASED_TEXT)


register_personal_data(
    "matchmaking",
    _collect,
    label=_("Your feedback on recommended partners and the introductions you asked for"),
)
register_erasure_step("matchmaking", _erase)
