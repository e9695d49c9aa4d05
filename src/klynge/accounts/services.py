"""Every write to accounts: invitations, sign-up by invitation, profiles and API tokens.

Services raise `django.core.exceptions.ValidationError` with localised messages for bad input
and change nothing then; pages and the API turn those into form errors or a 400 answer.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from klynge.accounts.models import ApiToken, Invitation, InvitationRole, User, hash_secret
from klynge.accounts.roles import forget_roles
from klynge.core import audit
from klynge.core.emails import queue_email
from klynge.core.prepared import Prepared
from klynge.ecosystem import services as ecosystem_services
from klynge.ecosystem.models import Organisation, Person

# Roles that make someone part of an organisation, so an organisation must be named.
_NEEDS_ORGANISATION = {InvitationRole.MEMBER_ADMIN, InvitationRole.EMPLOYEE, InvitationRole.FOUNDER}


@transaction.atomic
def invite(
    *,
    actor: User,
    email: str,
    role: str,
    organisation: Organisation | None = None,
    message: str = "",
    base_url: str = "",
    language: str | None = None,
) -> Invitation:
    """Creates an invitation and e-mails its one-time link (after commit).

    `base_url` (scheme and host, e.g. ``https://klynge.example``) prefixes the link.
    """
    email = email.strip().lower()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    if role not in InvitationRole.values:
        errors["role"] = [_("Choose one of the offered roles.")]
    elif role == InvitationRole.STAFF and organisation is not None:
        errors["organisation"] = [_("Cluster staff are not invited to an organisation.")]
    elif role in _NEEDS_ORGANISATION and organisation is None:
        errors["organisation"] = [_("Choose the organisation the person is invited to.")]
    if (
        not errors
        and Invitation.objects.pending()
        .filter(email=email, role=role, organisation=organisation)
        .exists()
    ):
        errors["email"] = [_("This person already has a pending invitation for this role.")]
    if errors:
        raise ValidationError(errors)

    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        organisation=organisation,
        message=message.strip(),
        invited_by=actor,
        token_hash=hash_secret(token),
        expires_at=timezone.now() + datetime.timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    audit.record(
        actor=actor,
        action="accounts.invitation.create",
        target=invitation,
        data={"role": role, "organisation": organisation.pk if organisation else None},
    )
    queue_email(
        to=email,
        template="accounts/emails/invitation",
        context={
            "invitation": invitation,
            "inviter": actor,
            "link": base_url + reverse("accounts:accept_invitation", args=[token]),
        },
        language=language,
    )
    return invitation


def find_pending_invitation(token: str) -> Invitation | None:
    return (
        Invitation.objects.pending()
        .select_related("organisation", "invited_by")
        .filter(token_hash=hash_secret(token))
        .first()
    )


@transaction.atomic
def accept_invitation(
    *, token: str, user: User | None = None, name: str = "", password: str = ""
) -> User:
    """Accepts an invitation: creates the login (or uses the signed-in `user`), links or creates
    the person, adds the affiliation or the staff flag, and marks the invitation used.

    The invitation row is locked so that two acceptances of one link cannot both succeed.
    """
    invitation = (
        Invitation.objects.pending()
        .select_for_update()
        .filter(token_hash=hash_secret(token))
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid any more."))
    if user is not None and user.is_authenticated:
        if user.email.lower() != invitation.email:
            raise ValidationError(
                _("This invitation is for %(email)s; you are signed in as someone else.")
                % {"email": invitation.email}
            )
    else:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account with this e-mail address exists. Sign in, then open the link again.")
            )
        name = name.strip()
        errors: dict[str, list[str]] = {}
        if not name:
            errors["name"] = [_("Enter your name.")]
        candidate = User(email=invitation.email, name=name)
        try:
            validate_password(password, candidate)
        except ValidationError as error:
            errors["password1"] = list(error.messages)
        if errors:
            raise ValidationError(errors)
        user = User.objects.create_user(invitation.email, password, name=name)
        audit.record(actor=user, action="accounts.user.create", target=user)

    person = _person_for(user)
    if invitation.role == InvitationRole.STAFF:
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    elif invitation.organisation is not None:
        ecosystem_services.affiliate(
            actor=user,
            person=person,
            organisation=invitation.organisation,
            role=invitation.role,
            start_date=timezone.localdate(),
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(actor=user, action="accounts.invitation.accept", target=invitation)
    forget_roles(user)
    return user


def _person_for(user: User) -> Person:
    """The user's person: the one already linked, one with the same e-mail, or a new one."""
    person = Person.objects.filter(user=user).first()
    if person is not None:
        return person
    person = Person.objects.filter(email__iexact=user.email, user__isnull=True).first()
    if person is None:
        first, _sep, last = (user.name or user.email.split("@")[0]).partition(" ")
        person = ecosystem_services.create_person(
            actor=user, first_name=first, last_name=last, email=user.email
        )
    person.user = user
    person.save(update_fields=["user"])
    return person


@transaction.atomic
def revoke_invitation(*, actor: User, invitation: Invitation) -> Invitation:
    """Makes a pending invitation's link stop working."""
    if invitation.status != "pending":
        raise ValidationError(_("Only a pending invitation can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="accounts.invitation.revoke", target=invitation)
    return invitation


@transaction.atomic
def update_profile(
    *, actor: User, user: User, name: str, language: str, title: str = "", phone: str = ""
) -> User:
    """Changes the user's name and language, and the linked person's title and phone."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Enter your name.")]})
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": [_("Choose one of the offered languages.")]})
    changes = {}
    if (user.name, user.language) != (name, language):
        changes.update(name=name, language=language)
        user.name, user.language = name, language
        user.save(update_fields=["name", "language"])
    person = Person.objects.filter(user=user).first()
    if person is not None and (person.title, person.phone) != (title, phone):
        changes.update(title=title, phone=phone)
        person.title, person.phone = title.strip(), phone.strip()
        person.save(update_fields=["title", "phone", "updated_at"])
    if changes:
        audit.record(actor=actor, action="accounts.profile.update", target=user, data=changes)
    return user


@transaction.atomic
def create_api_token(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Creates a personal API token; returns it with its secret, which is shown only once."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": [_("Give the token a name, e.g. what it is for.")]})
    if len(name) > 100:
        raise ValidationError({"name": [_("Keep the name to 100 characters or fewer.")]})
    secret = ApiToken.generate_secret()
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:8], token_hash=hash_secret(secret)
    )
    audit.record(actor=actor, action="accounts.api_token.create", target=token)
    return token, secret


@transaction.atomic
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Stops a token from authenticating."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="accounts.api_token.revoke", target=token)
    return token


def _active_token_query(token_hash: str):
    return ApiToken.objects.select_related("user").filter(
        token_hash=token_hash, revoked_at__isnull=True, user__is_active=True
    )[:1]


# Every API call reads its token: compiled once (see `klynge.core.prepared`).
_active_token = Prepared(_active_token_query, name="an active API token")


def authenticate_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None; notes when it was last used."""
    if not secret.startswith(ApiToken.PREFIX):
        return None
    token = _active_token.first(hash_secret(secret))
    if token is None:
        return None
    now = timezone.now()
    # Writing on every call would serialise API reads on SQLite; once a minute is enough.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
