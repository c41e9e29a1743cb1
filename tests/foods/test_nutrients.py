"""Per-portion nutrient amounts and the food detail table's rows (foods/nutrients.py): pure."""

import pytest

from foods.nutrients import NUTRIENT_BY_FIELD, NUTRIENTS, nutrient_rows, per_portion


def test_a_portion_scales_the_per_100g_amount_by_its_weight() -> None:
    # Raw almonds: 270 mg magnesium per 100 g, so a 28 g handful holds 75.6 mg.
    assert per_portion(270.0, 28.0) == pytest.approx(75.6)
    assert per_portion(270.0, 250.0) == pytest.approx(675.0)


def test_an_unknown_amount_stays_unknown_in_a_portion_rather_than_zero() -> None:
    assert per_portion(None, 28.0) is None
    assert per_portion(0.0, 28.0) == 0.0


def test_each_row_gives_the_label_unit_and_one_value_per_portion_column() -> None:
    values = {nutrient.field: None for nutrient in NUTRIENTS}
    values |= {"magnesium_mg_per_100g": 270.0, "kcal_per_100g": 579.0, "zinc_mg_per_100g": 3.1}
    rows = nutrient_rows(values, [28.0, 143.0])

    assert [row.label for row in rows] == [nutrient.label for nutrient in NUTRIENTS]
    magnesium = rows[[n.field for n in NUTRIENTS].index("magnesium_mg_per_100g")]
    assert (magnesium.label, magnesium.unit, magnesium.digits) == ("Magnesium", "mg", 0)
    assert magnesium.per_100g == 270.0
    assert magnesium.per_portion == pytest.approx([75.6, 386.1])
    zinc = rows[[n.field for n in NUTRIENTS].index("zinc_mg_per_100g")]
    assert (zinc.unit, zinc.digits) == ("mg", 1)
    assert zinc.per_portion == pytest.approx([0.868, 4.433])
    fibre = rows[[n.field for n in NUTRIENTS].index("fibre_g_per_100g")]
    assert fibre.per_100g is None
    assert fibre.per_portion == [None, None]


def test_a_food_without_portions_has_rows_with_no_portion_columns() -> None:
    values = {nutrient.field: 1.0 for nutrient in NUTRIENTS}
    assert all(row.per_portion == [] for row in nutrient_rows(values, []))


def test_vitamin_d_is_in_micrograms_and_every_field_is_listed_once() -> None:
    assert NUTRIENT_BY_FIELD["vitamin_d_ug_per_100g"].unit == "µg"
    assert len(NUTRIENT_BY_FIELD) == len(NUTRIENTS)


def test_the_page_lists_every_nutrient_the_food_file_carries():
    # Two lists in two orders (the file's and the page's): they must name the same fields.
    from foods.food_file import NUTRIENT_FIELDS

    shown = {nutrient.field for nutrient in NUTRIENTS}
    assert shown == {*NUTRIENT_FIELDS, "phytate_mg_per_100g", "oxalate_mg_per_100g"}
