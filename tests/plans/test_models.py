from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from plans.models import MealItem, Plan
from tests.factories import (
    DayFactory,
    FoodFactory,
    MealFactory,
    MealItemFactory,
    PlanFactory,
    PortionFactory,
    SupplementProductFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_a_plan_is_visible_to_its_owner_only():
    plan = PlanFactory()
    other = UserFactory()
    assert list(Plan.objects.visible_to(plan.owner)) == [plan]
    assert list(Plan.objects.visible_to(other)) == []


def test_one_day_per_date_in_a_plan():
    day = DayFactory()
    with pytest.raises(IntegrityError):
        DayFactory(plan=day.plan, date=day.date)


def test_meal_item_rejects_zero_and_absurd_grams():
    item = MealItemFactory.build(meal=MealFactory(), food=FoodFactory(), grams=0)
    with pytest.raises(ValidationError) as zero:
        item.full_clean()
    assert "grams" in zero.value.message_dict
    item.grams = 5001
    with pytest.raises(ValidationError) as absurd:
        item.full_clean()
    assert "grams" in absurd.value.message_dict


def test_a_measure_of_another_food_is_refused():
    portion = PortionFactory()
    item = MealItem(
        meal=MealFactory(), food=FoodFactory(), grams=28.35, portion=portion, portion_quantity=1
    )
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "portion" in error.value.message_dict


def test_amount_label_shows_the_household_measure_and_its_weight():
    portion = PortionFactory(unit="oz", grams=28.35)
    item = MealItemFactory(
        food=portion.food, portion=portion, portion_quantity=Decimal(2), grams=56.7
    )
    assert item.amount_label == "2 × 1 oz (56.7 g)"
    assert MealItemFactory(grams=120).amount_label == "120 g"


def test_only_the_form_other_takes_a_bioavailability():
    # As in the spec's table and score_day: a named form has its own (oxide 0.40).
    oxide = SupplementProductFactory(form="oxide", bioavailability=1.0)
    with pytest.raises(ValidationError) as error:
        oxide.full_clean()
    assert error.value.message_dict["bioavailability"] == [
        "Only the form “other” takes a bioavailability; magnesium oxide has its own (0.4)."
    ]
    SupplementProductFactory(form="other", bioavailability=0.5).full_clean()
    SupplementProductFactory(form="oxide", bioavailability=None).full_clean()
