"""Properties of the engine that must hold for every day, checked with Hypothesis."""

import json
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foods.values import FoodValues
from plans.day_json import DayInputError, parse_day
from plans.scoring import PREPARATIONS, Day, Item, Meal, Supplement, score_day, score_to_json
from plans.supplements import FORMS
from plans.targets import Person

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

mg_per_100g = st.floats(min_value=0, max_value=600, allow_nan=False)
antinutrient = st.floats(min_value=0, max_value=3000, allow_nan=False)
grams = st.floats(min_value=0, max_value=600, allow_nan=False)

persons = st.builds(
    Person,
    sex=st.sampled_from(["female", "male"]),
    age_years=st.integers(min_value=1, max_value=100),
    pregnant=st.booleans(),
    lactating=st.booleans(),
    ckd_stage=st.integers(min_value=0, max_value=5),
    target_mg=st.none() | st.floats(min_value=50, max_value=1000),
)
items = st.builds(
    Item,
    name=st.just("food"),
    grams=grams,
    magnesium_mg_per_100g=mg_per_100g,
    phytate_mg_per_100g=antinutrient,
    oxalate_mg_per_100g=antinutrient,
    calcium_mg_per_100g=st.floats(min_value=0, max_value=1500),
    preparation=st.sampled_from(PREPARATIONS),
)
MEAL_NAMES = ("Breakfast", "Lunch", "Dinner", "Snack")


@st.composite
def days(draw, item_strategy=items, with_supplements=True):
    count = draw(st.integers(min_value=0, max_value=4))
    meals = tuple(
        Meal(MEAL_NAMES[i], tuple(draw(st.lists(item_strategy, max_size=5)))) for i in range(count)
    )
    supplements = ()
    if with_supplements:
        supplements = tuple(
            draw(
                st.lists(
                    st.builds(
                        Supplement,
                        form=st.sampled_from(list(FORMS)),
                        elemental_mg=st.floats(min_value=0, max_value=800),
                        name=st.sampled_from(["", "morning", "evening"]),
                        with_meal=st.sampled_from([None, *MEAL_NAMES[:count]]),
                        calcium_mg=st.floats(min_value=0, max_value=1500),
                        bioavailability=st.none() | st.floats(min_value=0.05, max_value=1.0),
                    ),
                    max_size=3,
                )
            )
        )
    return Day(draw(persons), meals, supplements)


@PROPERTY_SETTINGS
@given(days())
def test_effective_never_exceeds_what_is_eaten_and_losses_add_up(day):
    score = score_day(day)
    assert score.effective_mg <= score.total_mg + 1e-9
    assert abs(score.total_mg - score.losses_mg.total - score.effective_mg) <= 0.1
    assert all(loss >= 0 for loss in score.losses_mg)
    for occasion in score.occasions:
        assert all(0 < factor <= 1 for factor in occasion.factors.values())
        assert abs(sum(i.effective_mg for i in occasion.items) - occasion.effective_mg) <= 1e-6


@PROPERTY_SETTINGS
@given(
    days(),
    st.data(),
    st.sampled_from(["phytate_mg_per_100g", "oxalate_mg_per_100g"]),
    st.floats(min_value=0, max_value=3000),
)
def test_more_phytate_or_oxalate_never_raises_the_score(day, data, field, extra):
    meals_with_items = [i for i, meal in enumerate(day.meals) if meal.items]
    if not meals_with_items:
        return
    meal_index = data.draw(st.sampled_from(meals_with_items))
    meal = day.meals[meal_index]
    item_index = data.draw(st.integers(min_value=0, max_value=len(meal.items) - 1))
    item = meal.items[item_index]
    values = {slot: getattr(item, slot) for slot in Item.__slots__}
    values[field] += extra
    changed_items = (*meal.items[:item_index], Item(**values), *meal.items[item_index + 1 :])
    meals = list(day.meals)
    meals[meal_index] = Meal(meal.name, changed_items)
    more = score_day(Day(day.person, tuple(meals), day.supplements))
    assert more.effective_mg <= score_day(day).effective_mg + 1e-9


@PROPERTY_SETTINGS
@given(days(), st.data())
def test_splitting_a_supplement_dose_across_two_occasions_never_lowers_the_score(day, data):
    if not day.supplements:
        return
    index = data.draw(st.integers(min_value=0, max_value=len(day.supplements) - 1))
    dose = day.supplements[index]
    half = dose.elemental_mg / 2
    first = Supplement(
        dose.form, half, dose.name, dose.with_meal, dose.calcium_mg / 2, dose.bioavailability
    )
    # The other half goes to an occasion of its own that no other supplement shares.
    second = Supplement(
        dose.form, half, "split-half", None, dose.calcium_mg / 2, dose.bioavailability
    )
    supplements = (*day.supplements[:index], first, second, *day.supplements[index + 1 :])
    split = score_day(Day(day.person, day.meals, supplements))
    assert split.effective_mg >= score_day(day).effective_mg - 1e-9


