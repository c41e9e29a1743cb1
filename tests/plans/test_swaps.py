"""Suggestions (plans/swaps.py): the issue's cases, scored by the engine on the changed day."""

import json
import math
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from foods.diet import allowed, tags_for
from foods.values import FoodValues
from plans import scoring, swaps
from plans.scoring import Day, Item, Meal, Supplement
from plans.targets import Person

REPO = Path(__file__).resolve().parents[2]
FOODS_FILE = REPO / "foods" / "data" / "foods.jsonl"
WOMAN = Person(sex="female", age_years=40)  # RDA 320 mg


# SR28 values of a few foods (foods/data/foods.jsonl), enough for hand-built pools:
# code: (description, group, mg, phytate, oxalate, calcium, kcal, (grams, label))
FOODS = {
    "12014": (
        "Seeds, pumpkin and squash seed kernels, dried",
        "Nut and Seed Products",
        592,
        3066,
        170.8,
        46,
        559,
        (28.35, "1 oz"),
    ),
    "19904": (
        "Chocolate, dark, 70-85% cacao solids",
        "Sweets",
        228,
        109.4,
        251,
        73,
        598,
        (28.35, "1 oz"),
    ),
    "19120": ("Candies, milk chocolate", "Sweets", 63, 73.9, 0, 189, 535, (44, "1 bar")),
    "16015": (
        "Beans, black, mature seeds, cooked, boiled, without salt",
        "Legumes and Legume Products",
        70,
        512,
        18.3,
        27,
        132,
        (172, "1 cup"),
    ),
    "12061": ("Nuts, almonds", "Nut and Seed Products", 270, 964, 344, 269, 579, (28.35, "1 oz")),
    "11233": ("Kale, raw", "Vegetables and Vegetable Products", 47, 49, 20, 150, 49, (16, "1 cup")),
    "11457": (
        "Spinach, raw",
        "Vegetables and Vegetable Products",
        79,
        12,
        970,
        99,
        23,
        (30, "1 cup"),
    ),
    "11251": (
        "Lettuce, cos or romaine, raw",
        "Vegetables and Vegetable Products",
        14,
        16,
        7.7,
        33,
        17,
        (47, "1 cup shredded"),
    ),
    "20045": (
        "Rice, white, long-grain, regular, enriched, cooked",
        "Cereal Grains and Pasta",
        12,
        93.2,
        0.7,
        10,
        130,
        (158, "1 cup"),
    ),
    "20137": ("Quinoa, cooked", "Cereal Grains and Pasta", 64, 300, 26.3, 17, 120, (185, "1 cup")),
    "18069": (
        "Bread, white, commercially prepared (includes soft bread crumbs)",
        "Baked Products",
        23,
        104.4,
        0,
        151,
        266,
        (29, "1 slice"),
    ),
    "18075": (
        "Bread, whole-wheat, commercially prepared",
        "Baked Products",
        75,
        346,
        0,
        163,
        252,
        (32, "1 slice"),
    ),
    "05064": (
        "Chicken, broilers or fryers, breast, meat only, cooked, roasted",
        "Poultry Products",
        29,
        0,
        0,
        15,
        165,
        (140, "1 cup"),
    ),
    "01123": (
        "Egg, whole, raw, fresh",
        "Dairy and Egg Products",
        12,
        0,
        0,
        56,
        143,
        (50, "1 large"),
    ),
    "01077": (
        "Milk, whole, 3.25% milkfat, with added vitamin D",
        "Dairy and Egg Products",
        10,
        0,
        0,
        113,
        61,
        (244, "1 cup"),
    ),
    "09003": (
        "Apples, raw, with skin",
        "Fruits and Fruit Juices",
        5,
        0.6,
        0,
        6,
        52,
        (182, "1 medium"),
    ),
}


def food(code: str) -> FoodValues:
    name, group, mg, phytate, oxalate, calcium, kcal, _ = FOODS[code]
    return FoodValues(code, name, mg, phytate, oxalate, calcium, kcal, group)


def item(code: str, grams: float, key: str | None = None, **changes) -> Item:
    values = food(code)
    made = Item(
        name=values.name,
        grams=grams,
        magnesium_mg_per_100g=values.magnesium_mg_per_100g,
        phytate_mg_per_100g=values.phytate_mg_per_100g,
        oxalate_mg_per_100g=values.oxalate_mg_per_100g,
        calcium_mg_per_100g=values.calcium_mg_per_100g,
        kcal_per_100g=values.kcal_per_100g,
        code=code,
        key=key,
    )
    return replace(made, **changes)


