"""The REST API under /api/v1/: one NinjaAPI, a router per app, bearer-token authentication."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from klynge.accounts.api import router as accounts_router
from klynge.accounts.api_auth import BearerToken
from klynge.bookings.api import router as bookings_router
from klynge.crm.api import router as crm_router
from klynge.ecosystem.api import router as ecosystem_router
from klynge.events.api import router as events_router
from klynge.insights.api import router as insights_router
from klynge.matchmaking.api import router as matchmaking_router
from klynge.meetings.api import router as meetings_router
from klynge.membership.api import router as membership_router
from klynge.schedule.api import router as schedule_router
from klynge.surveys.api import router as surveys_router

api = NinjaAPI(
    title="Klynge API",
    version="1",
    description="The platform an innovation cluster runs on. Authenticate with a personal token: "
    "`Authorization: Bearer <token>` (create one on your profile page).",
    auth=BearerToken(),
    urls_namespace="api",
)
api.add_router("/", accounts_router)
api.add_router("/", ecosystem_router)
api.add_router("/", membership_router)
api.add_router("/", crm_router)
api.add_router("/", bookings_router)
api.add_router("/", schedule_router)
api.add_router("/", matchmaking_router)
api.add_router("/", meetings_router)
api.add_router("/", events_router)
api.add_router("/", surveys_router)
api.add_router("/", insights_router)


_PYDANTIC_MESSAGES = {
    "missing": lambda error: _("This field is required."),
    "string_too_long": lambda error: (
        _("Ensure this value has at most %(max)s characters.")
        % {"max": error.get("ctx", {}).get("max_length")}
    ),
    "string_too_short": lambda error: _("This field may not be blank."),
    "int_parsing": lambda error: _("Enter a whole number."),
    "int_type": lambda error: _("Enter a whole number."),
    "bool_parsing": lambda error: _("Enter true or false."),
    "enum": lambda error: (
        _("Choose one of: %(choices)s.") % {"choices": error.get("ctx", {}).get("expected", "")}
    ),
    "literal_error": lambda error: (
        _("Choose one of: %(choices)s.") % {"choices": error.get("ctx", {}).get("expected", "")}
    ),
    "json_invalid": lambda error: _("The request body is not valid JSON."),
    "datetime_parsing": lambda error: _("Enter a date and time in ISO 8601 format."),
    "datetime_from_date_parsing": lambda error: _("Enter a date and time in ISO 8601 format."),
}


def _field_name(location: list) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "payload")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def invalid_input(request, exc: ValidationError):
    """422 with one localised message per field, instead of pydantic's English internals."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        render = _PYDANTIC_MESSAGES.get(error.get("type", ""))
        message = render(error) if render else _("Enter a valid value.")
        errors.setdefault(_field_name(error.get("loc", [])), []).append(message)
    return api.create_response(
        request, {"detail": _("The input is not valid."), "errors": errors}, status=422
    )


@api.exception_handler(DjangoValidationError)
def rejected_by_service(request, exc: DjangoValidationError):
    """A service refused the input: 400 with its localised messages per field."""
    if hasattr(exc, "error_dict"):
        errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    return api.create_response(
        request, {"detail": _("The input is not valid."), "errors": errors}, status=400
    )


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    response = api.create_response(
        request, {"detail": _("Authentication required: send a valid API token.")}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="klynge"'
    return response
