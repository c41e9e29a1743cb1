"""Parsing the score_day JSON format: what is accepted, and one clear line for what is not."""

import copy
import json
import re

import pytest

from foods.values import FoodValues
from plans.day_json import (
    SUGGEST_PROFILE_KEYS,
    DayInputError,
    parse_day,
    parse_person,
    parse_preferences,
)
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
            with_change(("supplements", 2, "bioavailability"), 1.5),
            "supplements[2].bioavailability: must be at most 1",
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


# Found by QA: inputs that raised instead of being refused, or were scored wrongly.

TOO_BIG = 10**400  # exact JSON digits, past float's range (1e400 would be read as inf)


def where_of(path):
    """How a message names a place: ("occasions", 0, "name") -> "occasions[0].name"."""
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


@pytest.mark.parametrize(
    "path",
    [
        ("occasions", 0, "items", 0, "grams"),
        ("occasions", 0, "items", 0, "magnesium_mg_per_100g"),
        ("occasions", 0, "items", 0, "calcium_mg_per_100g"),
        ("profile", "target_mg"),
        ("supplements", 0, "compound_mg"),
        ("supplements", 1, "elemental_mg"),
        ("supplements", 2, "calcium_mg"),
        ("profile", "age_years"),
        ("profile", "ckd_stage"),
    ],
)
def test_an_integer_too_large_for_a_float_is_refused_in_one_short_line(path):
    with pytest.raises(DayInputError) as caught:
        parse_day(with_change(path, TOO_BIG), lookup)
    message = str(caught.value)
    assert message.startswith(f"{where_of(path)}: must be ")
    assert "1000000" in message
    assert len(message) < 120


def test_a_list_nested_far_too_deep_is_named_not_printed():
    nested: list = []
    for _ in range(100_000):
        nested = [nested]
    data = with_change(("profile", "medications"), [nested])
    with pytest.raises(DayInputError, match=r"medications\[0\]: unknown medication a list"):
        parse_day(data, lookup)


@pytest.mark.parametrize(
    "path",
    [
        ("occasions", 0, "name"),
        ("occasions", 0, "items", 0, "name"),
        ("occasions", 0, "items", 1, "food"),
        ("supplements", 1, "name"),
    ],
)
def test_a_lone_surrogate_in_a_name_is_refused(path):
    # What json makes of the escape "\ud800": half a UTF-16 pair, which UTF-8 cannot write.
    lone = json.loads('"Lunch \\ud800"')
    with pytest.raises(DayInputError, match=r"has a lone surrogate \(\\ud800\)"):
        parse_day(with_change(path, lone), lookup)


def test_a_food_code_with_a_nul_is_refused_before_the_lookup():
    def lookup_nothing(codes):
        raise AssertionError(f"looked up {codes!r}")

    data = with_change(("occasions", 0, "items", 1, "food"), "12014\x00")
    with pytest.raises(
        DayInputError, match=r"^occasions\[0\]\.items\[1\]\.food: must not contain a NUL"
    ):
        parse_day(data, lookup_nothing)


def test_a_surrogate_pair_is_one_character_and_accepted():
    plate = json.loads('"oats \\ud83c\\udf7d"')
    day = parse_day(with_change(("occasions", 0, "items", 0, "name"), plate), lookup)
    assert day.meals[0].items[0].name == "oats \U0001f37d"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("occasions", 0, "items"), {}),
        (("occasions", 0, "items"), ""),
        (("occasions", 0, "items"), False),
        (("occasions",), {}),
        (("occasions",), 0),
        (("supplements",), ""),
        (("profile", "medications"), ""),
        (("profile", "medications"), 0),
    ],
)
def test_an_empty_value_of_the_wrong_type_is_refused_not_read_as_empty(path, value):
    with pytest.raises(DayInputError, match=rf"^{re.escape(where_of(path))}: must be a list"):
        parse_day(with_change(path, value), lookup)


EMPTY_LISTS = {
    "profile": {"sex": "female", "age_years": 34, "medications": []},
    "occasions": [{"name": "Lunch", "items": []}],
    "supplements": [],
}


