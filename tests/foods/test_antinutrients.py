"""Phytate and oxalate for every food: measured, cited or estimated by a named rule (pure)."""

from pathlib import Path

import pytest

from foods import antinutrients
from foods.antinutrients import (
    PHOSPHORUS_FRACTION_OF_PHYTIC_ACID,
    Antinutrient,
    CurationError,
    assign,
    estimate_oxalate,
    estimate_phytate,
    oxalate_group_medians,
    read_csv,
    read_ifct,
)
from foods.sr28 import SR28Food, read_sr28

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def foods() -> dict[str, SR28Food]:
    return read_sr28(FIXTURES / "sr28_small")


@pytest.fixture(scope="module")
def inputs(foods: dict[str, SR28Food]) -> tuple:
    return (
        foods,
        read_ifct(FIXTURES / "ifct_small" / "index.csv"),
        read_csv(FIXTURES / "curation_small" / "ifct_to_sr28.csv"),
        read_csv(FIXTURES / "curation_small" / "literature_values.csv"),
    )


@pytest.fixture(scope="module")
def values(inputs: tuple) -> dict[str, dict[str, Antinutrient]]:
    return assign(*inputs)


def food(group_code: str, group: str, **nutrients: float) -> SR28Food:
    return SR28Food(
        code="99999",
        description="test food",
        food_group=group,
        food_group_code=group_code,
        nutrients=nutrients,
    )


def test_ifct_grams_are_read_as_milligrams(inputs: tuple) -> None:
    spinach = inputs[1]["C033"]
    assert spinach.oxalate_mg_per_100g == pytest.approx(592.0)
    assert spinach.phytate_mg_per_100g == pytest.approx(12.01)
    assert spinach.water_g_per_100g == 90.31


def test_every_food_has_both_values_with_a_basis_and_a_source(values: dict) -> None:
    assert len(values) == 12
    for nutrients in values.values():
        for nutrient in ("phytate", "oxalate"):
            assert nutrients[nutrient].basis in {"measured", "cited", "estimate"}
            assert nutrients[nutrient].source.strip()
            assert nutrients[nutrient].mg_per_100g >= 0


def test_measured_value_is_the_ifct_analysis(values: dict) -> None:
    rice = values["20044"]["phytate"]
    assert rice.basis == "measured"
    assert rice.source == "IFCT 2017 A015 Rice, raw, milled"


def test_cooked_form_is_scaled_by_dry_matter(values: dict, foods: dict) -> None:
    # IFCT raw spinach 12.01 mg at 90.31 % water; boiled SR28 spinach has 91.21 % water.
    water = foods["11458"].nutrient("water_g_per_100g")
    expected = round(12.01 * (100 - water) / (100 - 90.31), 1)
    boiled = values["11458"]["phytate"]
    assert (boiled.mg_per_100g, boiled.basis) == (expected, "measured")
    assert "scaled by dry matter" in boiled.source


def test_cited_value_comes_with_its_citation(values: dict) -> None:
    oxalate = values["11457"]["oxalate"]
    assert (oxalate.mg_per_100g, oxalate.basis) == (970.0, "cited")
    assert oxalate.source.startswith("USDA Agricultural Research Service")


def test_phosphorus_derived_literature_rows_stay_estimates(values: dict) -> None:
    seeds = values["12014"]["phytate"]
    assert (seeds.mg_per_100g, seeds.basis) == (3066.0, "estimate")


@pytest.mark.parametrize(
    ("code", "rule"),
    [
        ("01001", "rule no-phytate-animal"),
        ("13000", "rule no-phytate-animal"),
        ("04053", "rule no-phytate-fat"),
        ("19335", "rule no-phytate-no-fibre"),
    ],
)
def test_foods_without_phytate_are_zero_by_a_named_rule(values: dict, code: str, rule: str) -> None:
    phytate = values[code]["phytate"]
    assert (phytate.mg_per_100g, phytate.basis) == (0.0, "estimate")
    assert phytate.source.startswith(rule)


def test_plant_phytate_is_estimated_from_phosphorus_and_group_share() -> None:
    lentil_like = food(
        "1600", "Legumes and Legume Products", phosphorus_mg_per_100g=300.0, fibre_g_per_100g=10.0
    )
    estimate = estimate_phytate(lentil_like)
    assert estimate.mg_per_100g == round(300 * 0.50 / PHOSPHORUS_FRACTION_OF_PHYTIC_ACID, 1)
    assert estimate.source.startswith("rule phytate-p-share: 300 mg P × 0.50")


def test_mixed_dishes_use_the_low_share() -> None:
    stew = food("2200", "Meals, Entrees, and Side Dishes", phosphorus_mg_per_100g=100.0)
    estimate = estimate_phytate(stew)
    assert estimate.mg_per_100g == round(100 * 0.10 / PHOSPHORUS_FRACTION_OF_PHYTIC_ACID, 1)
    assert estimate.source.startswith("rule phytate-p-share-mixed")


