"""Parsing the score_day JSON format: what is accepted, and one clear line for what is not."""

import copy

import pytest

from foods.values import FoodValues
from plans.day_json import DayInputError, parse_day, parse_person
from plans.supplements import FORMS

SEEDS = FoodValues(
    code="12014",
    name="Pumpkin seeds, dried",
    magnesium_mg_per_100g=592,
    phytate_mg_per_100g=1900,
    calcium_mg_per_100g=46,
    kcal_per_100g=559,
)


def lookup(codes):
    return {code: SEEDS for code in codes if code == SEEDS.code}


VALID = {
    "profile": {
        "sex": "female",
        "age_years": 34,
        "pregnant": False,
        "lactating": False,
        "ckd_stage": 0,
        "medications": ["digoxin", "ppi"],
        "target_mg": None,
        "diet": "vegan",
        "exclusions": ["nuts"],
    },
    "occasions": [
        {
            "name": "Breakfast",
            "items": [
                {
                    "name": "oats",
                    "grams": 250,
                    "magnesium_mg_per_100g": 27,
                    "phytate_mg_per_100g": 120,
                    "calcium_mg_per_100g": 10,
                    "preparation": "soaked",
                },
                {"food": "12014", "grams": 28},
            ],
        }
    ],
    "supplements": [
        {"form": "citrate", "compound_mg": 500, "with": "Breakfast"},
        {"form": "glycinate", "elemental_mg": 200, "name": "bedtime"},
        {"form": "other", "elemental_mg": 0, "calcium_mg": 1000, "name": "calcium tablet"},
    ],
}


def test_the_spec_example_parses_into_engine_inputs():
    day = parse_day(VALID, lookup)
    assert day.person.medications == frozenset({"digoxin", "ppi"})
    oats, seeds = day.meals[0].items
    assert (oats.grams, oats.preparation, oats.oxalate_mg_per_100g) == (250, "soaked", 0.0)
    assert (seeds.name, seeds.code, seeds.magnesium_mg_per_100g) == (
        "Pumpkin seeds, dried",
        "12014",
        592,
    )
    citrate, glycinate, calcium = day.supplements
    assert citrate.elemental_mg == pytest.approx(500 * FORMS["citrate"].elemental_fraction)
    assert citrate.with_meal == "Breakfast"
    assert (glycinate.elemental_mg, glycinate.name, glycinate.with_meal) == (200, "bedtime", None)
    assert calcium.calcium_mg == 1000


def test_food_codes_are_looked_up_once_for_the_whole_day():
    calls = []

    def counting(codes):
        calls.append(list(codes))
        return lookup(codes)

    data = copy.deepcopy(VALID)
    data["occasions"].append({"name": "Lunch", "items": [{"food": "12014", "grams": 10}]})
    parse_day(data, counting)
    assert calls == [["12014"]]


def test_minimal_day_needs_only_the_profile():
    day = parse_day({"profile": {"sex": "male", "age_years": 40}}, lookup)
    assert (day.meals, day.supplements) == ((), ())


