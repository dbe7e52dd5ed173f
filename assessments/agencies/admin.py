"""The platform operator's side of programmes: create one, add its staff, see its member agencies.

A programme's join code is made when it is created and shown once in the admin's message (only its
SHA-256 is stored). Member agencies are listed, not added here: an agency takes part only when its
own admin enters the code (or the operator adds it through ``programmes.programme_create``); staff
remove one from the programme's page, which queues the rebuild of its figures.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import programmes
from .models import Programme, ProgrammeAgency, ProgrammeStaff


class ProgrammeStaffInline(admin.TabularInline):
    model = ProgrammeStaff
    extra = 1
    autocomplete_fields = ["user"]
    readonly_fields = ["added_at"]


class ProgrammeAgencyInline(admin.TabularInline):
    model = ProgrammeAgency
    extra = 0
    fields = ["agency", "joined_at", "joined_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    fields = ["name", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [ProgrammeStaffInline, ProgrammeAgencyInline]

    def save_model(self, request: HttpRequest, obj: Programme, form: Any, change: bool) -> None:
        code = None
        if not change:
            code, obj.join_code_hash = programmes.join_code_new()
        super().save_model(request, obj, form, change)
        if code is not None:
            programmes.programme_figures_request(programme=obj)
            messages.success(
                request,
                _("The programme's join code is %(code)s. Copy it now: it is shown only once (staff can make another).")
                % {"code": code},
            )
