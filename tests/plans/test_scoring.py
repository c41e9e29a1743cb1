"""The scoring engine: factor curves, the day result, loss breakdown, waterfall and warnings."""

import itertools
import math

import pytest

from plans.scoring import (
    Day,
    Item,
    Meal,
    Supplement,
    absorbed_fraction,
    absorbed_mg,
    calcium_factor,
    dose_factor,
    oxalate_factor,
    phytate_factor,
    score_day,
    score_to_json,
    waterfall,
)
from plans.supplements import elemental_mg
from plans.targets import Person, TargetError

WOMAN = Person("female", 34)  # target 320, EAR 265


def plain(name: str, mg: float, **extra: float) -> Item:
    """100 g of a food carrying `mg` magnesium."""
    return Item(name=name, grams=100, magnesium_mg_per_100g=mg, **extra)


def test_absorption_curve_matches_its_calibration_points():
    # Fine 1991: 11 % at 972 mg; Bohn 2004: 32.5 % of 87.5 mg; ~60 % for small loads.
    assert absorbed_fraction(972) == pytest.approx(0.11, abs=0.003)
    assert absorbed_fraction(87.5) == pytest.approx(0.325, abs=0.003)
    assert absorbed_mg(1) / 1 == pytest.approx(0.61, abs=0.01)


def test_dose_factor_is_one_up_to_a_third_of_the_target_and_053_for_400mg():
    assert dose_factor(320 / 3, 320) == 1.0
    assert dose_factor(50, 320) == 1.0
    assert dose_factor(400, 320) == pytest.approx(0.53, abs=0.005)


@pytest.mark.parametrize(
    ("mmol", "factor"),
    [(0, 1.0), (0.375, 0.8725), (0.75, 0.745), (1.49, 0.40), (3.0, 0.40)],
)
def test_phytate_factor_interpolates_bohn_and_holds_beyond(mmol, factor):
    assert phytate_factor(mmol * 660.04) == pytest.approx(factor, abs=1e-9)


@pytest.mark.parametrize(("mmol", "factor"), [(0, 1.0), (3.3, 0.865), (6.6, 0.73), (10, 0.73)])
def test_oxalate_factor_interpolates_and_holds_beyond(mmol, factor):
    assert oxalate_factor(mmol * 90.03) == pytest.approx(factor, abs=1e-9)


@pytest.mark.parametrize(
    ("calcium", "factor"), [(0, 1.0), (2500, 1.0), (3000, 0.95), (4500, 0.80), (9000, 0.80)]
)
def test_calcium_factor_is_free_to_2500_then_slopes_to_a_floor(calcium, factor):
    assert calcium_factor(calcium) == pytest.approx(factor)


def test_three_inhibitor_free_thirds_of_the_target_score_exactly_100_percent():
    meals = tuple(Meal(name, (plain("test", 320 / 3),)) for name in ("B", "L", "D"))
    score = score_day(Day(WOMAN, meals))
    assert score.effective_mg == pytest.approx(320)
    assert score.percent_of_target == pytest.approx(100)
    assert score.status == "meets"
    assert score.losses_mg.total == pytest.approx(0)


def test_status_near_between_ear_and_target_and_low_below_ear():
    near = score_day(Day(WOMAN, tuple(Meal(n, (plain("x", 90),)) for n in "ABC")))
    low = score_day(Day(WOMAN, tuple(Meal(n, (plain("x", 80),)) for n in "ABC")))
    assert (near.effective_mg, near.status) == (pytest.approx(270), "near")
    assert (low.effective_mg, low.status) == (pytest.approx(240), "low")


def test_losses_split_in_proportion_to_minus_log_factor_and_add_up():
    meal = Meal(
        "Lunch", (plain("beans", 200, phytate_mg_per_100g=660.04, oxalate_mg_per_100g=300),)
    )
    score = score_day(Day(WOMAN, (meal,)))
    occasion = score.occasions[0]
    loss = occasion.magnesium_mg - occasion.effective_mg
    weights = {k: -math.log(v) for k, v in occasion.factors.items()}
    total_weight = sum(weights.values())
    for key, weight in weights.items():
        assert getattr(score.losses_mg, key) == pytest.approx(loss * weight / total_weight)
    assert score.total_mg - score.losses_mg.total == pytest.approx(score.effective_mg)


def test_preparation_reduces_phytate_only():
    def day(preparation: str) -> Day:
        item = Item(
            "bread",
            100,
            80,
            phytate_mg_per_100g=660.04,
            oxalate_mg_per_100g=200,
            preparation=preparation,
        )
        return Day(WOMAN, (Meal("B", (item,)),))

    plain_day, fermented = score_day(day("none")), score_day(day("fermented"))
    assert plain_day.occasions[0].phytate_mg == pytest.approx(660.04)
    assert fermented.occasions[0].phytate_mg == pytest.approx(0.4 * 660.04)
    assert fermented.occasions[0].oxalate_mg == plain_day.occasions[0].oxalate_mg == 200
    assert fermented.effective_mg > plain_day.effective_mg


