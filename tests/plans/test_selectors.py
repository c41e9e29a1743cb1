from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans import scoring, selectors
from plans.services import day_get_or_create, meal_delete, meal_item_delete, meal_item_restore
from plans.targets import Person
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    PortionFactory,
    ProfileFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
    UserFactory,
)

WOMAN_34 = Person(sex="female", age_years=34)


def test_day_date_error_limits():
    profile = ProfileFactory.build(date_of_birth=date(1990, 5, 1))
    today = date(2026, 1, 1)
    assert selectors.day_date_error(profile=profile, on=date(1990, 4, 30), today=today)
    assert selectors.day_date_error(profile=profile, on=date(1991, 4, 30), today=today)
    assert selectors.day_date_error(profile=profile, on=date(1991, 5, 1), today=today) is None
    assert (
        selectors.day_date_error(profile=profile, on=today + timedelta(days=730), today=today)
        is None
    )
    assert selectors.day_date_error(profile=profile, on=today + timedelta(days=731), today=today)


@pytest.mark.parametrize(
    ("today", "last"),
    [
        (date(2026, 11, 26), date(2028, 11, 26)),  # 731 days: 29 Feb 2028 lies between
        (date(2026, 1, 1), date(2028, 1, 1)),
        (date(2028, 2, 29), date(2030, 2, 28)),
    ],
)
def test_plans_reach_the_same_day_two_years_on(today, last):
    profile = ProfileFactory.build(date_of_birth=date(1990, 5, 1))
    assert selectors.plan_horizon(today) == last
    assert selectors.day_date_error(profile=profile, on=last, today=today) is None
    refused = selectors.day_date_error(profile=profile, on=last + timedelta(days=1), today=today)
    assert refused == f"Plans reach two years ahead, to {last:%-d %b %Y}."


def test_day_date_error_speaks_to_the_person_and_names_them_to_anyone_else():
    ana = UserFactory.build(pk=1, display_name="Ana")
    profile = ProfileFactory.build(user=ana, date_of_birth=date(1990, 5, 1))
    before = date(1990, 4, 30)
    mine = "That day is before your date of birth."
    assert selectors.day_date_error(profile=profile, on=before) == mine
    assert selectors.day_date_error(profile=profile, on=before, viewer=ana) == mine
    dietitian = UserFactory.build(pk=2)
    assert (
        selectors.day_date_error(profile=profile, on=before, viewer=dietitian)
        == "That day is before Ana's date of birth."
    )


def test_engine_meal_names_are_made_unique():
    assert selectors.engine_meal_names(["Lunch", "Lunch", "Tea"]) == ["Lunch", "Lunch (2)", "Tea"]


