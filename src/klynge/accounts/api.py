from datetime import datetime

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from klynge.accounts import services
from klynge.accounts.models import InvitationRole
from klynge.accounts.roles import roles_for
from klynge.accounts.selectors import invitation_roles_for
from klynge.core.permissions import ensure_api_permission
from klynge.ecosystem.models import Organisation

router = Router(tags=["accounts"])


class AffiliationOut(Schema):
    organisation_id: int
    organisation: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    language: str
    roles: list[str]
    affiliations: list[AffiliationOut]


class InvitationIn(Schema):
    email: str = Field(..., max_length=254)
    role: InvitationRole
    organisation: int | None = None
    message: str = Field("", max_length=2000)


class InvitationOut(Schema):
    id: int
    email: str
    role: str
    organisation: int | None = Field(None, alias="organisation_id")
    status: str
    expires_at: datetime


@router.get("/me", response=MeOut, summary="The token's user, with roles and affiliations")
def me(request):
    user = request.auth
    roles = roles_for(user)
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "roles": roles.ordered,
        "affiliations": [
            {
                "organisation_id": a.organisation_id,
                "organisation": a.organisation.name,
                "role": a.role,
            }
            for a in roles.affiliations
        ],
    }


@router.post(
    "/invitations",
    response={201: InvitationOut},
    summary="Invite someone (staff: anyone; member admins: colleagues)",
)
def create_invitation(request, payload: InvitationIn):
    ensure_api_permission(request, "accounts.add_invitation")
    if payload.role not in invitation_roles_for(request.auth):
        raise HttpError(403, _("You may not invite people as %(role)s.") % {"role": payload.role})
    organisation = None
    if payload.organisation is not None:
        organisation = get_object_or_404(Organisation, pk=payload.organisation)
        ensure_api_permission(request, "ecosystem.invite_to_organisation", organisation)
    elif not request.auth.is_staff:
        # Member admins invite colleagues, always into one of their organisations.
        raise HttpError(403, _("Choose one of your organisations to invite a colleague to."))
    invitation = services.invite(
        actor=request.auth,
        email=payload.email,
        role=payload.role,
        organisation=organisation,
        message=payload.message,
        base_url=request.build_absolute_uri("/")[:-1],
    )
    return Status(201, invitation)