def small_pool(pairs=(), adds=None) -> swaps.CandidatePool:
    foods = [
        swaps.PoolFood(food(code), tags_for(code, row[0], row[1]), (row[7],))
        for code, row in FOODS.items()
    ]
    if adds is None:
        adds = [
            ("12014", 28.35, "1 oz"),
            ("19904", 20.0, "20 g"),
            ("16015", 172.0, "1 cup"),
            ("12061", 28.35, "1 oz"),
            ("09003", 182.0, "1 medium"),
        ]
    return swaps.build_pool(foods, pairs=pairs, adds=adds)


PAIRS = (
    swaps.SwapPair("11457", "11233", "spinach carries oxalate, which binds its magnesium"),
    swaps.SwapPair("19120", "19904", "dark chocolate is mostly cocoa solids"),
    swaps.SwapPair("20045", "20137", "quinoa keeps its germ and bran"),
)


@cache
def real_pool() -> swaps.CandidatePool:
    """The pool over all 8,789 SR28 foods and the curated files, as the app builds it."""
    from plans.swap_pool import curated_adds, curated_pairs

    foods = []
    with FOODS_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if "code" not in row:
                continue
            values = FoodValues(
                row["code"],
                row["description"],
                row.get("magnesium_mg_per_100g") or 0.0,
                row.get("phytate_mg_per_100g") or 0.0,
                row.get("oxalate_mg_per_100g") or 0.0,
                row.get("calcium_mg_per_100g") or 0.0,
                row.get("kcal_per_100g") or 0.0,
                row["food_group"],
            )
            portions = tuple(
                (p["grams"], f"{p['amount']:g} {p['unit']}") for p in row.get("portions", [])
            )
            foods.append(
                swaps.PoolFood(
                    values,
                    tags_for(row["code"], row["description"], row["food_group"]),
                    portions,
                    oxalate_known=row["oxalate_basis"] != "estimate",
                )
            )
    return swaps.build_pool(foods, pairs=curated_pairs(), adds=curated_adds())


def short_day() -> Day:
    """An omnivore's ordinary day about 150 mg short of 320 mg."""
    return Day(
        person=WOMAN,
        meals=(
            Meal(
                "Breakfast",
                (
                    item("01123", 100, "item-1"),
                    item("18069", 58, "item-2"),
                    item("01077", 244, "item-3"),
                ),
            ),
            Meal("Lunch", (item("05064", 120, "item-4"), item("20045", 158, "item-5"))),
            Meal("Dinner", (item("05064", 150, "item-6"), item("09003", 180, "item-7"))),
        ),
    )


def gain_by_engine(day: Day, suggestion: swaps.Suggestion, pool) -> float:
    changed = swaps.apply_suggestion(day, suggestion, pool)
    return scoring.score_day(changed).effective_mg - scoring.score_day(day).effective_mg


def test_the_short_day_is_about_150_mg_short():
    score = scoring.score_day(short_day())
    assert 130 <= score.target_mg - score.effective_mg <= 170


def test_omnivore_150_mg_short_gets_pumpkin_seeds_or_dark_chocolate_in_top_three():
    top = swaps.suggest(short_day(), small_pool(PAIRS))[:3]
    assert {"12014", "19904"} & {s.food for s in top}


def test_every_gain_is_the_engine_difference_of_the_changed_day():
    day = replace(
        short_day(),
        meals=(*short_day().meals, Meal("Snacks", (item("19120", 44, "item-8"),))),
        supplements=(Supplement("citrate", 400.0, name="Mag citrate", key="dose-1"),),
    )
    pool = small_pool(PAIRS)
    suggestions = swaps.suggest(day, pool, limit=50)
    assert {s.kind for s in suggestions} >= {"add", "replace", "split"}
    for suggestion in suggestions:
        assert math.isclose(
            suggestion.gain_mg, gain_by_engine(day, suggestion, pool), abs_tol=1e-9
        ), suggestion


def test_suggestions_are_ranked_best_first_by_gain_with_a_gentle_kcal_penalty():
    suggestions = swaps.suggest(short_day(), small_pool(PAIRS), limit=50)
    ranks = [
        s.gain_mg - swaps.KCAL_PENALTY_MG_PER_100KCAL * max(s.kcal_delta, 0.0) / 100
        for s in suggestions
    ]
    assert ranks == sorted(ranks, reverse=True)
    assert all(s.gain_mg >= swaps.MIN_GAIN_MG for s in suggestions)