@pytest.mark.django_db
class TestDays:
    @pytest.fixture
    def person(self):
        return ProfileFactory().user

    @pytest.fixture
    def day(self, person):
        return day_get_or_create(user=person, on=timezone.localdate())

    def test_plan_for_does_not_create(self, person):
        assert selectors.plan_for(user=person) is None
        day_get_or_create(user=person, on=timezone.localdate())
        assert selectors.plan_for(user=person).owner == person

    def test_day_get_for_is_five_queries_and_hides_deleted_items(self, person, day):
        breakfast = day.meals.get(name="Breakfast")
        food = FoodFactory()
        PortionFactory.create_batch(3, food=food)
        kept = MealItemFactory(meal=breakfast, food=food)
        gone = MealItemFactory(meal=breakfast, food=food)
        meal_item_delete(item=gone, editor=person)
        SupplementDoseFactory(day=day)
        with CaptureQueriesContext(connection) as queries:
            fetched = selectors.day_get_for(user=person, on=day.date)
            items = [item for meal in fetched.ordered_meals for item in meal.live_items]
            foods = [item.food.description for item in items]
            products = [dose.product.name for dose in fetched.live_doses]
        assert items == [kept]
        assert foods == [food.description]
        assert len(products) == 1
        # days, meals, items with their foods, recipes eaten (none here: their ingredients
        # are not fetched), doses; no portions (only an open edit form lists them)
        assert len(queries.captured_queries) == 5

    def test_another_persons_day_meal_and_item_are_not_found(self, person, day):
        stranger = UserFactory()
        item = MealItemFactory(meal=day.meals.first())
        assert selectors.day_get_for(user=stranger, on=day.date) is None
        with pytest.raises(Http404):
            selectors.meal_get_for(user=stranger, pk=item.meal_id)
        with pytest.raises(Http404):
            selectors.meal_item_get_for(user=stranger, pk=item.pk)

    def test_a_deleted_meal_is_found_only_for_undo_and_a_linked_dietitian_finds_it(
        self, person, day
    ):
        meal = day.meals.first()
        item = MealItemFactory(meal=meal)
        dietitian = DietitianLinkFactory(client=person).dietitian
        assert selectors.meal_get_for(user=dietitian, pk=meal.pk) == meal
        assert selectors.meal_item_get_for(user=dietitian, pk=item.pk).food == item.food
        meal_delete(meal=meal, editor=person)
        for user in (person, dietitian):
            with pytest.raises(Http404):
                selectors.meal_get_for(user=user, pk=meal.pk)
            with pytest.raises(Http404):
                selectors.meal_item_get_for(user=user, pk=item.pk)  # gone with its meal
            found = selectors.meal_get_for(user=user, pk=meal.pk, include_deleted=True)
            assert (found, found.day.date) == (meal, day.date)

    def test_a_deleted_item_is_found_only_for_undo(self, person, day):
        item = MealItemFactory(meal=day.meals.first())
        meal_item_delete(item=item, editor=person)
        with pytest.raises(Http404):
            selectors.meal_item_get_for(user=person, pk=item.pk)
        assert selectors.meal_item_get_for(user=person, pk=item.pk, include_deleted=True) == item

    def test_day_to_engine_items_and_supplements(self, person, day):
        breakfast = day.meals.get(name="Breakfast")
        seeds = FoodFactory(
            description="Pumpkin seeds", magnesium_mg_per_100g=592, phytate_mg_per_100g=1900
        )
        item = MealItemFactory(meal=breakfast, food=seeds, grams=28, preparation="soaked")
        citrate = SupplementProductFactory(
            owner=person, form="citrate", amount_mg=500, amount_basis="compound", name="Citrate"
        )
        calcium = SupplementProductFactory(
            owner=person, kind="calcium", form="", amount_mg=None, calcium_mg=500, name="Calcium"
        )
        vitamin_d = SupplementProductFactory(
            owner=person, kind="vitamin_d", form="", amount_mg=None, vitamin_d_iu=1000, name="D3"
        )
        with_meal = SupplementDoseFactory(
            day=day, product=citrate, quantity=Decimal(2), meal=breakfast
        )
        SupplementDoseFactory(day=day, product=calcium, quantity=Decimal(1))
        SupplementDoseFactory(day=day, product=vitamin_d)
        engine_day = selectors.day_to_engine(
            selectors.day_get_for(user=person, on=day.date), WOMAN_34
        )

        assert [meal.name for meal in engine_day.meals] == [
            "Breakfast",
            "Lunch",
            "Dinner",
            "Snacks",
        ]
        (engine_item,) = engine_day.meals[0].items
        assert engine_item == scoring.Item(
            name="Pumpkin seeds",
            grams=28,
            magnesium_mg_per_100g=592,
            phytate_mg_per_100g=1900,
            oxalate_mg_per_100g=0,
            calcium_mg_per_100g=46,
            kcal_per_100g=559,
            preparation="soaked",
            code=seeds.code,
            key=f"item-{item.pk}",
        )
        magnesium, calcium_tablet = engine_day.supplements  # vitamin D is not in the model
        assert magnesium.with_meal == "Breakfast"
        assert magnesium.key == f"dose-{with_meal.pk}"
        # 2 x 500 mg trimagnesium dicitrate = 2 x 80.8 mg elemental (spec table: 16.2 %).
        assert magnesium.elemental_mg == pytest.approx(161.6, abs=0.5)
        assert (calcium_tablet.elemental_mg, calcium_tablet.calcium_mg) == (0, 500)
        assert calcium_tablet.with_meal is None
        score = scoring.score_day(engine_day)
        assert score.calcium_mg == pytest.approx(500 + 0.28 * 46)

    def test_doses_on_their_own_are_one_occasion_per_time(self, person, day):
        """What is swallowed together is one occasion: two tablets of oxide at 08:00 and
        20:00 are two (each absorbed as a smaller dose), a citrate at 08:00 joins the oxide
        of 08:00, and a dose without a time is its product's own occasion."""
        from datetime import time

        oxide = SupplementProductFactory(owner=person, form="oxide", amount_mg=200, name="Oxide")
        citrate = SupplementProductFactory(owner=person, amount_mg=100, name="Citrate")

        def occasions(doses):
            for dose in doses:
                SupplementDoseFactory(day=day, **dose)
            engine_day = selectors.day_to_engine(
                selectors.day_get_for(user=person, on=day.date), WOMAN_34
            )
            return scoring.score_day(engine_day)

        once = occasions([{"product": oxide, "quantity": Decimal(2), "taken_at": time(8)}])
        assert [o.name for o in once.occasions if not o.is_meal] == ["supplement:08:00"]
        day.supplement_doses.all().delete()
        split = occasions(
            [
                {"product": oxide, "taken_at": time(8)},
                {"product": oxide, "taken_at": time(20)},
                {"product": citrate, "taken_at": time(8)},
                {"product": citrate},
            ]
        )
        by_name = {o.name: o for o in split.occasions if not o.is_meal}
        assert sorted(by_name) == ["supplement:08:00", "supplement:20:00", "supplement:Citrate"]
        assert by_name["supplement:08:00"].supplement_elemental_mg == 300
        assert by_name["supplement:20:00"].supplement_elemental_mg == 200
        # 400 mg of oxide split in two is absorbed better than at once (the dose factor).
        oxide_split = by_name["supplement:20:00"].effective_mg * 2
        assert oxide_split > once.effective_mg
        # A dose whose meal was deleted is on its own, at its time.
        day.supplement_doses.all().delete()
        lunch = day.meals.get(name="Lunch")
        SupplementDoseFactory(day=day, product=oxide, meal=lunch, taken_at=time(13))
        meal_delete(meal=lunch, editor=person)
        orphan = occasions([])
        assert [o.name for o in orphan.occasions if not o.is_meal] == ["supplement:13:00"]

    def test_week_summary_scores_planned_days_only(self, person):
        monday = selectors.monday_of(timezone.localdate())
        day = day_get_or_create(user=person, on=monday + timedelta(days=1))
        MealItemFactory(
            meal=day.meals.first(),
            grams=100,
            food=FoodFactory(magnesium_mg_per_100g=160, phytate_mg_per_100g=0),
        )
        day_get_or_create(user=person, on=monday + timedelta(days=2))  # planned, still empty
        with CaptureQueriesContext(connection) as queries:
            week = selectors.week_summary(user=person, week_start=monday)
        assert len(queries.captured_queries) <= 7
        assert [d.planned for d in week.days] == [False, True, True, False, False, False, False]
        tuesday = week.days[1]
        assert tuesday.item_count == 1
        expected = scoring.score_day(
            selectors.day_to_engine(selectors.day_get_for(user=person, on=day.date), WOMAN_34)
        )
        assert tuesday.effective_mg == pytest.approx(expected.effective_mg)
        assert tuesday.status == expected.status == "low"
        assert week.planned_days == 1
        assert week.average_percent == pytest.approx(tuesday.percent_of_target)

    def test_picker_puts_the_persons_foods_first_and_includes_custom_foods(self, person, day):
        meal = day.meals.first()
        almonds = FoodFactory(description="Nuts, almonds")
        mine = FoodFactory(description="Nuts, my granola mix", source="custom", owner=person)
        FoodFactory(description="Nuts, theirs", source="custom", owner=UserFactory())
        for _ in range(3):
            MealItemFactory(meal=meal, food=almonds)
        entries = selectors.foods_for_picker(user=person, query="nuts")
        foods = [entry["food"] for entry in entries]
        assert foods[0] == almonds
        assert entries[0]["why"] in ("recent", "frequent")
        assert mine in foods
        assert all(food.description != "Nuts, theirs" for food in foods)
        assert [e["food"] for e in selectors.foods_for_picker(user=person)] == [almonds]

    def test_picker_offers_what_the_person_eats_not_what_they_deleted(self, person, day):
        breakfast, lunch = day.meals.get(name="Breakfast"), day.meals.get(name="Lunch")
        oats = FoodFactory(description="Oats")
        seeds = FoodFactory(description="Pumpkin seeds")
        almonds = FoodFactory(description="Almonds")
        lentils = FoodFactory(description="Lentils")
        MealItemFactory(meal=breakfast, food=oats)
        # Deleted by mistake and brought back: still eaten.
        undone = MealItemFactory(meal=breakfast, food=seeds)
        meal_item_delete(item=undone, editor=person)
        meal_item_restore(item=undone, editor=person)
        # Deleted last, and three times over in a deleted meal: neither recent nor frequent.
        meal_item_delete(item=MealItemFactory(meal=breakfast, food=almonds), editor=person)
        for _ in range(3):
            MealItemFactory(meal=lunch, food=lentils)
        meal_delete(meal=lunch, editor=person)
        with CaptureQueriesContext(connection) as queries:
            entries = selectors.foods_for_picker(user=person)
        assert {entry["food"] for entry in entries} == {oats, seeds}
        # recent, frequent, the site stamp (a session's user brings it), foods, portions
        assert len(queries.captured_queries) == 5
        with CaptureQueriesContext(connection) as queries:
            again = selectors.foods_for_picker(user=person)
        assert [entry["food"] for entry in again] == [entry["food"] for entry in entries]
        assert len(queries.captured_queries) == 3  # the foods were kept (foods.selectors)


def test_the_first_year_of_life_cannot_be_planned():
    """No target under 1 year: a day before the first birthday could never be scored (and
    reports start there), so it is refused, with why, as a day before birth is."""
    from types import SimpleNamespace

    born = date(2025, 2, 28)
    profile = SimpleNamespace(date_of_birth=born, user_id=1, user=SimpleNamespace(name="Ana"))
    today = date(2026, 11, 26)
    first = "Plans start on your first birthday, 28 Feb 2026: the model has no magnesium target"
    assert selectors.day_date_error(profile=profile, on=date(2025, 3, 1), today=today).startswith(
        first
    )
    assert selectors.day_date_error(profile=profile, on=date(2026, 2, 28), today=today) is None
    assert selectors.day_date_error(profile=profile, on=born, today=today).startswith(first)
    dietitian = SimpleNamespace(pk=2)
    theirs = selectors.day_date_error(
        profile=profile, on=date(2025, 6, 1), today=today, viewer=dietitian
    )
    assert theirs.startswith("Plans start on Ana's first birthday, 28 Feb 2026")
