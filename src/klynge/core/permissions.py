"""The edge checks: every view and API endpoint authorises through these, using `rules` perms.

Views use `permission_required`; API endpoints call `ensure_api_permission`. Both ask the same
question, ``user.has_perm(perm, obj)``, answered by the predicates in each app's ``rules.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import HttpError


def permission_required(
    perm: str, *, obj: Callable[..., Any] | None = None
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Lets a view run only if the user has `perm` (on the object `obj(request, **kwargs)`).

    Anonymous visitors are sent to the login page; signed-in users without the permission get
    403. `obj` is where a view fetches its object for the user, so the check and the fetch agree.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            target = obj(request, **kwargs) if obj is not None else None
            if not request.user.has_perm(perm, target):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied
            if target is not None:
                kwargs["obj"] = target
            return view(request, *args, **kwargs)

        wrapped.required_permission = perm  # read by the test that every view is guarded
        return wrapped

    return decorator


def public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Marks a view as deliberately open to everyone (read by the guard test)."""
    view.required_permission = None
    return view


def ensure_api_permission(request: HttpRequest, perm: str, obj: Any = None) -> None:
    """Raises 403 for an API caller (already authenticated by its token) without `perm`."""
    if not request.auth.has_perm(perm, obj):
        raise HttpError(403, _("You do not have permission to do this."))
