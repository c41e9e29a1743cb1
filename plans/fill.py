"""Fill my day: whole household portions to add so a day reaches its magnesium target (pure).

The choice is a mixed-integer program solved by HiGHS (`scipy.optimize.milp`): one integer
variable per (food, meal), the number of portions of that food added to that meal, at most
`max_portions_per_food` portions of any one food over the day. It minimises the energy
added (plus one kcal per portion, so that of two equal-energy answers the one with fewer
portions wins) subject to the estimated effective magnesium reaching the target, and, when
the person has a kcal goal, to the day staying within it.

Effective magnesium is not linear in what a meal holds: the dose factor saturates and a
food's own phytate and oxalate bind part of the meal's magnesium. So each variable's
coefficient is the engine's own gain for one portion added to that meal of the current day
(a linear estimate around today), the answer is re-scored with the engine, and when the
engine finds it short, the requirement is raised by the shortfall (scaled by how much the
estimate over-promised) and the program solved again, until the engine says the day holds
or the iterations run out. When no answer within the limits can reach the target, the one
reaching the most is proposed and the shortfall is reported.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from foods.values import FoodValues
from plans import scoring

DEFAULT_MAX_PORTIONS_PER_FOOD = 2
DEFAULT_MAX_ITERATIONS = 8
# One kcal per portion: a tie-break towards fewer portions, and a cost for foods with no energy.
PORTION_COST_KCAL = 1.0
# The engine's "meets" tolerance; below this the day counts as reaching its target.
_TOLERANCE_MG = 1e-6
# HiGHS is exact on problems this size in milliseconds; the cap only guards pathological input.
_TIME_LIMIT_S = 0.5


@dataclass(frozen=True, slots=True)
class FillOption:
    """A food that may be added, one household portion at a time."""

    food: FoodValues
    portion_grams: float
    portion_label: str  # "1 oz", "1 cup", "30 g"
    frequent: bool = False  # one of the person's usual foods
    # The caller's ids (food and portion rows), carried through untouched.
    food_ref: int | None = None
    portion_ref: int | None = None

    @property
    def kcal_per_portion(self) -> float:
        return self.portion_grams * self.food.kcal_per_100g / 100.0

    @property
    def magnesium_mg_per_portion(self) -> float:
        return self.portion_grams * self.food.magnesium_mg_per_100g / 100.0


@dataclass(frozen=True, slots=True)
class FillAddition:
    meal: str  # the engine name of the meal the portions join
    option: FillOption
    portions: int

    @property
    def grams(self) -> float:
        return self.option.portion_grams * self.portions

    @property
    def kcal(self) -> float:
        return self.option.kcal_per_portion * self.portions


@dataclass(frozen=True, slots=True)
class FillProposal:
    additions: tuple[FillAddition, ...]
    reached: bool  # the engine says the changed day meets its target
    target_mg: float
    before_effective_mg: float
    after_effective_mg: float
    kcal_added: float
    iterations: int  # programs solved
    # Why the target is out of reach: "kcal_goal" | "kcal_goal_spent" (the day is already at
    # or over it) | "portions" | "no_meal".
    limited_by: str | None

    @property
    def before_percent(self) -> float:
        return 100.0 * self.before_effective_mg / self.target_mg

    @property
    def after_percent(self) -> float:
        return 100.0 * self.after_effective_mg / self.target_mg

    @property
    def gain_mg(self) -> float:
        return self.after_effective_mg - self.before_effective_mg

    @property
    def shortfall_mg(self) -> float:
        return max(0.0, self.target_mg - self.after_effective_mg)


def _item(option: FillOption, portions: int, index: int) -> scoring.Item:
    return scoring.food_item(option.food, option.portion_grams * portions, key=f"fill-{index}")


def with_additions(day: scoring.Day, additions: Sequence[FillAddition]) -> scoring.Day:
    """The day with the additions appended to their meals (as eaten, as is)."""
    extra: dict[str, list[scoring.Item]] = {}
    for index, addition in enumerate(additions):
        extra.setdefault(addition.meal, []).append(_item(addition.option, addition.portions, index))
    meals = tuple(
        replace(meal, items=meal.items + tuple(extra[meal.name])) if meal.name in extra else meal
        for meal in day.meals
    )
    return replace(day, meals=meals)


# Breakpoints (mg of magnesium added to one meal, as the engine would count it before the dose
# factor) of the piecewise-linear dose curve each meal gets in the program.
_CURVE_MG = (0, 20, 40, 60, 80, 100, 130, 160, 200, 250, 300, 400, 500, 700, 1000, 1500, 2500)


def _dosed_mg(magnesium_mg: float, target_mg: float) -> float:
    """A meal's magnesium after the dose factor alone (the engine's saturating curve)."""
    if magnesium_mg <= 0.0:
        return 0.0
    return magnesium_mg * scoring.dose_factor(magnesium_mg, target_mg)


@dataclass(frozen=True, slots=True)
class _Program:
    """min cost . x  s.t. gain . y >= required, per-food and per-meal rows, integer portions.

    Columns: one integer per (option, meal) pair, then one continuous per (meal, segment)
    of that meal's dose curve; a meal's segments add up to the magnesium its pairs add.
    """

    pair_kcal: np.ndarray
    pair_gain: np.ndarray  # the engine's gain of one portion alone (for the tightening)
    segment_slope: np.ndarray
    segment_width: np.ndarray
    per_food: np.ndarray  # rows: foods; columns: pairs
    per_meal: np.ndarray  # rows: meals; columns: pairs then segments (pairs +, segments -)


def _solve(
    program: _Program,
    *,
    required_mg: float | None,
    kcal_budget: float | None,
    max_portions: int,
) -> np.ndarray | None:
    """Portion counts: least energy reaching `required_mg` (None: the most gain), or None."""
    pairs = program.pair_kcal.size
    segments = program.segment_slope.size
    gain_row = np.concatenate([np.zeros(pairs), program.segment_slope])
    constraints = [
        LinearConstraint(
            np.hstack([program.per_food, np.zeros((program.per_food.shape[0], segments))]),
            lb=0,
            ub=max_portions,
        ),
        LinearConstraint(program.per_meal, lb=0, ub=0),
    ]
    if kcal_budget is not None:
        kcal_row = np.concatenate([program.pair_kcal, np.zeros(segments)])
        constraints.append(LinearConstraint(kcal_row.reshape(1, -1), lb=-np.inf, ub=kcal_budget))
    portion_cost = np.concatenate([program.pair_kcal + PORTION_COST_KCAL, np.zeros(segments)])
    if required_mg is not None:
        constraints.append(LinearConstraint(gain_row.reshape(1, -1), lb=required_mg, ub=np.inf))
        cost = portion_cost
    else:
        # The most estimated gain; energy only breaks ties (scaled well below one mg).
        cost = -gain_row + 1e-6 * portion_cost
    result = milp(
        c=cost,
        constraints=constraints,
        integrality=np.concatenate([np.ones(pairs), np.zeros(segments)]),
        bounds=Bounds(
            np.zeros(pairs + segments),
            np.concatenate([np.full(pairs, max_portions), program.segment_width]),
        ),
        options={"time_limit": _TIME_LIMIT_S},
    )
    if result.x is None:
        return None
    return np.rint(result.x[:pairs]).astype(int)


def fill_day(
    day: scoring.Day,
    options: Sequence[FillOption],
    *,
    max_portions_per_food: int = DEFAULT_MAX_PORTIONS_PER_FOOD,
    kcal_goal: float | None = None,
    max_iterations: int = DEFAULT_MAX_ITERATIONS,
) -> FillProposal:
    """Propose portions of `options` to add to the day's meals to reach the target.

    `options` are already filtered for the person's diet and exclusions; each food appears
    once. With `kcal_goal`, the day's energy after the additions stays within it.
    Raises what `scoring.score_day` raises for a day that cannot be scored.
    """
    base = scoring.score_day(day)
    target_mg = base.target_mg

    def proposal(
        additions: tuple[FillAddition, ...],
        score: scoring.DayScore,
        iterations: int,
        limited_by: str | None,
    ) -> FillProposal:
        reached = score.effective_mg >= target_mg - _TOLERANCE_MG
        return FillProposal(
            additions=additions,
            reached=reached,
            target_mg=target_mg,
            before_effective_mg=base.effective_mg,
            after_effective_mg=score.effective_mg,
            kcal_added=sum(addition.kcal for addition in additions),
            iterations=iterations,
            limited_by=None if reached else limited_by,
        )

    if base.effective_mg >= target_mg - _TOLERANCE_MG:
        return proposal((), base, 0, None)
    if not day.meals:
        return proposal((), base, 0, "no_meal")
    kcal_budget = None if kcal_goal is None else max(0.0, kcal_goal - base.kcal)
    if kcal_budget == 0.0:
        # Already at or over the goal: no food can be added, whatever it brings.
        return proposal((), base, 0, "kcal_goal_spent")

    # One variable per (option, meal) whose single portion the engine says helps.
    occasion_mg = {occasion.name: occasion.magnesium_mg for occasion in base.occasions}
    pairs: list[tuple[int, str]] = []
    gains: list[float] = []
    weights: list[float] = []  # mg the pair adds to its meal's dose curve per portion
    for index, option in enumerate(options):
        magnesium_mg = option.magnesium_mg_per_portion
        if option.portion_grams <= 0 or magnesium_mg <= 0:
            continue
        if kcal_budget is not None and option.kcal_per_portion > kcal_budget:
            continue
        for meal in day.meals:
            trial = with_additions(day, [FillAddition(meal.name, option, 1)])
            gain = scoring.score_day(trial).effective_mg - base.effective_mg
            if gain <= 0:
                continue
            # Scaled so that one portion on the meal's curve is exactly the engine's gain:
            # the scale carries the meal's phytate, oxalate and calcium and the food's own.
            start_mg = occasion_mg.get(meal.name, 0.0)
            dosed = _dosed_mg(start_mg + magnesium_mg, target_mg) - _dosed_mg(start_mg, target_mg)
            if dosed <= 0:
                continue
            pairs.append((index, meal.name))
            gains.append(gain)
            weights.append(magnesium_mg * gain / dosed)
    if not pairs:
        return proposal((), base, 0, "kcal_goal" if kcal_budget is not None else "portions")

    meal_names = sorted({meal for _, meal in pairs})
    slopes: list[float] = []
    widths: list[float] = []
    segment_meal: list[int] = []
    for row, name in enumerate(meal_names):
        start_mg = occasion_mg.get(name, 0.0)
        for low, high in pairwise(_CURVE_MG):
            rise = _dosed_mg(start_mg + high, target_mg) - _dosed_mg(start_mg + low, target_mg)
            slopes.append(rise / (high - low))
            widths.append(float(high - low))
            segment_meal.append(row)
    foods = sorted({index for index, _ in pairs})
    food_row = {index: row for row, index in enumerate(foods)}
    meal_row = {name: row for row, name in enumerate(meal_names)}
    per_food = np.zeros((len(foods), len(pairs)))
    per_meal = np.zeros((len(meal_names), len(pairs) + len(slopes)))
    for column, (index, meal) in enumerate(pairs):
        per_food[food_row[index], column] = 1.0
        per_meal[meal_row[meal], column] = weights[column]
    for offset, row in enumerate(segment_meal):
        per_meal[row, len(pairs) + offset] = -1.0
    program = _Program(
        pair_kcal=np.array([options[index].kcal_per_portion for index, _ in pairs]),
        pair_gain=np.array(gains),
        segment_slope=np.array(slopes),
        segment_width=np.array(widths),
        per_food=per_food,
        per_meal=per_meal,
    )

    def additions_of(counts: np.ndarray) -> tuple[FillAddition, ...]:
        return tuple(
            FillAddition(meal, options[index], int(counts[column]))
            for column, (index, meal) in enumerate(pairs)
            if counts[column] > 0
        )

    required_mg = target_mg - base.effective_mg
    best: tuple[tuple[FillAddition, ...], scoring.DayScore] | None = None
    iterations = 0
    while iterations < max_iterations:
        counts = _solve(
            program,
            required_mg=required_mg,
            kcal_budget=kcal_budget,
            max_portions=max_portions_per_food,
        )
        iterations += 1
        if counts is None:
            break  # even the estimate cannot reach what the engine needs: out of reach
        additions = additions_of(counts)
        score = scoring.score_day(with_additions(day, additions))
        if score.effective_mg >= target_mg - _TOLERANCE_MG:
            return proposal(additions, score, iterations, None)
        if best is None or score.effective_mg > best[1].effective_mg:
            best = (additions, score)
        # The estimate over-promised (saturation, shared phytate): ask for more, in
        # proportion to how much of the estimated gain the engine found.
        added = per_meal[:, : len(pairs)] @ counts
        estimated_mg = sum(
            _dosed_mg(occasion_mg.get(name, 0.0) + added[row], target_mg)
            - _dosed_mg(occasion_mg.get(name, 0.0), target_mg)
            for row, name in enumerate(meal_names)
        )
        actual_mg = score.effective_mg - base.effective_mg
        shortfall_mg = target_mg - score.effective_mg
        ratio = estimated_mg / actual_mg if actual_mg > 0 else 2.0
        required_mg = max(required_mg, estimated_mg) + shortfall_mg * max(ratio, 1.0)

    # Out of reach within the limits: the most the program can add, re-scored.
    counts = _solve(
        program,
        required_mg=None,
        kcal_budget=kcal_budget,
        max_portions=max_portions_per_food,
    )
    iterations += 1
    if counts is not None:
        additions = additions_of(counts)
        score = scoring.score_day(with_additions(day, additions))
        if best is None or score.effective_mg > best[1].effective_mg:
            best = (additions, score)
    if best is None:
        return proposal((), base, iterations, "portions")
    limited_by = "kcal_goal" if kcal_budget is not None else "portions"
    return proposal(best[0], best[1], iterations, limited_by)
