"""Admin for food editors: foods with portions, edit history with revert, CSV import/export."""

import csv
import io
from bisect import bisect_right
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ImportForm, SelectableFieldsExportForm
from import_export.results import RowResult
from simple_history.admin import SimpleHistoryAdmin

from foods.models import Food, FoodDataLoad, FoodSource, Portion
from foods.resources import MAX_IMPORT_MEGABYTES, MAX_IMPORT_ROWS, FoodResource
from foods.signals import food_deleting, portion_deleting, portion_reweighed


class PortionFormSet(forms.BaseInlineFormSet):
    """A food's household measures. A measure left without an order number goes last: "Add
    another" used to pre-fill 1, which the first measure has, so it never saved first time."""

    def clean(self) -> None:
        # After every number in use, the rows' (deleted ones too) and the stored ones: a
        # measure given none goes last.
        filled = [form.cleaned_data for form in self.forms if getattr(form, "cleaned_data", None)]
        taken = {data["seq"] for data in filled if data.get("seq") is not None}
        if self.instance.pk is not None:
            taken.update(self.instance.portions.values_list("seq", flat=True))
        next_seq = max(taken, default=0) + 1
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE") and data.get("seq") is None:
                data["seq"] = form.instance.seq = next_seq
                next_seq += 1
        super().clean()
        self._check_new_weights()

    def _reweighs(self, form: Any) -> bool:
        """Whether the save gives the stored measure of `form` another weight, and so sends
        `portion_reweighed` for it (save_existing)."""
        return form.instance.pk is not None and "grams" in form.changed_data

    def _check_new_weights(self) -> None:
        """Put on each measure given another weight why what is planned by it cannot take
        that weight (`portion_reweighed`'s refusal), before anything is saved: a refusal
        in the save itself would be a server error.

        The measures are re-weighed as the save does it, one after the other in the table's
        order in one transaction, each meeting what the ones before it wrote: cup and oz
        each lighter may each be fine alone, yet make 6,000 g of a dish of both more servings
        than a meal takes. A measure refused here is left out of what the next ones meet,
        as the save would not happen with it. All of it is rolled back, and done again by
        the save. (A deleted measure leaves its rows' grams as they are: nothing to try.)
        """
        with transaction.atomic():
            for form in self.initial_forms:
                data = getattr(form, "cleaned_data", None)
                if not data or data.get("DELETE") or not self._reweighs(form):
                    continue
                if form.has_error("grams"):
                    continue
                try:
                    # Its own savepoint: a refusal undoes this measure's writes alone.
                    with transaction.atomic():
                        # form.instance: the row with the grams given, as the save sends it.
                        portion_reweighed.send(sender=Portion, portion=form.instance)
                except ValidationError as error:
                    form.add_error("grams", error.messages)
            transaction.set_rollback(True)

    def save(self, commit: bool = True) -> list[Portion]:
        with transaction.atomic():
            if commit:
                self._free_numbers_given_up()
            saved: list[Portion] = super().save(commit=commit)
            return saved

    def _free_numbers_given_up(self) -> None:
        """Move the stored measures that give up their order number (renumbered or deleted)
        to spare numbers first, in one UPDATE. The save writes the rows one by one, so a
        measure taking the number of one further down the table met it still there
        (portion_unique_food_seq): a swap was a server error. Duplicates among the numbers
        asked for are refused by clean() before this.

        The spares count down from the largest order number, past every number stored or
        asked for, so no row meets another on the way. The UPDATE writes no history: each
        row's version holds the number it was given, not the spare."""
        leaving = [
            form.instance.pk
            for form in self.initial_forms
            if form.instance.pk is not None
            and (self._should_delete_form(form) or "seq" in form.changed_data)
        ]
        if not leaving:
            return
        taken = set(Portion.objects.filter(food=self.instance).values_list("seq", flat=True))
        taken.update(
            form.cleaned_data["seq"]
            for form in self.forms
            if getattr(form, "cleaned_data", None) and form.cleaned_data.get("seq") is not None
        )
        spares = (seq for seq in range(Portion.MAX_SEQ, 0, -1) if seq not in taken)
        Portion.objects.filter(pk__in=leaving).update(
            seq=Case(*(When(pk=pk, then=Value(next(spares))) for pk in leaving))
        )

    def save_existing(self, form: Any, obj: Portion, commit: bool = True) -> Portion:
        # In the admin's transaction: what people planned by the measure weighs its new
        # grams once the food is saved (plans, through foods.signals.portion_reweighed).
        portion: Portion = super().save_existing(form, obj, commit=commit)
        if commit and self._reweighs(form):
            portion_reweighed.send(sender=Portion, portion=portion)
        return portion

    def delete_existing(self, obj: Portion, commit: bool = True) -> None:
        if commit:
            portion_deleting.send(sender=Portion, portion_ids=[obj.pk])
        super().delete_existing(obj, commit=commit)

    def get_unique_error_message(self, unique_check: Any) -> str:
        if "seq" in unique_check:
            return (
                "Two household measures have the same order number: give each its own, "
                "or leave a new one's blank to put it last."
            )
        return str(super().get_unique_error_message(unique_check))


