"""The nutrients a food page shows and how much of each is in a portion (no Django)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Nutrient:
    """One per-100 g nutrient field of Food, with how people read it."""

    field: str
    label: str
    unit: str
    decimals: int


# The food detail table, in this order; the custom food form labels its fields from here too.
NUTRIENTS: tuple[Nutrient, ...] = (
    Nutrient("kcal_per_100g", "Energy", "kcal", 0),
    Nutrient("magnesium_mg_per_100g", "Magnesium", "mg", 0),
    Nutrient("calcium_mg_per_100g", "Calcium", "mg", 0),
    Nutrient("protein_g_per_100g", "Protein", "g", 1),
    Nutrient("fat_g_per_100g", "Fat", "g", 1),
    Nutrient("carbohydrate_g_per_100g", "Carbohydrate", "g", 1),
    Nutrient("fibre_g_per_100g", "Fibre", "g", 1),
    Nutrient("potassium_mg_per_100g", "Potassium", "mg", 0),
    Nutrient("sodium_mg_per_100g", "Sodium", "mg", 0),
    Nutrient("phosphorus_mg_per_100g", "Phosphorus", "mg", 0),
    Nutrient("zinc_mg_per_100g", "Zinc", "mg", 1),
    Nutrient("iron_mg_per_100g", "Iron", "mg", 1),
    Nutrient("vitamin_d_ug_per_100g", "Vitamin D", "µg", 1),
    Nutrient("phytate_mg_per_100g", "Phytate", "mg", 0),
    Nutrient("oxalate_mg_per_100g", "Oxalate", "mg", 0),
)
NUTRIENT_BY_FIELD: dict[str, Nutrient] = {nutrient.field: nutrient for nutrient in NUTRIENTS}


def per_portion(per_100g: float | None, portion_grams: float) -> float | None:
    """The amount in a portion of `portion_grams`, from the amount per 100 g; None stays None
    (a nutrient the food table does not give is unknown, not zero)."""
    return None if per_100g is None else per_100g * portion_grams / 100


@dataclass(frozen=True, slots=True)
class NutrientRow:
    """One row of the food detail table: per 100 g, then one value per portion column."""

    label: str
    unit: str
    digits: int
    per_100g: float | None
    per_portion: list[float | None]


def nutrient_rows(
    values_per_100g: Mapping[str, float | None], portion_grams: Sequence[float]
) -> list[NutrientRow]:
    """The detail table's rows, for a food's per-100 g values (by field name) and the weights
    of the portions shown as columns."""
    rows = []
    for nutrient in NUTRIENTS:
        value = values_per_100g[nutrient.field]
        rows.append(
            NutrientRow(
                label=nutrient.label,
                unit=nutrient.unit,
                digits=nutrient.decimals,
                per_100g=value,
                per_portion=[per_portion(value, grams) for grams in portion_grams],
            )
        )
    return rows
