"""The dashboard is a list of panels that apps register, each shown to the roles it serves.

An app adds its panel in ``AppConfig.ready`` (see ``klynge/*/panels.py``), so a new capability
appears on the right dashboards without the core knowing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Panel:
    key: str
    title: str | Promise
    template: str
    roles: frozenset[str]  # shown when the user has any of these; empty means every signed-in user
    context: Callable[[Any, Any], dict[str, Any]] = field(default=lambda user, roles: {})
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def panels_for(user, roles) -> list[tuple[Panel, dict[str, Any]]]:
    shown = [
        panel
        for panel in _PANELS.values()
        if not panel.roles or any(roles.has(role) for role in panel.roles)
    ]
    return [
        (panel, panel.context(user, roles))
        for panel in sorted(shown, key=lambda p: (p.order, p.key))
    ]
