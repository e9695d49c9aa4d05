"""The CRM's part of a person's data download and of an erasure (see ecosystem/privacy.py)."""

from django.utils.translation import gettext_lazy as _

from klynge.crm.models import Interaction, Task
from klynge.ecosystem.privacy import person_of, register_erasure_step, register_personal_data

ERASED_TEXT = "[erased]"


def _collect(user):
    person = person_of(user)
    if person is None:
        return {"interactions": [], "tasks": []}
    return {
        "interactions": [
            {"kind": kind, "occurred_at": occurred_at, "summary": summary}
            for kind, occurred_at, summary in Interaction.objects.filter(person=person)
            .order_by("occurred_at")
            .values_list("kind", "occurred_at", "summary")
        ],
        "tasks": [
            {"title": title, "due_date": due, "done": done}
            for title, due, done in Task.objects.filter(person=person)
            .order_by("due_date")
            .values_list("title", "due_date", "completed_at")
        ],
    }


def _erase(*, actor, person, user=None, old_emails=frozenset()):
    # The notes staff wrote about the person may hold personal data: keep that they happened
    # (the counts stay right), drop what they said.
    Interaction.objects.filter(person=person).update(summary=ERASED_TEXT)
    Task.objects.filter(person=person).update(title=ERASED_TEXT, notes="")


register_personal_data("crm", _collect, label=_("Notes and tasks the cluster staff keep about you"))
register_erasure_step("crm", _erase)
