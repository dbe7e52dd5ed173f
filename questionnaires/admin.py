"""Admin for content. Published versions are read-only: edit the YAML, give it a new label
and load it (``manage.py load_questionnaire``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Choice, Pillar, PolicyExample, Question, QuestionnaireVersion, ReferenceFigure


def _version_of(obj: Any) -> QuestionnaireVersion | None:
    if obj is None:
        return None
    if isinstance(obj, QuestionnaireVersion):
        return obj
    if isinstance(obj, Choice):
        return obj.question.version
    return obj.version


class ReadOnlyWhenPublished(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Content arrives through the loader, never typed into the admin.
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and version.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        version = _version_of(obj)
        if version is not None and version.is_published:
            return False
        return super().has_delete_permission(request, obj)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PillarInline(ReadOnlyInline):
    model = Pillar
    fields = ["position", "code", "title", "weight"]


class ChoiceInline(ReadOnlyInline):
    model = Choice
    fields = ["position", "code", "kind", "text", "score", "weight"]
    show_change_link = False


@admin.register(QuestionnaireVersion)
class QuestionnaireVersionAdmin(ReadOnlyWhenPublished):
    list_display = ["label", "status", "published_at", "created_at", "source_path"]
    list_filter = ["status"]
    readonly_fields = ["label", "title", "status", "content_hash", "source_path", "created_at", "published_at"]
    exclude = ["special_choice_texts"]
    inlines = [PillarInline]


@admin.register(Pillar)
class PillarAdmin(ReadOnlyWhenPublished):
    list_display = ["code", "version", "position", "weight"]
    list_filter = ["version"]
    readonly_fields = ["version", "code", "position"]


@admin.register(Question)
class QuestionAdmin(ReadOnlyWhenPublished):
    list_display = ["code", "version", "pillar", "kind", "weight", "allow_not_applicable"]
    list_filter = ["version", "pillar__code", "kind"]
    search_fields = ["code", "source"]
    readonly_fields = ["version", "pillar", "code", "position", "kind"]
    inlines = [ChoiceInline]


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(admin.ModelAdmin):
    """Read-only: figures come from the files in questionnaires/reference/ (load_reference_statistics)."""

    list_display = ["dataset", "indic_is", "geo", "size_emp", "year", "value_pct", "flag", "vintage"]
    list_filter = ["dataset", "indic_is", "size_emp", "year", "vintage"]
    search_fields = ["indic_is", "indicator_label", "geo", "geo_label"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PolicyExample)
class PolicyExampleAdmin(admin.ModelAdmin):
    """Read-only: the catalogue is edited in its YAML file and loaded with load_policy_examples."""

    list_display = ["code", "catalogue", "pillars", "actors"]
    list_filter = ["catalogue"]
    search_fields = ["code", "source"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