def test_supplement_with_a_meal_joins_its_occasion_and_form_weights_bioavailability():
    oxide = Supplement("oxide", 100, with_meal="B")
    score = score_day(Day(WOMAN, (Meal("B", (plain("food", 100),)),), (oxide,)))
    assert len(score.occasions) == 1
    occasion = score.occasions[0]
    assert occasion.magnesium_mg == 200
    assert occasion.factors["form"] == pytest.approx((100 + 100 * 0.4) / 200)


def test_standalone_supplement_is_its_own_occasion_named_after_it():
    day = Day(WOMAN, (), (Supplement("glycinate", 100, name="bedtime"), Supplement("citrate", 50)))
    names = [o.name for o in score_day(day).occasions]
    assert names == ["supplement:bedtime", "supplement:citrate"]


def test_unknown_meal_for_a_supplement_is_an_error():
    with pytest.raises(ValueError, match="No meal named 'Brunch'"):
        score_day(Day(WOMAN, (), (Supplement("citrate", 50, with_meal="Brunch"),)))


def test_item_shares_add_up_to_the_occasion_and_discount_oxide():
    meal = Meal("B", (plain("oats", 60, phytate_mg_per_100g=300, key="item-1"),))
    supplement = Supplement("oxide", 200, with_meal="B", key="dose-1")
    occasion = score_day(Day(WOMAN, (meal,), (supplement,))).occasions[0]
    shares = {item.key: item for item in occasion.items}
    assert sum(item.effective_mg for item in occasion.items) == pytest.approx(occasion.effective_mg)
    oats, oxide = shares["item-1"], shares["dose-1"]
    assert oxide.is_supplement
    assert not oats.is_supplement
    # Per mg eaten, oxide counts 0.4 of the oats: same occasion factors, form 0.4.
    assert (oxide.effective_mg / oxide.magnesium_mg) / (
        oats.effective_mg / oats.magnesium_mg
    ) == pytest.approx(0.4)


def test_kcal_and_calcium_are_summed_over_the_day():
    meal = Meal("B", (Item("milk", 250, 10, calcium_mg_per_100g=120, kcal_per_100g=60),))
    score = score_day(Day(WOMAN, (meal,), (Supplement("other", 0, calcium_mg=500),)))
    assert score.kcal == pytest.approx(150)
    assert score.calcium_mg == pytest.approx(800)


def test_waterfall_walks_plate_to_effective_in_order():
    example = Day(
        WOMAN,
        (Meal("B", (plain("bread", 150, phytate_mg_per_100g=800, oxalate_mg_per_100g=100),)),),
        (Supplement("oxide", 300),),
    )
    score = score_day(example)
    steps = waterfall(score)
    assert [s.key for s in steps] == [
        "plate",
        "phytate",
        "oxalate",
        "calcium",
        "form",
        "dose",
        "effective",
    ]
    assert steps[0].end_mg == pytest.approx(score.total_mg)
    assert steps[-2].end_mg == pytest.approx(score.effective_mg)
    for before, after in itertools.pairwise(steps[:-1]):
        assert after.start_mg == pytest.approx(before.end_mg)


def codes(day: Day) -> list[str]:
    return list(score_day(day).warning_codes)


def test_warnings_for_medications_and_kidney_disease():
    person = Person(
        "male", 60, ckd_stage=3, medications=frozenset({"digoxin", "ppi", "thiazide_diuretic"})
    )
    day = Day(person, (), (Supplement("citrate", 100),))
    assert codes(day) == ["ckd_supplement", "digoxin", "diuretic", "ppi"]
    assert codes(Day(Person("male", 60, ckd_stage=2), (), (Supplement("citrate", 100),))) == []
    # A calcium tablet carries no magnesium: no kidney warning for it.
    calcium_only = Day(
        Person("male", 60, ckd_stage=4), (), (Supplement("other", 0, calcium_mg=500),)
    )
    assert codes(calcium_only) == []


def test_loop_diuretic_alone_warns_once():
    assert codes(Day(Person("female", 70, medications=frozenset({"loop_diuretic"})))) == [
        "diuretic"
    ]


def test_upper_limit_is_by_age_and_counts_supplements_only():
    child = Person("male", 6)  # UL 110 mg
    assert codes(Day(child, (), (Supplement("citrate", 111),))) == ["supplement_above_ul"]
    assert codes(Day(child, (), (Supplement("citrate", 110),))) == []
    lots_of_food = Day(child, (Meal("B", (plain("seeds", 900),)),))
    assert "supplement_above_ul" not in codes(lots_of_food)


def test_split_dose_message_gives_the_mg_gained_by_splitting_in_two():
    day = Day(WOMAN, (), (Supplement("glycinate", 300, name="evening"),))
    score = score_day(day)
    split = score_day(
        Day(
            WOMAN,
            (),
            (Supplement("glycinate", 150, name="a"), Supplement("glycinate", 150, name="b")),
        )
    )
    gain = split.effective_mg - score.effective_mg
    warning = next(w for w in score.warnings if w.code == "split_dose")
    assert gain > 10
    assert f"about {gain:,.0f} mg effective" in warning.message
    assert "The evening dose carries 300 mg" in warning.message


