from django.contrib import admin

from klynge.events.models import Event, Question, Registration, TicketCategory
from klynge.events.services import recount_seats


class TicketCategoryInline(admin.TabularInline):
    model = TicketCategory
    extra = 0


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 0


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "format", "starts_at", "status", "visibility", "capacity"]
    list_filter = ["kind", "format", "status", "visibility"]
    search_fields = ["title", "title_da", "title_en", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["organiser"]
    filter_horizontal = ["co_organisers", "sdgs"]
    inlines = [TicketCategoryInline, QuestionInline]


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["person", "event", "status", "category", "price", "created_at"]
    list_filter = ["status"]
    search_fields = ["person__first_name", "person__last_name", "person__email", "code"]
    raw_id_fields = ["event", "person", "organisation", "invoice", "registered_by", "category"]
    readonly_fields = ["code"]

    # Status changes made here bypass the services: the seat counters are recounted.
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        recount_seats(event=obj.event)

    def delete_model(self, request, obj):
        event = obj.event
        super().delete_model(request, obj)
        recount_seats(event=event)

    def delete_queryset(self, request, queryset):
        events = list(Event.objects.filter(pk__in=queryset.values("event_id")))
        super().delete_queryset(request, queryset)
        for event in events:
            recount_seats(event=event)
