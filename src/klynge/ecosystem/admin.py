"""Organisations, people and affiliations in Django admin: for looking things up only.

Every change goes through the services behind Klynge's own pages and API, which check registry
numbers, keep the consent history, record the audit log and erase people by anonymising them
(a deleted person would take their history with them and break the counts). So admin neither
adds, changes nor deletes these rows; it links to the page where the change is made.
"""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from klynge.ecosystem.models import Affiliation, Organisation, Person


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Change it in Klynge"))
    def klynge_page(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Open the page"))


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    fields = ["person", "organisation", "role", "start_date", "end_date"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "country", "city", "membership_status", "klynge_page"]
    list_filter = ["kind", "country", "membership_status"]
    search_fields = ["name", "city", "registry_number"]
    inlines = [AffiliationInline]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["last_name", "first_name", "email", "title", "user", "klynge_page"]
    search_fields = ["first_name", "last_name", "email"]
    inlines = [AffiliationInline]