@pytest.mark.parametrize(
    "path",
    [("occasions", 0, "items"), ("occasions",), ("supplements",), ("profile", "medications")],
)
@pytest.mark.parametrize("delete", [False, True])
def test_a_missing_or_null_list_is_still_empty(path, delete):
    data = copy.deepcopy(EMPTY_LISTS)
    target = data
    for key in path[:-1]:
        target = target[key]
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = None
    day = parse_day(data, lookup)
    assert day.person == parse_day(EMPTY_LISTS, lookup).person
    assert [meal.items for meal in day.meals] in ([], [()])
    assert day.supplements == ()


@pytest.mark.parametrize("written", ["L-threonate", "l-threonate", "Threonate", "THREONATE"])
def test_the_specs_spelling_l_threonate_is_the_threonate_form(written):
    data = with_change(("supplements",), [{"form": written, "compound_mg": 1000}])
    same = with_change(("supplements",), [{"form": "threonate", "compound_mg": 1000}])
    assert parse_day(data, lookup) == parse_day(same, lookup)
    assert parse_day(data, lookup).supplements[0].form == "threonate"


def test_a_form_key_in_capitals_is_that_form():
    data = with_change(("supplements", 0, "form"), "Citrate")
    assert parse_day(data, lookup) == parse_day(VALID, lookup)


@pytest.mark.parametrize("form", ["oxide", "citrate", "L-threonate"])
def test_bioavailability_is_refused_for_a_named_form(form):
    data = with_change(
        ("supplements",), [{"form": form, "elemental_mg": 100, "bioavailability": 1.0}]
    )
    with pytest.raises(
        DayInputError, match=r"supplements\[0\]\.bioavailability: only form 'other'"
    ):
        parse_day(data, lookup)


def test_bioavailability_is_entered_for_other_and_null_means_the_forms_own():
    other = with_change(
        ("supplements",), [{"form": "other", "elemental_mg": 100, "bioavailability": 0.5}]
    )
    assert parse_day(other, lookup).supplements[0].bioavailability == 0.5
    oxide = with_change(
        ("supplements",), [{"form": "oxide", "elemental_mg": 100, "bioavailability": None}]
    )
    assert parse_day(oxide, lookup).supplements[0].bioavailability is None


@pytest.mark.parametrize("field", ["pregnant", "lactating"])
def test_a_pregnant_or_lactating_man_is_refused(field):
    with pytest.raises(
        DayInputError, match=rf"^profile\.{field}: applies only when sex is 'female'"
    ):
        parse_person({"sex": "male", "age_years": 30, field: True})


def test_a_man_who_is_not_pregnant_is_an_ordinary_man():
    person = parse_person({"sex": "male", "age_years": 30, "pregnant": False, "lactating": None})
    assert (person.pregnant, person.lactating) == (False, False)


def test_only_suggest_accepts_a_kcal_goal():
    data = with_change(("profile", "kcal_goal"), 2000)
    with pytest.raises(DayInputError, match="profile: unknown field 'kcal_goal'"):
        parse_day(data, lookup)
    assert parse_day(data, lookup, profile_keys=SUGGEST_PROFILE_KEYS).person == (
        parse_day(VALID, lookup).person
    )


@pytest.mark.parametrize(("value", "expected"), [(None, None), (2000, 2000.0), (1850.5, 1850.5)])
def test_parse_preferences_reads_the_kcal_goal(value, expected):
    profile = {**VALID["profile"], "kcal_goal": value}
    assert parse_preferences(profile) == ("vegan", frozenset({"nuts"}), expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be more than 0"),
        (-100, "must be more than 0"),
        ("2000", "must be a number"),
        (True, "must be a number"),
        (TOO_BIG, "must be a finite number"),
    ],
)
def test_a_kcal_goal_that_is_not_a_positive_number_is_refused(value, message):
    with pytest.raises(DayInputError, match=rf"^profile\.kcal_goal: {message}"):
        parse_preferences({"kcal_goal": value})
