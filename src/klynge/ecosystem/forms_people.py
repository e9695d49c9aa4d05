"""Forms for an organisation's people: adding, inviting and re-assigning colleagues, and the
staff form that creates an organisation with its contact person. They parse input only; the
services in `ecosystem.services` decide, so the pages and the API refuse the same things."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import (
    AffiliationRole,
    Country,
    MembershipStatus,
    Organisation,
    OrganisationKind,
)

# Staff create an organisation as one of these; "member" follows from an approved membership.
CREATE_STATUSES = [
    (MembershipStatus.PROSPECT, MembershipStatus.PROSPECT.label),
    (MembershipStatus.NONE, MembershipStatus.NONE.label),
    (MembershipStatus.PARTNER, MembershipStatus.PARTNER.label),
]


class PeopleSearchForm(forms.Form):
    q = forms.CharField(label=_("Name"), required=False, max_length=200)


class AddPersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(label=_("E-mail"), required=False)
    title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    role = forms.ChoiceField(
        label=_("Role"), choices=AffiliationRole.choices, initial=AffiliationRole.EMPLOYEE
    )

    prefix = "add"


class InviteColleagueForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"))
    message = forms.CharField(
        label=_("Personal message"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    prefix = "invite"

    def __init__(self, *args, roles: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles


class ChangeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=AffiliationRole.choices)


CONTACT_FIELDS = ("first_name", "last_name", "email", "title", "phone", "role")


class OrganisationCreateForm(forms.Form):
    """An organisation and, optionally, its contact person (staff)."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganisationKind.choices)
    country = forms.ChoiceField(label=_("Country"), choices=Country.choices, initial="DK")
    registry_number = forms.CharField(
        label=_("Registry number"),
        max_length=20,
        required=False,
        help_text=Organisation._meta.get_field("registry_number").help_text,
    )
    membership_status = forms.ChoiceField(
        label=_("Membership"), choices=CREATE_STATUSES, initial=MembershipStatus.PROSPECT
    )
    employees = forms.IntegerField(label=_("Employees"), min_value=0, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    website = forms.URLField(label=_("Website"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    contact_first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    contact_last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    contact_email = forms.EmailField(label=_("E-mail"), required=False)
    contact_title = forms.CharField(label=_("Job title"), max_length=150, required=False)
    contact_phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    contact_role = forms.ChoiceField(
        label=_("Role"), choices=AffiliationRole.choices, initial=AffiliationRole.CONTACT
    )

    ORGANISATION_FIELDS = (
        "name",
        "kind",
        "country",
        "registry_number",
        "membership_status",
        "employees",
        "city",
        "region",
        "website",
        "email",
        "phone",
    )

    def organisation_fields(self):
        return [self[name] for name in self.ORGANISATION_FIELDS]

    def contact_fields(self):
        return [self[f"contact_{name}"] for name in CONTACT_FIELDS]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {name: data[name] for name in self.ORGANISATION_FIELDS}
        contact = {name: data[f"contact_{name}"] for name in CONTACT_FIELDS}
        if any(value for name, value in contact.items() if name != "role"):
            arguments["contact"] = contact
        return arguments

    def apply_service_errors(self, error: ValidationError) -> None:
        """The service names the contact's fields "contact.<field>"; the form, contact_<field>."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error.messages)
            return
        for field, messages in error.message_dict.items():
            name = field.replace("contact.", "contact_")
            self.add_error(name if name in self.fields else None, messages)