class PortionInline(admin.TabularInline):
    model = Portion
    formset = PortionFormSet
    extra = 0
    fields = ("seq", "amount", "unit", "grams")
    verbose_name = "household measure"

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        """Each input named for a screen reader: a tabular inline labels its columns only
        in the header row, which is no label for the inputs below (axe: `label`)."""
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs["aria-label"] = f"Household measure: {db_field.verbose_name}"
        if db_field.name == "seq":
            # Blank on a new measure: PortionFormSet gives it the next number.
            field.required = False
            field.initial = None
            field.help_text = (
                "The measures' order on the food's page; search sorts by the first. "
                "Left blank, a new measure goes after the others."
            )
        return field


# A measure's change is the detail of the food's history row saved with it: the admin saves
# the food, then its measures, in one request, so they follow it within moments and under
# the same user. Further apart, or by someone else (a load replacing measures of a food it
# did not change), it is no detail of that row.
MEASURE_CHANGE_WINDOW = timedelta(minutes=1)
# No measure before it was added, or after it was deleted.
NOTHING = "—"


def _measure(row: Any) -> str:
    return f"{row.instance.label} = {row.grams:g} g"


def measure_changes(before: Any, after: Any) -> list[dict[str, str]]:
    """What one saved version of a household measure (`after`, a HistoricalPortion) changed
    since the one before it (None when there is none), as the history table's Changes column
    lists a field: {"field", "old", "new"}. "1 cup: 258 g → 50 g"."""
    if after.history_type == "+":
        return [{"field": "Household measure", "old": NOTHING, "new": _measure(after)}]
    if after.history_type == "-":
        return [{"field": "Household measure", "old": _measure(after), "new": NOTHING}]
    label = after.instance.label
    if before is None:  # saved before measures had a history (a load writes none)
        return [{"field": label, "old": "not recorded", "new": f"{after.grams:g} g"}]
    changes = []
    if before.instance.label != label:
        changes.append(
            {"field": "Household measure", "old": _measure(before), "new": _measure(after)}
        )
    elif before.grams != after.grams:
        changes.append({"field": label, "old": f"{before.grams:g} g", "new": f"{after.grams:g} g"})
    if before.seq != after.seq:
        changes.append({"field": f"{label}, order", "old": str(before.seq), "new": str(after.seq)})
    return changes


def _measure_changes_by_record(food_id: int) -> dict[int, list[dict[str, str]]]:
    """The measures' changes of food `food_id`, by the history_id of the food's history row
    each is a detail of (MEASURE_CHANGE_WINDOW). Two queries, whatever the history's length."""
    records = list(
        Food.history.filter(id=food_id)  # type: ignore[attr-defined]
        .order_by("history_date", "history_id")
        .values_list("history_date", "history_id", "history_user_id")
    )
    dates = [date for date, _, _ in records]
    found: dict[int, list[dict[str, str]]] = {}
    last: dict[int, Any] = {}
    rows = Portion.history.filter(food_id=food_id)  # type: ignore[attr-defined]
    for row in rows.order_by("history_date", "history_id"):
        changes = measure_changes(last.get(row.id), row)
        last[row.id] = row
        at = bisect_right(dates, row.history_date) - 1
        if at < 0 or not changes:
            continue
        date, history_id, user_id = records[at]
        if user_id == row.history_user_id and row.history_date - date <= MEASURE_CHANGE_WINDOW:
            found.setdefault(history_id, []).extend(changes)
    return found


