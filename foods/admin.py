"""Admin for food editors: foods with portions, edit history with revert, CSV import/export."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from simple_history.admin import SimpleHistoryAdmin

from foods.models import Food, FoodDataLoad, Portion
from foods.resources import FoodResource


class PortionInline(admin.TabularInline):
    model = Portion
    extra = 0
    fields = ("seq", "amount", "unit", "grams")

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Each input named for a screen reader: a tabular inline labels its columns only
        in the header row, which is no label for the inputs below (axe: `label`)."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs["aria-label"] = f"Household measure: {db_field.verbose_name}"
        return field


class Utf8CSV(base_formats.CSV):
    """CSV that names its encoding: without it, programs that open the export guess Latin-1
    and "×" in a citation comes back as mojibake on the next import."""

    CONTENT_TYPE = "text/csv; charset=utf-8"


@admin.register(Food)
class FoodAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [FoodResource]
    formats = [Utf8CSV]  # the one format the README and the editors' workflow use
    list_display = (
        "description",
        "code",
        "food_group",
        "magnesium_mg_per_100g",
        "phytate_mg_per_100g",
        "phytate_basis",
        "oxalate_mg_per_100g",
        "oxalate_basis",
    )
    list_filter = ("food_group", "phytate_basis", "oxalate_basis", "source")
    search_fields = ("description", "code")
    inlines = [PortionInline]
    fieldsets = [
        (None, {"fields": ("source", "code", "description", "food_group")}),
        (
            "Per 100 g",
            {
                "fields": (
                    ("kcal_per_100g", "magnesium_mg_per_100g", "calcium_mg_per_100g"),
                    ("protein_g_per_100g", "fat_g_per_100g", "carbohydrate_g_per_100g"),
                    ("fibre_g_per_100g", "potassium_mg_per_100g", "sodium_mg_per_100g"),
                    ("phosphorus_mg_per_100g", "zinc_mg_per_100g", "iron_mg_per_100g"),
                    "vitamin_d_ug_per_100g",
                )
            },
        ),
        ("Phytate", {"fields": ("phytate_mg_per_100g", "phytate_basis", "phytate_source")}),
        ("Oxalate", {"fields": ("oxalate_mg_per_100g", "oxalate_basis", "oxalate_source")}),
    ]

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A citation runs to a few hundred characters: a box that shows it whole.
        if db_field.name in ("phytate_source", "oxalate_source"):
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3, "cols": 80})
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Food]:
        # Custom foods are private to the people who made them, editors included.
        return super().get_queryset(request).filter(owner__isnull=True)

    # simple_history's history pages fetch the rows by id without get_queryset: keep a
    # person's custom food (and its past values) out of them as well, a 404 like the rest.
    def get_history_queryset(
        self, request: HttpRequest, history_manager: Any, pk_name: str, object_id: Any
    ) -> QuerySet[Any]:
        return (
            super()
            .get_history_queryset(request, history_manager, pk_name, object_id)
            .filter(owner__isnull=True)
        )

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # "Changed by" links to the user's admin page; a food editor may not open it (403),
        # so for them the name is plain text (the template drops a link whose URL name does
        # not resolve).
        user_model = get_user_model()._meta
        if not request.user.has_perm(f"{user_model.app_label}.view_{user_model.model_name}"):
            extra_context = {**(extra_context or {}), "admin_user_view": "no-user-page"}
        return super().history_view(request, object_id, extra_context)

    def history_form_view(
        self,
        request: HttpRequest,
        object_id: str,
        version_id: str,
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not (object_id.isdigit() and version_id.isdigit()):
            raise Http404
        version = Food.history.filter(  # type: ignore[attr-defined]
            id=int(object_id), history_id=int(version_id), owner__isnull=True
        )
        if not version.exists():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    # Import writes foods, so it needs add and change; export only reads.
    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request: HttpRequest) -> Any:
        return super().get_export_queryset(request).filter(owner__isnull=True)


@admin.register(FoodDataLoad)
class FoodDataLoadAdmin(admin.ModelAdmin):
    list_display = ("file_name", "sha256", "foods", "portions", "loaded_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