def with_change(path, value, *, delete=False):
    data = copy.deepcopy(VALID)
    target = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the day must be a JSON object"),
        ({}, "'profile' is required"),
        (
            with_change(("profile", "age_years"), None, delete=True),
            "profile: 'age_years' is required",
        ),
        (with_change(("profile", "age_years"), 0), "profile.age_years: must be at least 1"),
        (with_change(("profile", "age_years"), "34"), "profile.age_years: must be a whole number"),
        (with_change(("profile", "age_years"), 3.5), "profile.age_years: must be a whole number"),
        (with_change(("profile", "sex"), "f"), "profile.sex: must be 'female' or 'male'"),
        (with_change(("profile", "pregnant"), "yes"), "profile.pregnant: must be true or false"),
        (with_change(("profile", "ckd_stage"), 6), "profile.ckd_stage: must be 0 to 5"),
        (with_change(("profile", "medications"), ["aspirin"]), "unknown medication 'aspirin'"),
        (with_change(("profile", "medications"), "ppi"), "profile.medications: must be a list"),
        (with_change(("profile", "target_mg"), -5), "profile.target_mg: must be more than 0"),
        (with_change(("profile", "age"), 34), "profile: unknown field 'age'"),
        (with_change(("occasions",), {"name": "x"}), "occasions: must be a list"),
        (
            with_change(("occasions", 0, "items", 0, "grams"), -5),
            "occasions[0].items[0].grams: must be a number of 0 or more, not -5",
        ),
        (
            with_change(("occasions", 0, "items", 0, "grams"), None, delete=True),
            "occasions[0].items[0]: 'grams' is required",
        ),
        (
            with_change(("occasions", 0, "items", 0, "grams"), True),
            "occasions[0].items[0].grams: must be a number, not true",
        ),
        (
            with_change(("occasions", 0, "items", 0, "grams"), float("nan")),
            "must be a finite number",
        ),
        (
            with_change(("occasions", 0, "items", 0, "preparation"), "boiled"),
            "occasions[0].items[0].preparation: unknown preparation 'boiled'",
        ),
        (
            with_change(("occasions", 0, "items", 0, "magnesium_mg_per_100g"), None, delete=True),
            "give 'food' (a food code) or 'magnesium_mg_per_100g'",
        ),
        (
            with_change(("occasions", 0, "items", 1, "food"), "99999"),
            "occasions[0].items[1].food: unknown food code '99999'",
        ),
        (
            with_change(("occasions", 0, "items", 1, "magnesium_mg_per_100g"), 5),
            "give either 'food' or nutrients, not both",
        ),
        (with_change(("occasions", 0, "name"), ""), "occasions[0].name: must not be empty"),
        (
            with_change(("supplements", 0, "form"), "carbonate"),
            "unknown supplement form 'carbonate'",
        ),
        (
            with_change(("supplements", 0, "with"), "Brunch"),
            "supplements[0].with: names no occasion",
        ),
        (
            with_change(("supplements", 0, "elemental_mg"), 100),
            "give exactly one of 'compound_mg' or 'elemental_mg'",
        ),
        (
            with_change(("supplements", 2, "compound_mg"), 100),
            "give exactly one of 'compound_mg' or 'elemental_mg'",
        ),
        (
            with_change(("supplements", 0, "bioavailability"), 1.5),
            "supplements[0].bioavailability: must be at most 1",
        ),
    ],
)
def test_invalid_input_is_one_clear_line(data, message):
    with pytest.raises(DayInputError) as caught:
        parse_day(data, lookup)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_other_form_takes_elemental_mg_only():
    data = copy.deepcopy(VALID)
    data["supplements"] = [{"form": "other", "compound_mg": 100}]
    with pytest.raises(DayInputError, match="has no formula: give 'elemental_mg'"):
        parse_day(data, lookup)


def test_duplicate_occasion_names_are_refused():
    data = copy.deepcopy(VALID)
    data["occasions"].append({"name": "Breakfast", "items": []})
    with pytest.raises(DayInputError, match="two occasions are named 'Breakfast'"):
        parse_day(data, lookup)


def test_custom_target_and_lactation_reach_the_person():
    person = parse_person({"sex": "female", "age_years": 30, "lactating": True, "target_mg": 400})
    assert person.lactating
    assert person.target_mg == 400


def test_a_custom_target_under_1_mg_is_refused_not_scored_as_infinity():
    # Found by Hypothesis: a denormal target (2.2e-313 mg) made percent_of_target infinite,
    # which no JSON can carry.
    data = {"profile": {"sex": "female", "age_years": 34, "target_mg": 2.2250738585e-313}}
    with pytest.raises(DayInputError, match=r"profile\.target_mg: must be a number of 1 or more"):
        parse_day(data, lambda codes: {})
