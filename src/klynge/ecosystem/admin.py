from django.contrib import admin

from klynge.ecosystem.models import Affiliation, Organisation, Person


class AffiliationInline(admin.TabularInline):
    model = Affiliation
    extra = 0
    autocomplete_fields = ["person", "organisation"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "country", "city", "membership_status"]
    list_filter = ["kind", "country", "membership_status"]
    search_fields = ["name", "city"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [AffiliationInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "email", "title", "user"]
    search_fields = ["first_name", "last_name", "email"]
    autocomplete_fields = ["user"]
    inlines = [AffiliationInline]
