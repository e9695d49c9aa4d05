from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from klynge.core.forms_util import apply_service_errors
from klynge.core.permissions import permission_required
from klynge.ecosystem import privacy, services_people
from klynge.ecosystem.forms import LANGUAGE_CHOICES, PersonProfileForm
from klynge.ecosystem.forms_people import PeopleSearchForm
from klynge.ecosystem.selectors import (
    Level,
    directory_level,
    get_person_for_user,
    person_affiliations_for,
    person_fields_for,
)
from klynge.ecosystem.selectors_people import people_visible_to

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
PEOPLE_PER_PAGE = 50


@permission_required("ecosystem.list_people")
def person_list(request):
    """The people the user may find, by name (staff also by e-mail), 50 a page."""
    form = PeopleSearchForm(request.GET or None)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = Paginator(people_visible_to(request.user, q=q), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = []
    for person in page.object_list:
        fields = person_fields_for(request.user, person)
        rows.append((person, fields, person_affiliations_for(request.user, person, fields)))
    staff = directory_level(request.user) == Level.STAFF
    if staff:
        privacy.record_personal_data_list_view(
            actor=request.user, page="people", people=[person for person, *_rest in rows]
        )
    return render(
        request,
        "ecosystem/people/list.html",
        {"form": form, "page": page, "rows": rows, "staff": staff},
    )


def _person(request, pk, **kwargs):
    return get_person_for_user(request.user, pk)


@permission_required("ecosystem.view_person", obj=_person)
def person_detail(request, pk, obj):
    fields = person_fields_for(request.user, obj)
    if directory_level(request.user) == Level.STAFF:
        # The audit log keeps who in the staff looked at someone's personal data.
        privacy.record_personal_data_view(actor=request.user, person=obj, page="profile")
    return render(
        request,
        "ecosystem/people/detail.html",
        {
            "person": obj,
            "fields": fields,
            "languages": [LANGUAGE_NAMES.get(code, code) for code in obj.languages],
            "affiliations": person_affiliations_for(request.user, obj, fields),
            "consent_history": (
                list(obj.consent_records.select_related("recorded_by")[:20])
                if "consents" in fields
                else []
            ),
            "can_edit": request.user.has_perm("ecosystem.change_person", obj),
        },
    )


@permission_required("ecosystem.change_person", obj=_person)
def person_edit(request, pk, obj):
    # Only the person (and staff) give or withdraw consent; their member admin edits the rest.
    with_consents = "consents" in person_fields_for(request.user, obj)
    form = PersonProfileForm(request.POST or None, person=obj, with_consents=with_consents)
    if request.method == "POST" and form.is_valid():
        try:
            services_people.update_person(
                actor=request.user, person=obj, source="profile page", **form.service_arguments()
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect(obj.get_absolute_url())
    return render(
        request,
        "ecosystem/people/edit.html",
        {"person": obj, "form": form},
        status=400 if request.method == "POST" else 200,
    )