REVERT_KEEPS_MEASURES = (
    "Reverting restores the food's own fields as they were in this version. Its household "
    "measures stay as they are now: change those on the food's page."
)


class Utf8CSV(base_formats.CSV):
    """CSV that names its encoding: without it, programs that open the export guess Latin-1
    and "×" in a citation comes back as mojibake on the next import."""

    CONTENT_TYPE = "text/csv; charset=utf-8"


class FoodImportForm(ImportForm):
    """The upload form, refusing up front a file too big to check in one request (the limits,
    and what they are measured from, are in foods.resources)."""

    def clean_import_file(self) -> Any:
        upload = self.cleaned_data["import_file"]
        if upload.size > MAX_IMPORT_MEGABYTES * 1_000_000:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_000_000:.1f} MB, and one import takes at most "
                f"{MAX_IMPORT_MEGABYTES} MB: split it into smaller files."
            )
        try:
            # Decoded as import_export reads it (ImportMixin.from_encoding).
            text = b"".join(upload.chunks()).decode("utf-8-sig")
            rows = sum(1 for _ in csv.reader(io.StringIO(text))) - 1  # less the header
        except (UnicodeDecodeError, csv.Error):
            return upload  # import_export says why it cannot read the file
        if rows > MAX_IMPORT_ROWS:
            raise forms.ValidationError(
                f"The file has {rows:,} rows, and one import takes at most "
                f"{MAX_IMPORT_ROWS:,}: split it into smaller files."
            )
        return upload


class FoodExportForm(SelectableFieldsExportForm):
    """The export form, with the script that binds its "Select all" box."""

    @property
    def media(self) -> forms.Media:
        return super().media + forms.Media(js=["js/admin_export.js"])


# import_export's export page binds "Select all" with an inline onchange attribute, which the
# Content-Security-Policy blocks (scripts only from our files), and Chromium reports the
# violation on every load. The page leaves without it; static/js/admin_export.js binds the
# box. Not a template override: the project's templates/ folders belong to Jinja2, which
# would find an admin template there first and fail to parse it.
SELECT_ALL_INLINE_HANDLER = b'onchange="onSelectToggleChange(event)"'


def _without_inline_handler(response: HttpResponse) -> None:
    response.content = response.content.replace(SELECT_ALL_INLINE_HANDLER, b"")


