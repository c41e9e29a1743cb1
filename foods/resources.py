"""CSV import and export of database foods for the admin (django-import-export)."""

from typing import Any

from django.db.models import QuerySet
from import_export import resources

from foods.models import Food, FoodSource
from foods.services import FOOD_FIELDS
from mgplanner.csv_safe import spreadsheet_cell, spreadsheet_cell_restore


class FoodResource(resources.ModelResource):
    """Database foods keyed by (source, code), so a re-import updates rather than duplicates.

    Custom foods are people's own and never leave or enter through here. Every row is
    validated with the model's full_clean (no negatives, magnesium at most 1,000 mg/100 g,
    every nutrient under its physical ceiling: foods.models.CEILING_BY_UNIT);
    a bad row is reported with its line and nothing is written.

    Exports are opened in spreadsheets, so text that would run as a formula (a description
    starting with "=", "+", "-" or "@") leaves with a quote before it, and the quote comes
    off again on import: an exported file imports back unchanged.
    """

    class Meta:
        model = Food
        import_id_fields = ("source", "code")
        fields = ("source", "code", *FOOD_FIELDS)
        export_order = ("source", "code", *FOOD_FIELDS)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True

    def get_queryset(self) -> QuerySet[Food]:
        return Food.objects.filter(owner__isnull=True)

    def export_field(self, field: Any, instance: Food, **kwargs: Any) -> Any:
        return spreadsheet_cell(super().export_field(field, instance, **kwargs))

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        for key, value in row.items():
            row[key] = spreadsheet_cell_restore(value)
        source = row.get("source")
        if source == FoodSource.CUSTOM:
            raise ValueError("custom foods belong to the people who made them and are not imported")
        if source != FoodSource.USDA_SR28:
            raise ValueError(
                f"source {source!r} is not a source of the food database: use "
                f"{FoodSource.USDA_SR28!s}"
            )
