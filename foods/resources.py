"""CSV import and export of database foods for the admin (django-import-export)."""

from collections import defaultdict
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from import_export import resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.resources import Diff
from import_export.results import Error, Result, RowResult

from foods.models import Food, FoodSource
from foods.services import FOOD_FIELDS, IN_CHUNK
from mgplanner.csv_safe import spreadsheet_cell, spreadsheet_cell_restore

ID_COLUMNS = ("source", "code")
# What the admin's form requires: every field without blank=True. An empty cell is no
# value, yet import_export would put the model's default in its place (0 mg of phytate,
# with the basis and source left saying "estimate"), so such a cell refuses the row.
REQUIRED_FIELDS = tuple(
    name for name in (*ID_COLUMNS, *FOOD_FIELDS) if not Food._meta.get_field(name).blank
)
REQUIRED = forms.Field.default_error_messages["required"]

# The preview and the confirm are one request each, which gunicorn ends after 30 s
# (mgplanner/gunicorn_conf.py). Measured on the 2-core development machine: a row that
# changes nothing costs ~0.45 ms (the full export, 8,789 rows and 3.6 MB, is checked and
# confirmed in ~4 s each), a row that adds or changes a food ~4 ms more (validation, the
# save and its history row, the preview's diff). The file limits leave the database room to
# grow; with the changes limit the worst file takes ~9 s, twice that on a busy machine.
MAX_IMPORT_ROWS = 10_000
MAX_IMPORT_MEGABYTES = 10
MAX_CHANGED_ROWS = 1_000
# Enough repeated codes for the editor to see the pattern, not a page of them.
REPEATS_SHOWN = 10


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _numbers(numbers: list[int]) -> str:
    """1, 4 and 7."""
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"


def file_problem(dataset: Any) -> str | None:
    """Why the file cannot be imported at all, or None: no column to find its foods by, or a
    food on more than one row (which would win?), which `load_foods` refuses too. Rows are
    numbered as the preview numbers them: 1 is the first below the header."""
    missing = [column for column in ID_COLUMNS if column not in (dataset.headers or [])]
    if missing:
        return (
            f"The file has no {' or '.join(missing)} column. Its first line must name "
            "the columns, separated by commas, as in an exported file."
        )
    rows_of: defaultdict[tuple[str, ...], list[int]] = defaultdict(list)
    for number, key in enumerate(zip(dataset["source"], dataset["code"], strict=True), 1):
        rows_of[tuple(spreadsheet_cell_restore(cell) for cell in key)].append(number)
    repeated = [(key, rows) for key, rows in rows_of.items() if len(rows) > 1]
    if not repeated:
        return None
    listed = "; ".join(
        f"code {code} is on rows {_numbers(rows)}"
        for (_source, code), rows in repeated[:REPEATS_SHOWN]
    )
    more = (
        f" (and {len(repeated) - REPEATS_SHOWN} more codes)"
        if len(repeated) > REPEATS_SHOWN
        else ""
    )
    return f"A food may appear only once in a file: {listed}{more}. Keep one row of each."