def test_oxalate_group_median_is_per_dry_matter() -> None:
    foods = {
        f"0000{index}": SR28Food(
            code=f"0000{index}",
            description=f"vegetable {index}",
            food_group="Vegetables and Vegetable Products",
            food_group_code="1100",
            nutrients={"water_g_per_100g": 90.0},
        )
        for index in range(9)
    }
    # 10 g dry matter each; oxalate 0, 10, ..., 80 mg: the median is 40 mg per 10 g DM.
    known = {
        (code, "oxalate"): Antinutrient(10.0 * index, "measured", "IFCT")
        for index, code in enumerate(sorted(foods))
    }
    medians = oxalate_group_medians(foods, known)
    assert medians["1100"] == (pytest.approx(4.0), 9)
    dried = food(
        "1100", "Vegetables and Vegetable Products", water_g_per_100g=20.0, fibre_g_per_100g=8.0
    )
    estimate = estimate_oxalate(dried, medians)
    assert estimate.mg_per_100g == 320.0  # 4 mg per g DM × 80 g DM
    assert estimate.source.startswith("rule oxalate-group-median: 400.0 mg per 100 g dry matter")


def test_small_groups_and_sweets_get_no_group_median() -> None:
    assert "1900" not in antinutrients.OXALATE_MEDIAN_GROUPS
    cookie = food("1800", "Baked Products", water_g_per_100g=5.0, fibre_g_per_100g=2.0)
    estimate = estimate_oxalate(cookie, {})
    assert (estimate.mg_per_100g, estimate.source.split(":")[0]) == (
        0.0,
        "rule oxalate-no-group-data",
    )


def test_animal_foods_have_no_oxalate(values: dict) -> None:
    assert values["13000"]["oxalate"].source.startswith("rule no-oxalate-animal")


def test_a_curation_row_naming_the_wrong_food_is_refused(inputs: tuple) -> None:
    foods, ifct, map_rows, literature_rows = inputs
    broken = [dict(map_rows[0], sr28_description="Apples, baked")]
    with pytest.raises(CurationError, match=r"ifct_to_sr28.csv line 2: SR28 09003 is not"):
        assign(foods, ifct, broken, literature_rows)


def test_a_curation_row_asking_for_a_value_ifct_lacks_is_refused(inputs: tuple) -> None:
    foods, ifct, map_rows, literature_rows = inputs
    rice = next(row for row in map_rows if row["sr28_code"] == "20044")
    empty = ifct["A015"].__class__(
        code="A015",
        name=ifct["A015"].name,
        water_g_per_100g=ifct["A015"].water_g_per_100g,
        phytate_mg_per_100g=None,
        oxalate_mg_per_100g=None,
    )
    with pytest.raises(CurationError, match="IFCT A015 has no phytate value"):
        assign(foods, {**ifct, "A015": empty}, [rice], literature_rows)


# Salt twins: SR28 lists many foods twice, with and without salt, and the curation maps one.

SPINACH_CITATION = (
    "USDA Agricultural Research Service, Nutrient Data Laboratory. "
    "Oxalic Acid Content of Selected Vegetables"
)


def vegetable(code: str, description: str, water: float = 91.21) -> SR28Food:
    return SR28Food(
        code=code,
        description=description,
        food_group="Vegetables and Vegetable Products",
        food_group_code="1100",
        nutrients={
            "water_g_per_100g": water,
            "fibre_g_per_100g": 2.4,
            "phosphorus_mg_per_100g": 56,
        },
    )


def spinach_twins(salted_water: float = 91.21) -> dict[str, SR28Food]:
    return {
        "11458": vegetable("11458", "Spinach, cooked, boiled, drained, without salt"),
        "11854": vegetable("11854", "Spinach, cooked, boiled, drained, with salt", salted_water),
    }


def literature_row(code: str, foods: dict[str, SR28Food], nutrient: str, mg: float) -> dict:
    return {
        "sr28_code": code,
        "sr28_description": foods[code].description,
        "nutrient": nutrient,
        "mg_per_100g": str(mg),
        "citation": SPINACH_CITATION,
        "note": "",
    }


@pytest.mark.parametrize("nutrient", ["oxalate", "phytate"])
@pytest.mark.parametrize(
    ("curated", "lender", "borrower", "how"),
    [
        ("11458", "without salt", "11854", "prepared without salt"),
        ("11854", "with salt", "11458", "prepared with salt"),
    ],
)
def test_a_food_takes_the_curated_value_of_its_salt_twin(
    nutrient: str, curated: str, lender: str, borrower: str, how: str
) -> None:
    foods = spinach_twins()
    values = assign(foods, {}, [], [literature_row(curated, foods, nutrient, 991.0)])
    lent = values[borrower][nutrient]
    assert (lent.mg_per_100g, lent.basis) == (991.0, "estimate")
    assert lent.source == (
        f"rule salt-twin: the same food {how}, SR28 {curated} "
        f"Spinach, cooked, boiled, drained, {lender}; {SPINACH_CITATION}"
    )
    # The lender keeps its own cited value; the other nutrient, curated for neither, is a rule.
    assert (values[curated][nutrient].mg_per_100g, values[curated][nutrient].basis) == (
        991.0,
        "cited",
    )
    other = "phytate" if nutrient == "oxalate" else "oxalate"
    assert not values[borrower][other].source.startswith("rule salt-twin")


