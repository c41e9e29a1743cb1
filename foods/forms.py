"""Forms for food search and people's custom foods."""

import re
from collections.abc import Callable
from typing import Any

from django import forms

from foods.models import (
    MAX_PLAUSIBLE_MAGNESIUM_MG_PER_100G,
    MIN_PORTION_GRAMS,
    PORTION_TOO_LIGHT,
    Food,
    per_100g_error,
)
from foods.nutrients import NUTRIENT_BY_FIELD
from foods.selectors import SORTS, antinutrient_entered
from foods.services import CUSTOM_FOOD_FIELDS
from foods.values import MAX_PORTION_GRAMS


class SearchForm(forms.Form):
    """The GET parameters of /foods/; anything invalid falls back to a default, never an error."""

    q = forms.CharField(required=False, max_length=200, label="Search foods")
    group = forms.ChoiceField(required=False, label="Food group")
    sort = forms.ChoiceField(required=False, choices=list(SORTS.items()), label="Sort by")
    offset = forms.IntegerField(required=False, min_value=0, max_value=100_000)

    def __init__(self, *args: Any, groups: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = [("", "All groups"), *((g, g) for g in groups)]

    def value(self, name: str, default: Any) -> Any:
        if not self.is_bound:
            return default
        self.is_valid()  # cleaned_data then holds only the fields that are valid
        return self.cleaned_data.get(name) or default


# The antinutrients: unknown for most foods people make, and scored as absent then.
BLANK_MEANS_NONE = "If you know it. Left blank, the food is scored as having none."


def _within_bounds(field: str) -> Callable[[float], None]:
    """The model's per-100 g bound of `field` as a form validator, so the refusal is at the
    field before anything is saved (the service's full_clean would say the same)."""

    def validate(value: float) -> None:
        message = per_100g_error(field, value)
        if message is not None:
            raise forms.ValidationError(message)

    return validate


def _number(field: str, *, required: bool = False, help_text: str = "") -> forms.FloatField:
    nutrient = NUTRIENT_BY_FIELD[field]
    return forms.FloatField(
        label=f"{nutrient.label} ({nutrient.unit} per 100 g)",
        required=required,
        min_value=0,
        validators=[_within_bounds(field)],
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class CustomFoodForm(forms.Form):
    """A custom food's values per 100 g, as on a food label, and one household portion."""

    description = forms.CharField(
        max_length=255,
        label="Name",
        help_text="As you will search for it, e.g. “Granola, homemade, with seeds”.",
    )
    magnesium_mg_per_100g = _number(
        "magnesium_mg_per_100g",
        required=True,
        help_text=(
            "From the label or a food table. No food has more than "
            f"{MAX_PLAUSIBLE_MAGNESIUM_MG_PER_100G:,} mg per 100 g."
        ),
    )
    kcal_per_100g = _number("kcal_per_100g")
    protein_g_per_100g = _number("protein_g_per_100g")
    fat_g_per_100g = _number("fat_g_per_100g")
    carbohydrate_g_per_100g = _number("carbohydrate_g_per_100g")
    fibre_g_per_100g = _number("fibre_g_per_100g")
    calcium_mg_per_100g = _number("calcium_mg_per_100g")
    potassium_mg_per_100g = _number("potassium_mg_per_100g")
    sodium_mg_per_100g = _number("sodium_mg_per_100g")
    phosphorus_mg_per_100g = _number("phosphorus_mg_per_100g")
    zinc_mg_per_100g = _number("zinc_mg_per_100g")
    iron_mg_per_100g = _number("iron_mg_per_100g")
    vitamin_d_ug_per_100g = _number("vitamin_d_ug_per_100g")
    phytate_mg_per_100g = _number("phytate_mg_per_100g", help_text=BLANK_MEANS_NONE)
    oxalate_mg_per_100g = _number("oxalate_mg_per_100g", help_text=BLANK_MEANS_NONE)
    portion_unit = forms.CharField(
        max_length=120,
        required=False,
        label="Household portion",
        help_text="What you usually eat, e.g. “bowl” or “bar”.",
    )
    portion_grams = forms.FloatField(
        required=False,
        label="Portion weight (g)",
        error_messages={"invalid": "Enter the weight of one portion in grams, e.g. 60."},
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )

    def clean_portion_unit(self) -> str:
        """One portion's name: the page shows it as "1 bowl", so "1 bowl" or "a bowl" typed
        in full is kept as "bowl"; another number would be counted as one portion."""
        unit = " ".join(self.cleaned_data.get("portion_unit", "").split())
        one = re.match(r"(?:1|one|a|an)\s+(.+)", unit, re.IGNORECASE)
        if one:
            return one.group(1)
        if re.match(r"[\d.,½¼¾]", unit):
            raise forms.ValidationError(
                "Name one portion without a number (“bar”, not “2 bars”), and give the weight "
                "of one below."
            )
        return unit

    def clean_portion_grams(self) -> float | None:
        grams: float | None = self.cleaned_data.get("portion_grams")
        if grams is not None and grams < MIN_PORTION_GRAMS:
            raise forms.ValidationError(PORTION_TOO_LIGHT)
        if grams is not None and grams > MAX_PORTION_GRAMS:
            raise forms.ValidationError(
                f"At most {MAX_PORTION_GRAMS:,} g: a heavier portion could not be planned. "
                "Check the unit (g, not mg)."
            )
        return grams

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Only for a weight left blank: a weight that was refused already has its one
        # message, and a refused name (not in cleaned) has its own.
        if (
            cleaned.get("portion_unit")
            and cleaned.get("portion_grams") is None
            and not self.has_error("portion_grams")
        ):
            self.add_error("portion_grams", "Give the portion's weight, or leave both blank.")
        return cleaned

    @classmethod
    def initial_for(cls, food: Food) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(food, name) for name in CUSTOM_FOOD_FIELDS}
        for prefix in ("phytate", "oxalate"):
            initial[f"{prefix}_mg_per_100g"] = (
                getattr(food, f"{prefix}_mg_per_100g")
                if antinutrient_entered(food, prefix)
                else None
            )
        portion = next(iter(food.portions.all()), None)
        if portion is not None:
            initial["portion_unit"] = portion.unit
            initial["portion_grams"] = portion.grams
        return initial