class FileFloatWidget(widgets.FloatWidget):
    """Numbers in the file as Python writes and reads them: a point before the decimals, no
    thousands separator, whatever the language. Django's locale-aware formatting and parsing
    look the language up for each cell, ~1 s each way for the 125,000 numbers of a full
    file; for every shipped value they wrote what `str` writes."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> float | None:
        if self.is_empty(value):
            return None
        return float(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> Any:
        if not self.coerce_to_string or kwargs.get("force_native_type"):
            return value
        return "" if value is None else str(value)


class FoodInstanceLoader(BaseInstanceLoader):
    """The file's database foods in one query per 500 codes, not one query per row.

    import_export's ModelInstanceLoader runs a `get()` for each row (~1 ms): 40 % of the
    time a full export took to import back.
    """

    def __init__(self, resource: "FoodResource", dataset: Any = None) -> None:
        super().__init__(resource, dataset)
        self.foods: dict[tuple[str, str], Food] = {}
        if dataset is None or "code" not in (dataset.headers or []):
            return
        codes = sorted({spreadsheet_cell_restore(code) for code in dataset["code"]})
        for start in range(0, len(codes), IN_CHUNK):
            chunk = codes[start : start + IN_CHUNK]
            for food in resource.get_queryset().filter(code__in=chunk):
                self.foods[(food.source, food.code)] = food

    def get_instance(self, row: Any) -> Food | None:
        return self.foods.get((row["source"], row["code"]))


class ChangedRowDiff(Diff):
    """The preview's before and after cells, worked out only for a row that changes.

    import_export renders every field of every row twice and diffs the two as HTML, also
    for the unchanged rows the preview does not list: 30 % of the time a full export took
    to import back. Comparing the values first costs a few microseconds.
    """

    def __init__(self, resource: "FoodResource", instance: Food | None, new: bool) -> None:
        self.resource = resource
        self.original = instance
        self.instance: Food | None = None
        self.new = new
        self.left: list[str] = []
        self.right: list[str] = []

    def compare_with(self, resource: Any, instance: Food | None) -> None:
        self.instance = instance

    def as_html(self) -> list[str]:
        # The confirm step shows no preview: its diff would go unread.
        if not self.resource.previewing:
            return []
        fields = self.resource.get_import_fields()
        if (
            not self.new
            and self.instance is not None
            and all(f.get_value(self.original) == f.get_value(self.instance) for f in fields)
        ):
            return []
        self.left = self._read_field_values(self.resource, self.original)
        self.right = self._read_field_values(self.resource, self.instance)
        return super().as_html()


class MessageOnlyError(Error):
    """An error shows its message alone on the import page: import_export prints a file-level
    error's traceback there (server paths, our code) even with DEBUG off. The traceback is
    for the log, where import_export writes it, not for the editor."""

    traceback = ""


class FoodResource(resources.ModelResource):
    """Database foods keyed by (source, code), so a re-import updates rather than duplicates.

    Custom foods are people's own and never leave or enter through here. Every row is
    validated with the model's full_clean (no negatives, magnesium at most 1,000 mg/100 g,
    every nutrient under its physical ceiling: foods.models.CEILING_BY_UNIT), and a cell the
    admin's form requires may not be empty; a bad row is reported with its line and nothing
    is written. A code may appear once in a file, as in `load_foods`.

    Exports are opened in spreadsheets, so text that would run as a formula (a description
    starting with "=", "+", "-" or "@") leaves with a quote before it, and the quote comes
    off again on import: an exported file imports back unchanged.

    Unchanged rows are skipped and left out of the preview, so that a whole export
    imported back (8,789 rows) fits in one request.
    """

    class Meta:
        model = Food
        import_id_fields = ID_COLUMNS
        fields = (*ID_COLUMNS, *FOOD_FIELDS)
        export_order = (*ID_COLUMNS, *FOOD_FIELDS)
        instance_loader_class = FoodInstanceLoader
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False
        use_transactions = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.import_fields: list[Any] | None = None
        self.previewing = True
        self.changed_rows = 0

    @classmethod
    def widget_from_django_field(cls, f: Any, default: Any = widgets.Widget) -> Any:
        if isinstance(f, models.FloatField):
            return FileFloatWidget
        return super().widget_from_django_field(f, default)

    def get_queryset(self) -> QuerySet[Food]:
        return Food.objects.filter(owner__isnull=True)

    def import_data(self, dataset: Any, dry_run: bool = False, **kwargs: Any) -> Result:
        self.previewing = dry_run
        self.changed_rows = 0
        return super().import_data(dataset, dry_run=dry_run, **kwargs)

    def import_row(self, row: Any, instance_loader: Any, **kwargs: Any) -> RowResult:
        if self.changed_rows > MAX_CHANGED_ROWS:
            # The file is refused (after_import): the rest of it is not worth the time.
            row_result = self.get_row_result_class()()
            row_result.import_type = RowResult.IMPORT_TYPE_SKIP
            return row_result
        row_result = super().import_row(row, instance_loader, **kwargs)
        if row_result.import_type in (RowResult.IMPORT_TYPE_NEW, RowResult.IMPORT_TYPE_UPDATE):
            self.changed_rows += 1
        return row_result

    def after_import(self, dataset: Any, result: Result, **kwargs: Any) -> None:
        super().after_import(dataset, result, **kwargs)
        if self.changed_rows > MAX_CHANGED_ROWS:
            raise ValueError(
                f"This file adds or changes more than {MAX_CHANGED_ROWS:,} foods, and one "
                f"import takes at most {MAX_CHANGED_ROWS:,}: split it into smaller files "
                "(rows that change nothing do not count)."
            )

    def get_import_fields(self) -> list[Any]:
        # import_export asks 3 or 4 times a row and works the list out afresh each time.
        if self.import_fields is None:
            self.import_fields = super().get_import_fields()
        return self.import_fields

    def get_diff_class(self) -> type[Diff]:
        return ChangedRowDiff

    def get_error_result_class(self) -> type[Error]:
        return MessageOnlyError

    def export_field(self, field: Any, instance: Food, **kwargs: Any) -> Any:
        return spreadsheet_cell(super().export_field(field, instance, **kwargs))

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        problem = file_problem(dataset)
        if problem is not None:
            # The file is refused whole: emptied, its rows are not checked one by one (a
            # semicolon-separated file listed a "source None" error for each of its rows).
            dataset.wipe()
            raise ValueError(problem)

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

    def import_instance(self, instance: Food, row: Any, **kwargs: Any) -> None:
        # A column left out of the file keeps an existing food's value; a new food needs them all.
        errors: dict[str, Any] = {
            name: [ValidationError(REQUIRED, code="required")]
            for name in REQUIRED_FIELDS
            if _is_empty(row.get(name)) and (name in row or instance.pk is None)
        }
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