def test_vegan_allergic_to_nuts_never_gets_a_nut_or_an_animal_food_small_pool():
    day = short_day()
    pool = small_pool(PAIRS)
    suggestions = swaps.suggest(day, pool, diet="vegan", exclusions=frozenset({"nuts"}), limit=50)
    assert suggestions
    for suggestion in suggestions:
        if suggestion.food is not None:
            tags = pool.by_code[suggestion.food].tags
            assert not tags & {"nuts", "animal", "meat", "dairy", "egg", "fish", "shellfish"}
    assert "12061" not in {s.food for s in suggestions}


def test_vegan_allergic_to_nuts_over_the_whole_food_database():
    pool = real_pool()
    day = Day(
        person=WOMAN,
        meals=(
            Meal("Breakfast", (item("18069", 60), item("09003", 180))),
            Meal("Lunch", (item("20045", 200), item("11457", 60))),
            Meal("Dinner", (item("19120", 44),)),
        ),
    )
    suggestions = swaps.suggest(day, pool, diet="vegan", exclusions=frozenset({"nuts"}), limit=200)
    assert len(suggestions) >= 10
    for suggestion in suggestions:
        if suggestion.food is None:
            continue
        candidate = pool.by_code[suggestion.food]
        assert allowed(candidate.tags, "vegan", {"nuts"}), candidate
        name = candidate.food.name.lower()
        for word in ("almond", "cashew", "walnut", "pecan", "milk,", "cheese", "egg,", "chicken"):
            assert word not in name, candidate.food.name


def test_exclusions_apply_to_replacements_too():
    day = Day(person=WOMAN, meals=(Meal("Snacks", (item("19120", 44),)),))
    pool = small_pool((swaps.SwapPair("19120", "12061", "almonds instead"), *PAIRS))
    foods = {s.food for s in swaps.suggest(day, pool, exclusions=frozenset({"nuts"}), limit=50)}
    assert "12061" not in foods
    assert "12061" in {s.food for s in swaps.suggest(day, pool, limit=50)}


def spinach_lunch() -> Day:
    """90 g of raw spinach (873 mg oxalate) binds the whole lunch's magnesium, beans' too."""
    return Day(
        person=WOMAN,
        meals=(
            Meal("Lunch", (item("11457", 90, "item-9"), item("16015", 172, "item-10"))),
            Meal("Dinner", (item("05064", 150),)),
        ),
    )


def test_high_oxalate_spinach_lunch_gets_a_swap_to_a_low_oxalate_green():
    day = spinach_lunch()
    lunch = next(o for o in scoring.score_day(day).occasions if o.name == "Lunch")
    assert lunch.factors["oxalate"] < 0.75
    pool = small_pool(PAIRS)
    found = [
        s
        for s in swaps.suggest(day, pool, limit=50)
        if s.kind == "replace" and s.replaces == "11457"
    ]
    assert found
    best = found[0]
    assert pool.by_code[best.food].role == "green"
    assert pool.by_code[best.food].food.oxalate_mg_per_100g < 100
    assert best.gain_mg > 5
    assert best.target_key == "item-9"
    assert "oxalate" in best.why


def test_spinach_alone_is_not_swapped_when_its_oxalate_costs_less_than_it_gives():
    # 79 mg/100 g x 0.73 still beats kale's 47 mg/100 g: the model keeps the spinach.
    day = Day(person=WOMAN, meals=(Meal("Lunch", (item("11457", 90),)),))
    found = [s for s in swaps.suggest(day, small_pool(PAIRS), limit=50) if s.kind == "replace"]
    assert "11233" not in {s.food for s in found}


def test_the_curated_spinach_pair_with_real_data_proposes_kale():
    found = [
        s for s in swaps.suggest(spinach_lunch(), real_pool(), limit=50) if s.replaces == "11457"
    ]
    # The curated pairs name kale and arugula (low oxalate); the better of them is offered.
    assert {"11233", "11959"} & {s.food for s in found}


