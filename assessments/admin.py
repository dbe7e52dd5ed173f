from django.contrib import admin

from .models import Answer, Assessment, Firm, Membership, PillarScore


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Firm)
class FirmAdmin(admin.ModelAdmin):
    list_display = ["name", "country", "sector", "size_class", "benchmark_consent", "is_demo", "created_at"]
    list_filter = ["is_demo", "size_class", "sector", "benchmark_consent", "country"]
    search_fields = ["name", "region", "memberships__user__email"]
    readonly_fields = ["benchmark_consent_at", "benchmark_consent_version", "created_at", "updated_at"]
    inlines = [MembershipInline]


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "choice_codes", "is_prefilled", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class PillarScoreInline(admin.TabularInline):
    model = PillarScore
    extra = 0
    readonly_fields = ["pillar_code", "score", "level", "total", "answered", "applicable"]
    can_delete = False

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["id", "firm", "version", "status", "overall_score", "overall_level", "submitted_at"]
    list_filter = ["status", "version", "overall_level", "firm__is_demo"]
    search_fields = ["firm__name"]
    list_select_related = ["firm", "version"]
    # Answers and scores change only through the questionnaire and the scoring services.
    readonly_fields = [
        "firm",
        "version",
        "status",
        "created_by",
        "prefilled_from",
        "created_at",
        "updated_at",
        "submitted_at",
        "overall_score",
        "overall_level",
        "method_version",
        "scored_at",
    ]
    inlines = [PillarScoreInline, AnswerInline]