@admin.register(Food)
class FoodAdmin(ImportExportMixin, SimpleHistoryAdmin):
    resource_classes = [FoodResource]
    formats = [Utf8CSV]  # the one format the README and the editors' workflow use
    import_form_class = FoodImportForm
    export_form_class = FoodExportForm
    # simple_history's table of versions, with the measures' changes and no "None"
    # (foods/admin_templates/, a folder of the Django template engine's alone).
    object_history_list_template = "foods/food_history_list.html"
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
        # A custom food is a person's, with them as its owner (Food.clean): not an editor's.
        if db_field.name == "source":
            kwargs["choices"] = [c for c in FoodSource.choices if c[0] != FoodSource.CUSTOM]
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # A database food's code is who it is: load_foods upserts by (source, code), and
        # score_day, suggest and the curated swap lists look foods up by it. A changed code
        # made the next load add the food again, leaving people's days on the orphan.
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if obj is None else (*readonly, "code")

    # A meal item a person deleted is kept only so Undo can bring it back, yet it PROTECTs
    # its food: the delete page refused with "Meal item: 50 g …" that nobody can see. Such
    # rows go with the food, as with a person's own food (plans.food_uses, told through
    # foods.signals.food_deleting); live items, recipes and templates still keep it.
    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # The page shows what the delete will find once those rows are gone; it only asks,
        # so their removal is rolled back here and done again by the delete itself.
        with transaction.atomic():
            for food in objs:
                food_deleting.send(sender=Food, food=food)
            deleted = super().get_deleted_objects(objs, request)
            transaction.set_rollback(True)
        return deleted

    def delete_model(self, request: HttpRequest, obj: Food) -> None:
        with transaction.atomic():
            food_deleting.send(sender=Food, food=obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Food]) -> None:
        with transaction.atomic():
            for food in queryset:
                food_deleting.send(sender=Food, food=food)
            super().delete_queryset(request, queryset)

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

    def set_history_delta_changes(
        self, request: HttpRequest, historical_records: Any, foreign_keys_are_objs: bool = True
    ) -> None:
        """The food's changed fields, as simple_history lists them, then its measures':
        an edit of a measure alone saved the food unchanged, listed as "Changed" and
        nothing more."""
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        records = list(historical_records)
        if not records:
            return
        by_record = _measure_changes_by_record(records[0].id)
        for record in records:
            measures = by_record.get(record.history_id)
            if measures:
                record.history_delta_changes = [
                    *getattr(record, "history_delta_changes", []),
                    *measures,
                ]

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

    def render_history_view(
        self, request: HttpRequest, template: str, context: dict[str, Any], **kwargs: Any
    ) -> HttpResponse:
        # The revert page (this renders the list of versions too): the list shows each
        # version's measure changes, yet simple_history's revert form holds the food's own
        # fields alone, so say what a revert leaves. Told on the page it renders, not on the
        # page a revert redirects to.
        if template == self.object_history_form_template and not context.get("revert_disabled"):
            messages.info(request, REVERT_KEEPS_MEASURES)
        response: HttpResponse = super().render_history_view(request, template, context, **kwargs)
        return response

    # Import writes foods, so it needs add and change; export only reads.
    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_queryset(self, request: HttpRequest) -> Any:
        return super().get_export_queryset(request).filter(owner__isnull=True)

    def export_action(self, request: HttpRequest) -> HttpResponse:
        response = super().export_action(request)
        if isinstance(response, TemplateResponse):  # the form page, not the file
            response.add_post_render_callback(_without_inline_handler)
        return response

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, **kwargs)
        # The preview lists only the rows that change something (FoodResource): say how many
        # others there are, or a file that changes nothing shows an empty table.
        result = (getattr(response, "context_data", None) or {}).get("result")
        if result is not None and not (result.has_errors() or result.has_validation_errors()):
            unchanged = result.totals[RowResult.IMPORT_TYPE_SKIP]
            if unchanged:
                messages.info(
                    request,
                    f"{unchanged:,} of the file's {result.total_rows:,} rows change nothing: "
                    "they are not listed, and the import leaves those foods as they are.",
                )
        return response

    def process_import(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        """The confirm step, answering a confirm that cannot be carried out with a message
        instead of a 500: a second click on "Confirm import" (or Back and confirm again)
        finds import_export's stored file gone, and a tampered form names no format."""
        if request.method != "POST" or not self.has_import_permission(request):
            return super().process_import(request, **kwargs)  # its 405 or 403
        if self._confirmable(request):
            try:
                return super().process_import(request, **kwargs)
            except FileNotFoundError:
                pass  # two confirms at once: the other one took the file first
        messages.error(
            request, "This import was already confirmed or has expired: upload the file again."
        )
        return HttpResponseRedirect(reverse("admin:foods_food_import"))

    def _confirmable(self, request: HttpRequest) -> bool:
        """Whether the confirm form names a format, a resource and a stored file there are
        (import_export indexes its lists with the posted numbers as they come)."""
        form = self.create_confirm_form(request)
        formats = self.get_import_formats()
        resources = self.get_import_resource_classes(request)
        if not (
            form.is_valid()
            and form.cleaned_data["format"] in {str(i) for i in range(len(formats))}
            and form.cleaned_data["resource"] in {"", *(str(i) for i in range(len(resources)))}
        ):
            return False
        input_format = formats[int(form.cleaned_data["format"])](encoding=self.from_encoding)
        storage = self.get_tmp_storage_class()(
            name=form.cleaned_data["import_file_name"],
            encoding=self.from_encoding,
            read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )
        try:
            # The cache storage (with Redis) answers None for a file it no longer holds.
            return storage.read() is not None
        except OSError:
            return False


@admin.register(FoodDataLoad)
class FoodDataLoadAdmin(admin.ModelAdmin):
    list_display = ("file_name", "sha256", "foods", "portions", "loaded_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
