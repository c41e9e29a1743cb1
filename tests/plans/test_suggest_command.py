"""`manage.py suggest`: the JSON contract over database foods, the cached pool, and error exits."""

import io
import json
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from plans import swap_pool
from plans.swaps import JSON_KEYS
from tests.factories import FoodFactory, PortionFactory

# Real SR28 codes and values (foods/data/foods.jsonl):
# code: description, group, mg, phytate, oxalate, calcium, kcal, (grams, unit)
SR28 = {
    "12014": (
        "Seeds, pumpkin and squash seed kernels, dried",
        "Nut and Seed Products",
        592,
        3066,
        170.8,
        46,
        559,
        (28.35, "oz"),
    ),
    "19904": (
        "Chocolate, dark, 70-85% cacao solids",
        "Sweets",
        228,
        109.4,
        251,
        73,
        598,
        (28.35, "oz"),
    ),
    "19120": ("Candies, milk chocolate", "Sweets", 63, 73.9, 0, 189, 535, (44, "bar")),
    "16015": (
        "Beans, black, mature seeds, cooked, boiled, without salt",
        "Legumes and Legume Products",
        70,
        512,
        18.3,
        27,
        132,
        (172, "cup"),
    ),
    "12061": ("Nuts, almonds", "Nut and Seed Products", 270, 964, 344, 269, 579, (28.35, "oz")),
    "11233": ("Kale, raw", "Vegetables and Vegetable Products", 47, 49, 20, 150, 49, (16, "cup")),
    "11457": (
        "Spinach, raw",
        "Vegetables and Vegetable Products",
        79,
        12,
        970,
        99,
        23,
        (30, "cup"),
    ),
    "20045": (
        "Rice, white, long-grain, regular, enriched, cooked",
        "Cereal Grains and Pasta",
        12,
        93.2,
        0.7,
        10,
        130,
        (158, "cup"),
    ),
    "20137": ("Quinoa, cooked", "Cereal Grains and Pasta", 64, 300, 26.3, 17, 120, (185, "cup")),
    "05064": (
        "Chicken, broilers or fryers, breast, meat only, cooked, roasted",
        "Poultry Products",
        29,
        0,
        0,
        15,
        165,
        (140, "cup"),
    ),
    "01123": ("Egg, whole, raw, fresh", "Dairy and Egg Products", 12, 0, 0, 56, 143, (50, "large")),
    "09003": (
        "Apples, raw, with skin",
        "Fruits and Fruit Juices",
        5,
        0.6,
        0,
        6,
        52,
        (182, "medium"),
    ),
}


@pytest.fixture(autouse=True)
def fresh_pool():
    swap_pool.clear_candidate_pool()
    yield
    swap_pool.clear_candidate_pool()


@pytest.fixture
def foods(db):
    made = {}
    for code, (name, group, mg, phytate, oxalate, calcium, kcal, (grams, unit)) in SR28.items():
        food = FoodFactory(
            code=code,
            description=name,
            food_group=group,
            magnesium_mg_per_100g=mg,
            phytate_mg_per_100g=phytate,
            oxalate_mg_per_100g=oxalate,
            calcium_mg_per_100g=calcium,
            kcal_per_100g=kcal,
        )
        PortionFactory(food=food, seq=1, unit=unit, grams=grams)
        made[code] = food
    return made


