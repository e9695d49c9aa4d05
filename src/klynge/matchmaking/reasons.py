"""The sentences behind a recommendation, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from klynge.ecosystem.models import OrganisationKind
from klynge.ecosystem.taxonomy import SECTOR_LABELS
from klynge.matchmaking.engine import Reason


def _join(values: list[str]) -> str:
    return ", ".join(str(v) for v in values)


def _kind(value: str) -> str:
    labels = dict(OrganisationKind.choices)
    return str(labels.get(value, value or _("Other")))


def describe(reason: Reason) -> str:
    p = reason.params
    code = reason.code
    if code == "they_offer":
        return _("You look for %(tags)s; they offer it.") % {"tags": _join(p["tags"])}
    if code == "you_offer":
        return _("They look for %(tags)s; you offer it.") % {"tags": _join(p["tags"])}
    if code == "interest":
        return _("Matches your interest in %(tags)s.") % {"tags": _join(p["tags"])}
    if code == "shared_competences":
        return _("Both of you have competences in %(tags)s.") % {"tags": _join(p["tags"])}
    if code == "shared_sectors":
        sectors = [SECTOR_LABELS.get(slug, slug) for slug in p["sectors"]]
        return _("Both of you work on %(sectors)s.") % {"sectors": _join(sectors)}
    if code == "common_partners":
        others = p["count"] - len(p["names"])
        text = _("You both worked with %(names)s.") % {"names": _join(p["names"])}
        if others > 0:
            text += " " + ngettext(
                "And %(count)s other partner.", "And %(count)s other partners.", others
            ) % {"count": others}
        return text
    if code == "tie_event":
        return _("You both took part in %(events)s.") % {"events": _join(p["labels"])}
    if code == "tie_person":
        return ngettext(
            "A person works with both organisations.",
            "%(count)s people work with both organisations.",
            p["count"],
        ) % {"count": p["count"]}
    if code in ("tie_project", "tie_relation"):
        return _("You have worked together before.")
    if code == "complement":
        kinds = [_kind(k) for k in p["kinds"]]
        return _("%(a)s and %(b)s complement each other (industry, research, public sector).") % {
            "a": kinds[0],
            "b": kinds[1],
        }
    if code == "kinds_work_together":
        kinds = [_kind(k) for k in p["kinds"]]
        return _("Organisations like yours (%(a)s) often work with a %(b)s.") % {
            "a": kinds[0],
            "b": kinds[1].lower(),
        }
    if code == "similar_description":
        return _("Your descriptions are alike.")
    if code == "same_region":
        return _("Both of you are in %(region)s.") % {"region": p["region"]}
    if code == "active":
        return _("An active collaborator in the cluster.")
    return code


def describe_all(reasons: list[Reason]) -> list[str]:
    return [describe(reason) for reason in reasons]