def test_a_salt_twin_never_overrides_a_curated_value() -> None:
    foods = spinach_twins()
    rows = [
        literature_row("11458", foods, "oxalate", 991.0),
        literature_row("11854", foods, "oxalate", 970.0),
    ]
    values = assign(foods, {}, [], rows)
    assert values["11458"]["oxalate"].mg_per_100g == 991.0
    assert values["11854"]["oxalate"].mg_per_100g == 970.0
    assert values["11854"]["oxalate"].basis == "cited"


def test_a_twin_with_other_water_is_scaled_by_dry_matter() -> None:
    # 8.79 g dry matter lends to 10 g: 991 mg × 10 / 8.79.
    foods = spinach_twins(salted_water=90.0)
    values = assign(foods, {}, [], [literature_row("11458", foods, "oxalate", 991.0)])
    lent = values["11854"]["oxalate"]
    assert lent.mg_per_100g == round(991.0 * 10.0 / (100 - 91.21), 1)
    assert "without salt, scaled by dry matter ×1.138; USDA" in lent.source


def test_a_twin_does_not_count_twice_in_the_oxalate_group_median() -> None:
    foods: dict[str, SR28Food] = {}
    rows = []
    for index in range(8):
        plain = vegetable(f"1100{index}", f"Leaf {index}, boiled, without salt", water=90.0)
        salted = vegetable(f"1180{index}", f"Leaf {index}, boiled, with salt", water=90.0)
        foods |= {plain.code: plain, salted.code: salted}
        rows.append(literature_row(plain.code, foods, "oxalate", 10.0 * index))
    foods["11999"] = vegetable("11999", "Root, boiled", water=90.0)
    values = assign(foods, {}, [], rows)
    assert values["11805"]["oxalate"].mg_per_100g == 50.0
    assert values["11999"]["oxalate"].source.startswith(
        "rule oxalate-group-median: 350.0 mg per 100 g dry matter, the median of 8 measured"
    )


@pytest.mark.parametrize(
    ("description", "twin"),
    [
        # The note mid-description, and after a parenthesis.
        (
            "Margarine, regular, 80% fat, composite, stick, with salt, with added vitamin D",
            "Margarine, regular, 80% fat, composite, stick, without salt, with added vitamin D",
        ),
        (
            "Seeds, sesame seed kernels, toasted, with salt added (decorticated)",
            "Seeds, sesame seed kernels, toasted, without salt added (decorticated)",
        ),
        ("Pasta, cooked, enriched, with added salt", "Pasta, cooked, enriched, without added salt"),
        ("Cauliflower, green, cooked, with salt", "Cauliflower, green, cooked, no salt added"),
        (
            "Cereals, QUAKER, QUAKER MultiGrain Oatmeal, prepared with water, salt",
            "Cereals, QUAKER, QUAKER MultiGrain Oatmeal, prepared with water, no salt",
        ),
        # SR28's own spelling slips between the two listings of one food.
        (
            "Beans, snap, green, frozen, cooked, boiled, drained, with salt",
            "Beans, snap, green, frozen, cooked, boiled, drained without salt",
        ),
        ("Taro, leaves, cooked, steamed, with salt", "Taro leaves, cooked, steamed, without salt"),
        ("Beets, cooked, boiled. drained, with salt", "Beets, cooked, boiled, drained"),
    ],
)
def test_sr28_spellings_of_the_salt_note_pair_up(description: str, twin: str) -> None:
    foods = {"1": vegetable("1", description), "2": vegetable("2", twin)}
    assert antinutrients.salt_twins(foods) == {"1": "2", "2": "1"}


@pytest.mark.parametrize(
    "descriptions",
    [
        # "Salt" naming the food or a flavour is not a salt note.
        ("Salt, table", "Table"),
        ("KASHI, TLC, Pita Crisps, Sea Salt", "KASHI, TLC, Pita Crisps"),
        # Same note twice, or three listings: which is the twin is not guessed.
        ("Leaf, with salt", "Leaf, with salt added"),
        ("Leaf, with salt", "Leaf, without salt", "Leaf"),
        # Different foods that both carry a note.
        ("Carrots, boiled, with salt", "Parsnips, boiled, without salt"),
    ],
)
def test_foods_that_are_not_salt_twins_stay_unpaired(descriptions: tuple[str, ...]) -> None:
    foods = {str(index): vegetable(str(index), text) for index, text in enumerate(descriptions)}
    assert antinutrients.salt_twins(foods) == {}
