"""Admin for plans: read and correct a person's days; writes to items go through the pages."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from plans.models import (
    Day,
    Meal,
    MealItem,
    MealTemplate,
    MealTemplateItem,
    Plan,
    SupplementDose,
    SupplementProduct,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["owner__email", "name"]
    raw_id_fields = ["owner"]


class MealInline(admin.TabularInline):
    model = Meal
    extra = 0


@admin.register(Day)
class DayAdmin(SimpleHistoryAdmin):
    list_display = ["date", "plan", "version", "last_edited_by", "last_edited_at"]
    list_filter = ["date"]
    search_fields = ["plan__owner__email"]
    raw_id_fields = ["plan", "last_edited_by"]
    inlines = [MealInline]


class MealItemInline(admin.TabularInline):
    model = MealItem
    extra = 0
    raw_id_fields = ["food", "portion"]


@admin.register(Meal)
class MealAdmin(admin.ModelAdmin):
    list_display = ["name", "day", "position"]
    raw_id_fields = ["day"]
    inlines = [MealItemInline]


@admin.register(SupplementProduct)
class SupplementProductAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "kind", "form", "amount_mg", "amount_basis", "archived"]
    list_filter = ["kind", "form", "archived"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]


@admin.register(SupplementDose)
class SupplementDoseAdmin(admin.ModelAdmin):
    list_display = ["product", "day", "quantity", "meal", "taken_at", "deleted_at"]
    raw_id_fields = ["day", "product", "meal"]


class MealTemplateItemInline(admin.TabularInline):
    model = MealTemplateItem
    extra = 0
    raw_id_fields = ["food", "portion"]


@admin.register(MealTemplate)
class MealTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "created_at"]
    search_fields = ["name", "owner__email"]
    raw_id_fields = ["owner"]
    inlines = [MealTemplateItemInline]