def test_a_400_mg_single_dose_gets_a_split_with_its_gain():
    day = Day(
        person=WOMAN,
        meals=(Meal("Breakfast", (item("16015", 172),)),),
        supplements=(
            Supplement(
                "glycinate", 400.0, name="Mag glycinate", with_meal="Breakfast", key="dose-3"
            ),
        ),
    )
    score = scoring.score_day(day)
    assert "split_dose" in score.warning_codes
    pool = small_pool(PAIRS)
    # The beans' phytate also earns the whole dose a move away from Breakfast (`move`).
    splits = [s for s in swaps.suggest(day, pool, limit=50) if s.kind == "split" and not s.move]
    assert len(splits) == 1
    split = splits[0]
    occasion = next(o for o in score.occasions if o.name == "Breakfast")
    assert math.isclose(split.gain_mg, scoring.split_gain_mg(occasion, score.target_mg))
    assert split.gain_mg > 5
    assert split.target_key == "dose-3"
    assert split.replaces == "Mag glycinate"
    assert split.kcal_delta == 0
    changed = scoring.score_day(swaps.apply_suggestion(day, split, pool))
    assert "split_dose" not in changed.warning_codes


def test_a_standalone_dose_splits_into_an_occasion_of_its_own():
    day = Day(person=WOMAN, supplements=(Supplement("citrate", 500.0, name="Citrate"),))
    pool = small_pool(PAIRS)
    split = next(s for s in swaps.suggest(day, pool, limit=50) if s.kind == "split")
    changed = swaps.apply_suggestion(day, split, pool)
    assert sorted(s.elemental_mg for s in changed.supplements) == [250.0, 250.0]
    assert len({s.occasion_name for s in changed.supplements}) == 2


def test_never_a_suggestion_that_raises_a_warning():
    # 2,450 mg of calcium: a cup of milk would tip the day over 2,500 mg (calcium_high).
    day = Day(
        person=WOMAN,
        meals=(Meal("Breakfast", (item("01077", 244),)),),
        supplements=(Supplement("other", 0.0, name="Calcium", calcium_mg=2180.0),),
    )
    pool = small_pool(PAIRS, adds=[("01077", 244.0, "1 cup"), ("12014", 28.35, "1 oz")])
    base_codes = set(scoring.score_day(day).warning_codes)
    suggestions = swaps.suggest(day, pool, limit=50)
    assert "01077" not in {s.food for s in suggestions}
    for suggestion in suggestions:
        changed = scoring.score_day(swaps.apply_suggestion(day, suggestion, pool))
        assert set(changed.warning_codes) <= base_codes


def test_ckd_stage_3_keeps_its_warning_and_gets_no_new_one():
    person = replace(WOMAN, ckd_stage=3)
    day = Day(
        person=person,
        meals=(Meal("Lunch", (item("20045", 158),)),),
        supplements=(Supplement("oxide", 300.0, name="Oxide", with_meal="Lunch"),),
    )
    pool = small_pool(PAIRS)
    suggestions = swaps.suggest(day, pool, limit=50)
    assert suggestions
    for suggestion in suggestions:
        changed = scoring.score_day(swaps.apply_suggestion(day, suggestion, pool))
        assert set(changed.warning_codes) <= {"ckd_supplement", "split_dose"}
    # No advice on absorbing more of a supplement the renal team has to agree to first.
    assert "split" not in {s.kind for s in suggestions}


def test_with_a_kcal_goal_nothing_takes_the_day_over_it():
    day = short_day()
    kcal = scoring.score_day(day).kcal
    suggestions = swaps.suggest(day, small_pool(PAIRS), kcal_goal=kcal + 130, limit=50)
    assert suggestions
    assert all(s.kcal_delta <= 130 for s in suggestions)
    unrestricted = swaps.suggest(day, small_pool(PAIRS), limit=50)
    assert any(s.kcal_delta > 130 for s in unrestricted)


def test_a_food_listed_with_and_without_salt_is_suggested_once():
    unsalted = food("16015")
    salted = replace(
        unsalted, code="16016", name="Beans, black, mature seeds, cooked, boiled, with salt"
    )
    foods = [
        swaps.PoolFood(
            values, tags_for(values.code, values.name, values.food_group), ((172.0, "1 cup"),)
        )
        for values in (unsalted, salted, food("12014"))
    ]
    pool = swaps.build_pool(
        foods, pairs=(), adds=[("16016", 172.0, "1 cup"), ("16015", 172.0, "1 cup")]
    )
    day = Day(person=WOMAN, meals=(Meal("Lunch", (item("12014", 10),)),))
    adds = [s for s in swaps.suggest(day, pool, limit=50) if s.kind == "add"]
    beans = [(s.meal, s.food) for s in adds if s.food in ("16015", "16016")]
    assert beans  # black beans are worth adding to this day
    # Once per meal, and the unsalted listing.
    assert sorted(beans) == sorted({(meal, "16015") for meal, _ in beans})


