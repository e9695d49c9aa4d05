"""Logins, invitations and API tokens in Django admin (staff admins only).

A login is never deleted here (that would bypass erasure, which anonymises): deactivate it, or
erase the person from the privacy pages. Changes to a login are recorded in the audit log;
invitations and tokens are created and revoked on Klynge's own pages, so admin only shows them.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from klynge.accounts.models import ApiToken, Invitation, User
from klynge.core import audit


class _ShowOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_superuser", "is_active", "last_login"]
    search_fields = ["email", "name"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "language"]}),
        ("Roles", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
    filter_horizontal = ["groups"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = sorted(
            name for name in form.changed_data if name not in {"password1", "password2"}
        )
        audit.record(
            actor=request.user,
            action="accounts.user.admin_change" if change else "accounts.user.create",
            target=obj,
            data={"fields": changed},
        )


@admin.register(Invitation)
class InvitationAdmin(_ShowOnly):
    list_display = [
        "email",
        "role",
        "organisation",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
    ]
    list_filter = ["role"]
    search_fields = ["email"]
    readonly_fields = ["token_hash", "invited_by", "accepted_by", "accepted_at", "revoked_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(_ShowOnly):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["token_hash", "prefix", "last_used_at"]
    search_fields = ["name", "user__email"]
