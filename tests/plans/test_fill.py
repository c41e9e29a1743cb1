"""Fill my day (pure): integer portions by MILP, re-scored with the engine."""

import itertools
import math

import pytest

from foods.values import FoodValues
from plans.fill import FillAddition, FillOption, fill_day, with_additions
from plans.scoring import Day, Item, Meal, score_day
from plans.targets import Person

WOMAN = Person("female", 34)  # target 320 mg

PUMPKIN = FoodValues("12014", "Pumpkin seeds", 592.0, phytate_mg_per_100g=0.0, kcal_per_100g=574.0)
CHOCOLATE = FoodValues("19904", "Dark chocolate 70-85 %", 228.0, kcal_per_100g=598.0)
BEANS = FoodValues("16015", "Black beans, cooked", 70.0, kcal_per_100g=132.0)
SPINACH = FoodValues("11457", "Spinach, raw", 79.0, oxalate_mg_per_100g=970.0, kcal_per_100g=23.0)
ALMONDS = FoodValues("12061", "Almonds", 270.0, kcal_per_100g=579.0)


def option(food: FoodValues, grams: float, label: str = "1 portion") -> FillOption:
    return FillOption(food=food, portion_grams=grams, portion_label=label)


def bread_day(grams: float = 100.0) -> Day:
    """A plain day well short of 320 mg: white bread and milk."""
    bread = Item("White bread", grams, 25.0, kcal_per_100g=266.0, calcium_mg_per_100g=150.0)
    milk = Item("Milk", 250, 10.0, kcal_per_100g=61.0, calcium_mg_per_100g=113.0)
    return Day(
        WOMAN,
        meals=(Meal("Breakfast", (bread,)), Meal("Lunch", (milk,)), Meal("Dinner", ())),
    )


OPTIONS = (
    option(PUMPKIN, 28.35, "1 oz"),
    option(CHOCOLATE, 20.0, "20 g"),
    option(BEANS, 172.0, "1 cup"),
    option(ALMONDS, 28.35, "1 oz"),
)


def test_reaches_the_target_when_it_can_and_the_engine_agrees():
    day = bread_day()
    proposal = fill_day(day, OPTIONS)
    assert proposal.before_effective_mg < 320
    assert proposal.reached
    assert proposal.after_percent >= 100.0
    # The figure shown is the engine's score of the changed day, not the estimate.
    rescored = score_day(with_additions(day, proposal.additions))
    assert rescored.effective_mg == pytest.approx(proposal.after_effective_mg)
    assert proposal.kcal_added == pytest.approx(sum(a.kcal for a in proposal.additions))
    assert all(a.portions >= 1 for a in proposal.additions)


def test_never_more_than_n_portions_of_one_food():
    proposal = fill_day(bread_day(), OPTIONS, max_portions_per_food=1)
    per_food: dict[str, int] = {}
    for addition in proposal.additions:
        per_food[addition.option.food.code] = (
            per_food.get(addition.option.food.code, 0) + addition.portions
        )
    assert per_food
    assert max(per_food.values()) <= 1


def _placements(meals: tuple[str, ...], most: int) -> list[tuple[str, ...]]:
    """Every way to put at most `most` portions of one food into the meals."""
    found = [()]
    for count in range(1, most + 1):
        found += list(itertools.combinations_with_replacement(meals, count))
    return found


def test_least_energy_answer_matches_brute_force():
    # Every allocation of up to two portions of each food over three meals, scored by the engine.
    day = bread_day()
    meals = tuple(meal.name for meal in day.meals)
    best_kcal = math.inf
    for choice in itertools.product(_placements(meals, 2), repeat=len(OPTIONS)):
        additions = [
            FillAddition(meal, option, 1)
            for option, placed in zip(OPTIONS, choice, strict=True)
            for meal in placed
        ]
        kcal = sum(a.kcal for a in additions)
        if kcal >= best_kcal:
            continue
        if score_day(with_additions(day, additions)).effective_mg >= 320 - 1e-6:
            best_kcal = kcal
    proposal = fill_day(day, OPTIONS)
    assert proposal.reached
    # The per-meal dose curve makes the program's estimate good enough to find the optimum.
    assert proposal.kcal_added == pytest.approx(best_kcal)


def test_spreads_portions_over_meals_where_a_single_meal_saturates():
    proposal = fill_day(bread_day(), OPTIONS)
    assert len({a.meal for a in proposal.additions}) >= 2


def test_reports_the_shortfall_when_out_of_reach():
    # One food, one portion at most: cannot close a ~250 mg gap.
    proposal = fill_day(bread_day(), [option(CHOCOLATE, 20.0, "20 g")], max_portions_per_food=1)
    assert not proposal.reached
    assert proposal.limited_by == "portions"
    assert proposal.shortfall_mg > 100
    # The best reachable is still proposed: the one portion allowed.
    assert [(a.option.food.code, a.portions) for a in proposal.additions] == [("19904", 1)]
    assert proposal.after_effective_mg > proposal.before_effective_mg


def test_kcal_goal_caps_the_energy_added():
    day = bread_day()
    goal = score_day(day).kcal + 300
    proposal = fill_day(day, OPTIONS, kcal_goal=goal)
    assert proposal.kcal_added <= 300 + 1e-6
    assert not proposal.reached
    assert proposal.limited_by == "kcal_goal"


def test_a_day_already_over_its_kcal_goal_gets_nothing_and_says_why():
    day = bread_day()
    proposal = fill_day(day, OPTIONS, kcal_goal=score_day(day).kcal - 1)
    assert proposal.additions == ()
    assert not proposal.reached
    assert proposal.limited_by == "kcal_goal_spent"
    assert proposal.shortfall_mg > 0


def test_a_day_that_already_meets_gets_nothing():
    seeds = Item("Seeds", 100, 592.0)
    day = Day(WOMAN, meals=(Meal("Lunch", (seeds,)), Meal("Dinner", (seeds,))))
    proposal = fill_day(day, OPTIONS)
    assert proposal.reached
    assert proposal.additions == ()
    assert proposal.iterations == 0


def test_only_the_options_given_are_used():
    # Exclusions are applied by the caller: a filtered list must be respected exactly.
    allowed = (option(BEANS, 172.0, "1 cup"), option(SPINACH, 30.0, "1 cup"))
    proposal = fill_day(bread_day(), allowed)
    assert {a.option.food.code for a in proposal.additions} <= {"16015", "11457"}


def test_a_day_without_meals_cannot_be_filled():
    proposal = fill_day(Day(WOMAN), OPTIONS)
    assert not proposal.reached
    assert proposal.limited_by == "no_meal"
    assert not proposal.additions


def test_with_additions_appends_to_the_named_meal():
    day = bread_day()
    changed = with_additions(day, [FillAddition("Dinner", OPTIONS[0], 2)])
    assert [len(meal.items) for meal in changed.meals] == [1, 1, 1]
    assert changed.meals[2].items[0].grams == pytest.approx(56.7)