def test_prepare_suggests_what_makes_sense_for_the_food():
    day = Day(
        person=WOMAN,
        meals=(
            Meal("Breakfast", (item("18075", 64, "item-2"),)),
            Meal("Dinner", (item("16015", 172, "item-1"),)),
        ),
    )
    prepared = {
        s.replaces: s for s in swaps.suggest(day, small_pool(), limit=50) if s.kind == "prepare"
    }
    assert prepared["16015"].preparation in ("soaked", "sprouted")
    assert prepared["18075"].preparation == "fermented"
    assert prepared["16015"].gain_mg > 5
    assert prepared["16015"].target_key == "item-1"
    assert prepared["16015"].food is None
    assert prepared["16015"].grams is None


@pytest.mark.parametrize(
    ("description", "role", "expected"),
    [
        (
            "Beans, black, mature seeds, cooked, boiled, without salt",
            "legume",
            ("sprouted", "soaked"),
        ),
        ("Nuts, almonds", "nut-seed", ("soaked",)),
        ("Nuts, coconut milk, canned", "nut-seed", ()),
        ("Peanut butter, smooth style, with salt", "nut-seed", ()),
        ("Soymilk, original and vanilla, unfortified", "legume", ()),
        ("Oil, sesame, salad or cooking", "nut-seed", ()),
    ],
)
def test_preparations_make_sense_for_whole_seeds_only(description, role, expected):
    assert swaps.sensible_preparations(description, role) == expected


def test_no_preparation_past_the_phytate_plateau():
    # 2 cups of beans carry 2.7 mmol phytic acid; sprouting leaves 1.6, still past 1.49 mmol
    # where the model holds the factor at 0.40: no gain, no suggestion.
    day = Day(person=WOMAN, meals=(Meal("Dinner", (item("16015", 344),)),))
    assert not [s for s in swaps.suggest(day, small_pool(), limit=50) if s.kind == "prepare"]


def test_an_already_prepared_item_is_not_prepared_again():
    day = Day(person=WOMAN, meals=(Meal("Dinner", (item("16015", 344, preparation="sprouted"),)),))
    assert not [s for s in swaps.suggest(day, small_pool(), limit=50) if s.kind == "prepare"]


def test_inline_items_are_replaced_by_name():
    spinach = Item(
        name="Spinach, raw",
        grams=150,
        magnesium_mg_per_100g=79,
        oxalate_mg_per_100g=970,
        kcal_per_100g=23,
    )
    day = Day(person=WOMAN, meals=(Meal("Lunch", (spinach, item("16015", 172))),))
    pool = small_pool(PAIRS)
    found = [
        s
        for s in swaps.suggest(day, pool, limit=50)
        if s.kind == "replace" and s.replaces == "Spinach, raw"
    ]
    assert found
    changed = swaps.apply_suggestion(day, found[0], pool)
    assert changed.meals[0].items[0].code == found[0].food
    assert changed.meals[0].items[1] == day.meals[0].items[1]


def test_meal_filter_limits_changes_to_that_meal():
    suggestions = swaps.suggest(short_day(), small_pool(PAIRS), meal="Lunch", limit=50)
    assert suggestions
    assert {s.meal for s in suggestions} == {"Lunch"}


def test_adds_are_offered_as_a_snack_when_the_day_has_none():
    suggestions = swaps.suggest(short_day(), small_pool(PAIRS), limit=50)
    pumpkin = next(s for s in suggestions if s.food == "12014")
    assert pumpkin.meal == swaps.DEFAULT_MEAL  # away from the meals' phytate
    changed = swaps.apply_suggestion(short_day(), pumpkin, small_pool(PAIRS))
    assert changed.meals[-1].name == swaps.DEFAULT_MEAL


def test_applying_leaves_the_original_day_untouched_and_replace_keeps_the_key():
    day = Day(person=WOMAN, meals=(Meal("Lunch", (item("20045", 158, "item-5"),)),))
    before = repr(day)
    pool = small_pool(PAIRS)
    quinoa = next(
        s for s in swaps.suggest(day, pool, limit=50) if s.kind == "replace" and s.food == "20137"
    )
    changed = swaps.apply_suggestion(day, quinoa, pool)
    assert repr(day) == before
    assert changed.meals[0].items[0].key == "item-5"
    assert changed.meals[0].items[0].grams == 158