def stdin_of(data: str | bytes) -> io.TextIOWrapper:
    """A stdin like the real one under a C locale (UTF-8 mode): text over bytes."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="surrogateescape")


def run(argument: str, stdin: str | bytes | None = None, *options: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    old_stdin = sys.stdin
    if stdin is not None:
        sys.stdin = stdin_of(stdin)
    try:
        call_command("suggest", argument, *options, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    finally:
        sys.stdin = old_stdin
    return code, out.getvalue(), err.getvalue()


def short_day(**profile) -> dict:
    return {
        "profile": {"sex": "female", "age_years": 40, **profile},
        "occasions": [
            {"name": "Breakfast", "items": [{"food": "01123", "grams": 100}]},
            {
                "name": "Lunch",
                "items": [{"food": "05064", "grams": 120}, {"food": "20045", "grams": 158}],
            },
            {
                "name": "Dinner",
                "items": [{"food": "05064", "grams": 150}, {"food": "09003", "grams": 180}],
            },
        ],
    }


def suggestions_for(day: dict, *options: str) -> list[dict]:
    code, out, err = run("-", json.dumps(day), *options)
    assert code == 0, err
    return json.loads(out)["suggestions"]


def test_output_has_exactly_the_contract_keys_best_first(foods):
    found = suggestions_for(short_day())
    assert 3 <= len(found) <= 10
    for suggestion in found:
        assert tuple(suggestion) == JSON_KEYS
        assert suggestion["kind"] in ("add", "replace", "prepare", "split")
        assert isinstance(suggestion["gain_mg"], float)
        assert suggestion["why"]
    gains = [s["gain_mg"] - 5 * max(s["kcal_delta"], 0) / 100 for s in found]
    assert gains == sorted(gains, reverse=True)


def test_omnivore_150_mg_short_gets_pumpkin_seeds_or_dark_chocolate_in_top_three(foods):
    top = suggestions_for(short_day())[:3]
    assert {"12014", "19904"} & {s["food"] for s in top}


def test_vegan_allergic_to_nuts_gets_no_nut_and_no_animal_food(foods):
    found = suggestions_for(short_day(diet="vegan", exclusions=["nuts"]), "--limit", "50")
    codes = {s["food"] for s in found}
    assert found
    assert not codes & {"12061", "05064", "01123", "19120"}


def test_a_spinach_lunch_gets_kale_by_name_and_code(foods):
    day = short_day()
    day["occasions"][1]["items"] = [
        {"food": "11457", "grams": 90},
        {"food": "16015", "grams": 172},
    ]
    found = suggestions_for(day, "--limit", "50", "--meal", "Lunch")
    assert {s["meal"] for s in found} == {"Lunch"}
    kale = [s for s in found if s["kind"] == "replace" and s["replaces"] == "11457"]
    assert kale
    assert kale[0]["food"] == "11233"
    assert kale[0]["grams"] == 90.0


def test_a_400_mg_dose_gets_a_split(foods):
    day = short_day()
    day["supplements"] = [{"form": "citrate", "elemental_mg": 400, "name": "Citrate"}]
    split = [s for s in suggestions_for(day) if s["kind"] == "split"]
    assert len(split) == 1
    assert split[0]["replaces"] == "Citrate"
    assert split[0]["food"] is None
    assert split[0]["grams"] is None
    assert split[0]["gain_mg"] > 0


# short_day's kcal from the SR28 values above: egg 143 + chicken 198 + rice 205.4
# + chicken 247.5 + apple 93.6.
SHORT_DAY_KCAL = 887.5


def test_a_generous_kcal_goal_ranks_by_gain_alone(foods):
    """README, Ranking: without a goal a change's rank loses 5 mg per 100 kcal it adds;
    within the profile's kcal goal the rank is the gain."""
    without = suggestions_for(short_day(), "--limit", "50")
    within = suggestions_for(short_day(kcal_goal=5000), "--limit", "50")
    assert sorted(map(json.dumps, within)) == sorted(map(json.dumps, without))
    assert [s["gain_mg"] for s in within] == sorted((s["gain_mg"] for s in within), reverse=True)
    assert within != without  # a gain that adds kcal moves ahead of one that saves kcal


def test_a_tight_kcal_goal_drops_what_would_take_the_day_over_it(foods):
    goal = SHORT_DAY_KCAL + 100
    without = suggestions_for(short_day(), "--limit", "50")
    within = suggestions_for(short_day(kcal_goal=goal), "--limit", "50")
    assert any(s["kcal_delta"] > 100 for s in without)
    assert within
    assert all(s["kcal_delta"] <= 100 for s in within)
    kept = [s for s in without if s["kcal_delta"] <= 100]
    assert sorted(map(json.dumps, within)) == sorted(map(json.dumps, kept))