def test_split_dose_names_each_heavy_occasion_in_its_own_sentence():
    doses = (
        Supplement("glycinate", 300, name="morning"),
        Supplement("glycinate", 300, name="evening"),
    )
    warning = next(w for w in score_day(Day(WOMAN, (), doses)).warnings if w.code == "split_dose")
    assert "mg effective. The evening dose carries 300 mg" in warning.message
    assert "; The" not in warning.message


def test_split_dose_with_kidney_disease_proposes_no_split():
    # Stage 3 or above: the advice is the renal team's (ckd_supplement), not absorbing more.
    renal = Person("female", 40, ckd_stage=3)
    score = score_day(Day(renal, (), (Supplement("glycinate", 300, name="evening"),)))
    warning = next(w for w in score.warnings if w.code == "split_dose")
    assert warning.message.startswith("The evening dose carries 300 mg")
    assert "half" not in warning.message
    assert "split it" not in warning.message
    assert "renal team" in warning.message
    assert "ckd_supplement" in codes(Day(renal, (), (Supplement("glycinate", 300),)))


def test_split_dose_only_above_250mg_in_one_occasion():
    assert codes(Day(WOMAN, (), (Supplement("glycinate", 250),))) == []
    two_small = (Supplement("glycinate", 200, name="a"), Supplement("glycinate", 200, name="b"))
    assert "split_dose" not in codes(Day(WOMAN, (), two_small))


def test_split_dose_with_a_meal_moves_half_to_its_own_occasion():
    meal = Meal("Dinner", (plain("rice", 80, phytate_mg_per_100g=400),))
    day = Day(WOMAN, (meal,), (Supplement("citrate", 300, with_meal="Dinner"),))
    split_day = Day(
        WOMAN,
        (meal,),
        (Supplement("citrate", 150, with_meal="Dinner"), Supplement("citrate", 150, name="later")),
    )
    gain = score_day(split_day).effective_mg - score_day(day).effective_mg
    warning = next(w for w in score_day(day).warnings if w.code == "split_dose")
    assert f"about {gain:,.0f} mg effective" in warning.message
    assert warning.message.startswith("Dinner carries 300 mg")


def test_calcium_high_warning_above_2500mg():
    meal = Meal("B", (Item("cheese", 400, 27, calcium_mg_per_100g=700),))
    assert codes(Day(WOMAN, (meal,))) == ["calcium_high"]


@pytest.mark.parametrize(
    ("calcium_mg", "share"),
    [(2530, "0.3 %"), (2500.4, "less than 0.1 %"), (3500, "10 %"), (4000, "15 %")],
)
def test_the_calcium_warning_states_its_cost_as_the_waterfall_does(calcium_mg, share):
    """At 2,530 mg the calcium step takes 0.3 % of each meal: "0.3 %", not "0 %" beside a
    waterfall loss of a few mg."""
    meal = Meal("B", (Item("pumpkin seeds", 100, 592, calcium_mg_per_100g=calcium_mg),))
    score = score_day(Day(WOMAN, (meal,)))
    warning = next(w for w in score.warnings if w.code == "calcium_high")
    assert f"here it costs {share} of each meal's magnesium" in warning.message
    assert score.losses_mg.calcium > 0


def test_no_target_under_one_year():
    with pytest.raises(TargetError):
        score_day(Day(Person("female", 0)))


def test_score_to_json_rounds_and_omits_factors_of_an_empty_occasion():
    day = Day(
        WOMAN,
        (Meal("B", (plain("oats", 100 / 3, phytate_mg_per_100g=100),)),),
        (
            Supplement("other", 0, calcium_mg=1000, name="calcium"),
            Supplement("citrate", elemental_mg("citrate", 500)),
        ),
    )
    data = score_to_json(score_day(day))
    assert data["occasions"][0]["magnesium_mg"] == 33.3
    assert data["supplement_elemental_mg"] == 80.8
    assert "factors" not in data["occasions"][1]
    assert all(len(str(v).split(".")[-1]) <= 4 for v in data["occasions"][0]["factors"].values())
    assert list(data["losses_mg"]) == ["dose", "form", "phytate", "oxalate", "calcium"]


def test_food_item_carries_every_value_the_engine_reads():
    from foods.values import FoodValues
    from plans.scoring import food_item

    seeds = FoodValues("12014", "Seeds, pumpkin", 592, 3066, 41, 46, 559, "Nut and Seed Products")
    item = food_item(seeds, 28.35, preparation="soaked", key="item-7")
    assert (item.name, item.code, item.key, item.grams, item.preparation) == (
        "Seeds, pumpkin",
        "12014",
        "item-7",
        28.35,
        "soaked",
    )
    assert (
        item.magnesium_mg_per_100g,
        item.phytate_mg_per_100g,
        item.oxalate_mg_per_100g,
        item.calcium_mg_per_100g,
        item.kcal_per_100g,
    ) == (592, 3066, 41, 46, 559)
    assert food_item(seeds, 10, name="my seeds").name == "my seeds"