inhibitor_free_items = st.builds(
    Item, name=st.just("food"), grams=grams, magnesium_mg_per_100g=mg_per_100g
)


@PROPERTY_SETTINGS
@given(days(item_strategy=inhibitor_free_items), st.floats(min_value=1, max_value=5))
def test_scaling_inhibitor_free_items_up_never_lowers_effective_mg(day, scale):
    scaled = tuple(
        Meal(
            meal.name,
            tuple(
                Item(item.name, item.grams * scale, item.magnesium_mg_per_100g)
                for item in meal.items
            ),
        )
        for meal in day.meals
    )
    bigger = score_day(Day(day.person, scaled, day.supplements))
    assert bigger.effective_mg >= score_day(day).effective_mg - 1e-9


# --- anything the JSON schema can express: a result or a DayInputError, never another error.

SEEDS = FoodValues(code="12014", name="Pumpkin seeds", magnesium_mg_per_100g=592)


def lookup(codes):
    return {code: SEEDS for code in codes if code == SEEDS.code}


junk = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=3)
    | st.just([])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.integers(min_value=10**5, max_value=10**12)
)
json_numbers = st.integers(min_value=0, max_value=1000) | st.floats(min_value=0, max_value=1000)


def maybe(strategy):
    """Nearly always the right kind of value; about one time in twenty, junk."""
    return st.integers(min_value=0, max_value=19).flatmap(lambda n: junk if n == 0 else strategy)


nutrients = {
    "phytate_mg_per_100g": maybe(json_numbers),
    "oxalate_mg_per_100g": maybe(json_numbers),
    "calcium_mg_per_100g": maybe(json_numbers),
    "kcal_per_100g": maybe(json_numbers),
}
json_items = st.fixed_dictionaries(
    {"grams": maybe(json_numbers), "magnesium_mg_per_100g": maybe(json_numbers)},
    optional={
        "name": maybe(st.text(max_size=5)),
        "preparation": maybe(st.sampled_from(PREPARATIONS)),
        **nutrients,
    },
) | st.fixed_dictionaries(
    {"grams": maybe(json_numbers), "food": maybe(st.sampled_from(["12014", "12014", "99999"]))},
    optional={"preparation": maybe(st.sampled_from(PREPARATIONS))},
)
json_occasions = st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(MEAL_NAMES)), "items": maybe(st.lists(json_items, max_size=3))}
)
json_supplements = st.fixed_dictionaries(
    {
        "form": maybe(st.sampled_from(list(FORMS))),
        "elemental_mg": maybe(json_numbers),
    },
    optional={
        "name": maybe(st.text(max_size=5)),
        "with": maybe(st.sampled_from(MEAL_NAMES)),
        "calcium_mg": maybe(json_numbers),
        "bioavailability": maybe(st.floats(min_value=0.01, max_value=1)),
    },
)
json_profiles = st.fixed_dictionaries(
    {
        "sex": maybe(st.sampled_from(["female", "male"])),
        "age_years": maybe(st.integers(min_value=1, max_value=100)),
    },
    optional={
        "pregnant": maybe(st.booleans()),
        "lactating": maybe(st.booleans()),
        "ckd_stage": maybe(st.integers(min_value=0, max_value=5)),
        "medications": maybe(st.lists(st.sampled_from(["digoxin", "ppi"]), max_size=2)),
        "target_mg": maybe(json_numbers),
        "diet": st.text(max_size=5),
        "exclusions": st.lists(st.text(max_size=5), max_size=2),
    },
)
json_days = st.fixed_dictionaries(
    {"profile": maybe(json_profiles)},
    optional={
        "occasions": maybe(
            st.lists(json_occasions, max_size=3, unique_by=lambda occasion: repr(occasion["name"]))
        ),
        "supplements": maybe(st.lists(json_supplements, max_size=3)),
    },
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_days)
def test_no_input_the_schema_allows_raises_anything_but_day_input_error(data):
    try:
        day = parse_day(data, lookup)
    except DayInputError as error:
        message = str(error)
    else:
        message = None
    if message is not None:
        assert "\n" not in message
        return
    result = score_to_json(score_day(day))
    assert math.isfinite(result["effective_mg"])
    assert result["status"] in {"meets", "near", "low"}
    json.dumps(result, allow_nan=False)