def test_reads_a_file(foods, tmp_path: Path):
    path = tmp_path / "day.json"
    path.write_text(json.dumps(short_day()), encoding="utf-8")
    code, out, _ = run(str(path))
    assert code == 0
    assert json.loads(out)["suggestions"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"diet": "pescatarian"}, "profile.diet"),
        ({"diet": 3}, "profile.diet"),
        ({"exclusions": ["celery"]}, "profile.exclusions[0]: unknown exclusion"),
        ({"exclusions": "nuts"}, "profile.exclusions: must be a list"),
        ({"sex": "other"}, "profile.sex"),
        ({"kcal_goal": 0}, "profile.kcal_goal: must be more than 0"),
        ({"kcal_goal": -1800}, "profile.kcal_goal: must be more than 0"),
        ({"kcal_goal": "1800"}, "profile.kcal_goal: must be a number"),
        ({"kcal_goal": 10**400}, "profile.kcal_goal: must be a finite number"),
        ({"medications": ""}, "profile.medications: must be a list"),
        ({"sex": "male", "pregnant": True}, "profile.pregnant: applies only when sex is 'female'"),
    ],
)
def test_bad_profile_is_one_line_and_exit_2(foods, change, message):
    day = short_day()
    day["profile"].update(change)
    code, out, err = run("-", json.dumps(day))
    assert code == 2
    assert out == ""
    assert message in err
    assert err.startswith("suggest: ")
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("stdin", "options", "message"),
    [
        ("{not json", (), "invalid JSON"),
        ("NaN", (), "invalid JSON"),
        ("[]", (), "must be a JSON object"),
        (
            json.dumps(
                {
                    "profile": {"sex": "female", "age_years": 40},
                    "occasions": [{"name": "L", "items": [{"food": "00000", "grams": 10}]}],
                }
            ),
            (),
            "unknown food code",
        ),
        ('{"profile": ' + "[" * 100_000, (), "invalid JSON: nested too deeply"),
        (b'{"profile": {"sex": "female", "age_years": 40}, "x": "\xff"}', (), "not UTF-8 text"),
        (
            '{"profile": {"sex": "female", "age_years": 40}, '
            '"occasions": [{"name": "\\udfff", "items": []}]}',
            (),
            "occasions[0].name: has a lone surrogate",
        ),
        (None, ("--meal", "Brunch"), "--meal"),
        (None, ("--limit", "0"), "--limit"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(foods, stdin, options, message):
    code, out, err = run("-", stdin if stdin is not None else json.dumps(short_day()), *options)
    assert code == 2
    assert out == ""
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_file_is_exit_2(db):
    code, _, err = run("/nonexistent/day.json")
    assert code == 2
    assert "cannot read" in err


def test_the_pool_is_reused_until_the_food_data_changes(foods):
    first = swap_pool.candidate_pool()
    assert swap_pool.candidate_pool() is first
    kale = foods["11233"]
    kale.magnesium_mg_per_100g = 60
    kale.save()  # an editor's change writes a history row
    second = swap_pool.candidate_pool()
    assert second is not first
    assert second.by_code["11233"].food.magnesium_mg_per_100g == 60


def test_custom_foods_are_not_candidates(foods):
    from tests.factories import UserFactory

    FoodFactory(code="custom-1", source="custom", owner=UserFactory(), description="My seeds")
    pool = swap_pool.candidate_pool()
    assert "custom-1" not in pool.by_code
    assert "custom-1" not in pool.roles


def bran_breakfast(**profile) -> dict:
    """QA's day: a bran cereal (1,200 mg phytate per 100 g) and 240 mg citrate with it."""
    return {
        "profile": {"sex": "female", "age_years": 40, **profile},
        "occasions": [
            {
                "name": "Breakfast",
                "items": [
                    {
                        "name": "bran cereal",
                        "grams": 100,
                        "magnesium_mg_per_100g": 100,
                        "phytate_mg_per_100g": 1200,
                    }
                ],
            }
        ],
        "supplements": [{"form": "citrate", "elemental_mg": 240, "with": "Breakfast"}],
    }


def test_a_dose_whose_meal_binds_it_is_moved_first_as_kind_split(foods):
    found = suggestions_for(bran_breakfast(), "--limit", "60")
    assert found[0] == {
        "kind": "split",
        "meal": "Breakfast",
        "food": None,
        "grams": None,
        "food_name": "Magnesium citrate: on its own, away from Breakfast",
        "replaces": "magnesium citrate",
        "gain_mg": 125.0,  # 202.7 on its own against 77.7 mg with the bran
        "kcal_delta": 0.0,
        "why": found[0]["why"],
    }
    assert "phytate" in found[0]["why"]
    assert [s for s in found if s["kind"] == "split"] == found[:1]  # 240 mg: no split in two


def test_a_dose_with_a_plain_meal_or_under_ckd_3_is_not_moved(foods):
    plain = short_day()
    plain["supplements"] = [{"form": "citrate", "elemental_mg": 240, "with": "Breakfast"}]
    assert not [s for s in suggestions_for(plain, "--limit", "60") if s["kind"] == "split"]
    renal = suggestions_for(bran_breakfast(ckd_stage=3), "--limit", "60")
    assert not [s for s in renal if s["kind"] == "split"]


def test_meal_may_name_a_supplement_taken_on_its_own(foods, tmp_path):
    # score_day lists it ("supplement:pm") and a split names it: --meal takes it too, and
    # gives only that occasion's suggestions.
    day = short_day()
    day["supplements"] = [{"form": "glycinate", "elemental_mg": 500, "name": "pm"}]
    found = suggestions_for(day, "--meal", "supplement:pm", "--limit", "60")
    assert [(s["kind"], s["meal"]) for s in found] == [("split", "supplement:pm")]
    path = tmp_path / "day.json"
    path.write_text(json.dumps(day))
    code, _, err = run(str(path), None, "--meal", "supplement:am")
    assert code == 2
    assert "--meal: names no occasion: 'supplement:am'" in err