def test_applying_to_a_day_without_the_item_is_refused():
    day = Day(person=WOMAN, meals=(Meal("Lunch", (item("20045", 158, "item-5"),)),))
    pool = small_pool(PAIRS)
    quinoa = next(
        s for s in swaps.suggest(day, pool, limit=50) if s.kind == "replace" and s.food == "20137"
    )
    with pytest.raises(swaps.SuggestionError):
        swaps.apply_suggestion(replace(day, meals=(Meal("Lunch"),)), quinoa, pool)


def test_every_suggestion_says_why_with_numbers():
    for suggestion in swaps.suggest(short_day(), small_pool(PAIRS), limit=50):
        assert any(ch.isdigit() for ch in suggestion.why)
        assert suggestion.why.endswith(".")


def test_json_has_exactly_the_contract_keys():
    suggestion = swaps.suggest(short_day(), small_pool(PAIRS))[0]
    data = swaps.suggestion_to_json(suggestion)
    assert tuple(data) == swaps.JSON_KEYS
    assert set(data) == {
        "kind",
        "meal",
        "food",
        "grams",
        "food_name",
        "replaces",
        "gain_mg",
        "kcal_delta",
        "why",
    }
    assert data["kind"] in swaps.KINDS
    assert data["gain_mg"] == round(suggestion.gain_mg, 1)


def test_gain_per_100_kcal():
    suggestion = swaps.Suggestion("add", "Lunch", "1", "x", 10, None, 30.0, 150.0, "why.")
    assert suggestion.gain_per_100kcal == pytest.approx(20.0)
    assert replace(suggestion, kcal_delta=-5.0).gain_per_100kcal is None


def test_limit():
    assert len(swaps.suggest(short_day(), small_pool(PAIRS), limit=2)) == 2
    assert swaps.suggest(short_day(), small_pool(PAIRS), limit=0) == []


def test_role_for_common_foods():
    assert swaps.role_for("Candies, milk chocolate", "Sweets") == "snack-sweet"
    assert swaps.role_for("Spinach, raw", "Vegetables and Vegetable Products") == "green"
    assert (
        swaps.role_for(
            "Rice, white, long-grain, regular, enriched, cooked", "Cereal Grains and Pasta"
        )
        == "grain"
    )
    assert swaps.role_for("Bread, whole-wheat, commercially prepared", "Baked Products") == "bread"
    assert (
        swaps.role_for("Peanut butter, smooth style", "Legumes and Legume Products") == "nut-seed"
    )
    assert swaps.role_for("Beef, ground", "Beef Products") == "group:Beef Products"
    assert (
        swaps.role_for(
            "Beans, black, mature seeds, cooked, boiled, without salt",
            "Legumes and Legume Products",
        )
        == "legume"
    )
    sprouts = "Beans, navy, mature seeds, sprouted, raw"
    assert swaps.role_for(sprouts, "Vegetables and Vegetable Products").startswith("group:")
    assert swaps.role_for("Almonds, a handful") == "nut-seed"  # an inline item


def test_automatic_replacements_stay_within_like_roles_and_energy():
    pool = real_pool()
    for role, candidates in pool.same_role.items():
        assert all(c.role == role for c in candidates)
    day = Day(person=WOMAN, meals=(Meal("Breakfast", (item("01077", 244),)),))
    replaced = [s for s in swaps.suggest(day, pool, limit=100) if s.kind == "replace"]
    # Milk (role "dairy") has no automatic replacement; milk powder gram for gram is not one.
    assert replaced == []


def test_an_automatic_green_needs_a_known_oxalate_value():
    # Dock (sorrel) is among the richest greens in magnesium per kcal and in oxalate; with
    # only a group estimate for its oxalate it must not be proposed automatically.
    dock = FoodValues("11616", "Dock, raw", 103, 0, 46, 44, 22, "Vegetables and Vegetable Products")
    portions = ((133.0, "1 cup, chopped"),)
    for known, expected in ((False, False), (True, True)):
        pool = swaps.build_pool(
            [swaps.PoolFood(dock, frozenset(), portions, oxalate_known=known)], pairs=(), adds=()
        )
        offered = {c.food.code for cs in pool.same_role.values() for c in cs} | {
            c.food.code for c in pool.adds
        }
        assert ("11616" in offered) is expected


def test_the_real_pool_offers_no_vegetable_with_estimated_oxalate():
    estimated = set()
    with FOODS_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("food_group") == "Vegetables and Vegetable Products" and (
                row["oxalate_basis"] == "estimate"
            ):
                estimated.add(row["code"])
    from plans.swap_pool import curated_adds

    pool = real_pool()
    curated = {code for code, _, _ in curated_adds()}
    automatic = {c.food.code for cs in pool.same_role.values() for c in cs} | {
        c.food.code for c in pool.adds
    }
    assert not (automatic - curated) & estimated


# ---------------------------------------------------------------- move a dose (kind 4)


def bran_breakfast(person: Person = WOMAN, **supplement) -> Day:
    """QA's day: 100 g of a bran cereal (1,200 mg phytate) and 240 mg citrate with it."""
    bran = Item(name="bran cereal", grams=100, magnesium_mg_per_100g=100, phytate_mg_per_100g=1200)
    dose = {"form": "citrate", "elemental_mg": 240.0, "with_meal": "Breakfast", "key": "dose-1"}
    return Day(
        person=person,
        meals=(Meal("Breakfast", (bran,)),),
        supplements=(Supplement(**{**dose, **supplement}),),
    )


def test_a_dose_whose_meal_binds_it_is_moved_away_from_the_meal_first():
    day = bran_breakfast()
    assert scoring.score_day(day).effective_mg == pytest.approx(77.7, abs=0.05)
    pool = small_pool(PAIRS)
    found = swaps.suggest(day, pool, limit=60)
    move = found[0]  # +125 mg: the biggest change there is
    assert (move.kind, move.move, move.meal) == ("split", True, "Breakfast")
    assert (move.food, move.grams, move.replaces) == (None, None, "magnesium citrate")
    assert move.food_name == "Magnesium citrate: on its own, away from Breakfast"
    assert move.gain_mg == pytest.approx(125.0, abs=0.05)
    assert move.gain_mg == pytest.approx(gain_by_engine(day, move, pool))
    assert "phytate" in move.why
    assert "125 mg" in move.why
    assert move.target_key == "dose-1"
    changed = swaps.apply_suggestion(day, move, pool)
    assert changed.supplements[0].with_meal is None
    assert changed.supplements[0].at is None
    assert changed.supplements[0].elemental_mg == 240.0
    assert scoring.score_day(changed).effective_mg == pytest.approx(202.7, abs=0.05)
    # The contract's fields stay as they are: kind "split", nothing about the move.
    assert tuple(swaps.suggestion_to_json(move)) == swaps.JSON_KEYS


def test_a_dose_with_a_plain_meal_is_not_told_to_leave_it():
    # Egg, white bread and milk bind almost nothing: the dose stays with breakfast, although
    # two smaller loads would gain a little from the dose factor alone.
    day = replace(
        short_day(),
        supplements=(Supplement("citrate", 240.0, with_meal="Breakfast", key="dose-1"),),
    )
    breakfast = next(o for o in scoring.score_day(day).occasions if o.name == "Breakfast")
    assert breakfast.factors["phytate"] * breakfast.factors["oxalate"] > 0.9
    assert not [s for s in swaps.suggest(day, small_pool(PAIRS), limit=60) if s.move]


def test_no_move_under_ckd_stage_3():
    day = bran_breakfast(replace(WOMAN, ckd_stage=3))
    assert not [s for s in swaps.suggest(day, small_pool(PAIRS), limit=60) if s.kind == "split"]


def test_a_move_of_a_dose_no_longer_with_the_meal_is_refused():
    day = bran_breakfast()
    pool = small_pool(PAIRS)
    move = next(s for s in swaps.suggest(day, pool, limit=60) if s.move)
    gone = bran_breakfast(with_meal=None)
    with pytest.raises(swaps.SuggestionError):
        swaps.apply_suggestion(gone, move, pool)


def test_a_standalone_supplement_occasion_gets_only_its_own_split():
    day = replace(short_day(), supplements=(Supplement("citrate", 500.0, name="pm", key="dose-2"),))
    assert "supplement:pm" in swaps.occasion_names(day)
    found = swaps.suggest(day, small_pool(PAIRS), meal="supplement:pm", limit=50)
    assert found
    assert {(s.kind, s.meal) for s in found} == {("split", "supplement:pm")}


# ---------------------------------------------------------------- replacements


@pytest.mark.parametrize(
    ("description", "other", "same"),
    [
        ("Spinach, raw", "Spinach, cooked, boiled, drained, without salt", True),
        ("Spinach, raw", "Spinach, frozen, chopped or leaf, unprepared", True),
        ("Spinach, raw", "Spinach, canned, regular pack, drained solids", True),
        ("Nuts, almonds", "Nuts, almonds, dry roasted, with salt added", True),
        (
            "Cereals, oats, regular and quick, not fortified, dry",
            "Cereals, oats, regular and quick, unenriched, cooked with water (includes boiling)",
            True,
        ),
        ("Spinach, raw", "Kale, raw", False),
        ("Spinach, raw", "Spinach souffle", False),
        (
            "Rice, white, long-grain, regular, enriched, cooked",
            "Rice, brown, long-grain, cooked",
            False,
        ),
        ("Bread, white, commercially prepared", "Bread, whole-wheat, commercially prepared", False),
        ("Pasta, cooked, enriched, without added salt", "Pasta, whole-wheat, cooked", False),
        ("Lettuce, iceberg, raw", "Lettuce, cos or romaine, raw", False),
        ("Crackers, matzo, plain", "Crackers, matzo, whole-wheat", False),
    ],
)
def test_same_food_is_one_food_in_two_states(description, other, same):
    assert swaps.same_food(description, other) is same
    assert swaps.same_food(other, description) is same


def test_no_curated_pair_swaps_a_food_for_itself_in_another_state():
    import csv

    from plans.swap_pool import SWAP_PAIRS_FILE

    with SWAP_PAIRS_FILE.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            assert not swaps.same_food(row["from_description"], row["to_description"]), row


def test_the_same_food_in_another_state_is_never_a_replacement():
    # Canned spinach (its oxalate an estimate of 9.6 mg per 100 g) gained 4 mg from cooked
    # spinach gram for gram: drained of its water, not a change of food.
    for code, grams in (("11855", 150), ("11457", 300)):
        day = Day(
            person=WOMAN,
            meals=(Meal("Lunch", (replace(food_item_of(code), grams=grams, key="item-1"),)),),
        )
        replaced = [s for s in swaps.suggest(day, real_pool(), limit=60) if s.kind == "replace"]
        spinach = [s.food_name for s in replaced if s.food_name.startswith("Spinach")]
        assert spinach == [], code


def food_item_of(code: str) -> Item:
    """An item of one real SR28 food (foods.jsonl), 100 g."""
    with FOODS_FILE.open(encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row.get("code") == code:
                values = FoodValues(
                    code,
                    row["description"],
                    row.get("magnesium_mg_per_100g") or 0.0,
                    row.get("phytate_mg_per_100g") or 0.0,
                    row.get("oxalate_mg_per_100g") or 0.0,
                    row.get("calcium_mg_per_100g") or 0.0,
                    row.get("kcal_per_100g") or 0.0,
                    row["food_group"],
                )
                return scoring.food_item(values, 100.0)
    raise LookupError(code)


def worked_example_03() -> Day:
    """The spec's example 03: 300 g of inline spinach (no food code) at lunch."""
    path = REPO / "tests" / "plans" / "scoring_examples" / "03_spinach_lunch.day.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    meals = tuple(
        Meal(
            occasion["name"],
            tuple(
                Item(
                    name=entry["name"],
                    grams=entry["grams"],
                    magnesium_mg_per_100g=entry["magnesium_mg_per_100g"],
                    phytate_mg_per_100g=entry["phytate_mg_per_100g"],
                    oxalate_mg_per_100g=entry["oxalate_mg_per_100g"],
                    calcium_mg_per_100g=entry["calcium_mg_per_100g"],
                )
                for entry in occasion["items"]
            ),
        )
        for occasion in data["occasions"]
    )
    return Day(person=Person(**data["profile"]), meals=meals)


def test_worked_example_03_gets_a_low_oxalate_green_in_place_of_its_spinach():
    pool = real_pool()
    replaced = [
        s for s in swaps.suggest(worked_example_03(), pool, limit=60) if s.kind == "replace"
    ]
    assert replaced
    for s in replaced:
        candidate = pool.by_code[s.food]
        assert candidate.role == "green"
        assert candidate.food.oxalate_mg_per_100g < swaps.HIGH_OXALATE_GREEN_MG_PER_100G
        assert s.replaces == "spinach, test meal"
        assert s.gain_mg > 5
    # The curated spinach -> kale pair reaches the inline item by its name, with its reason.
    kale = next(s for s in replaced if s.food == "11233")
    assert "Bohn et al." in kale.why
