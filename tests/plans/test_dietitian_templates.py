from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from plans import services
from plans.models import Day, DayTemplate, DayTemplateItem, MealItem, WeekTemplate
from tests.factories import (
    DietitianFactory,
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    PortionFactory,
    ProfileFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def source_day(link, monday):
    """The client's Monday: soaked seeds (a household measure) at breakfast, oats at a
    meal of its own, and a deleted item that must not travel."""
    day = services.day_get_or_create(user=link.client, on=monday, editor=link.client)
    seeds = FoodFactory(description="Pumpkin seeds")
    MealItemFactory(
        meal=day.meals.get(name="Breakfast"),
        food=seeds,
        grams=28.35,
        portion=PortionFactory(food=seeds),
        portion_quantity=Decimal(1),
        preparation="soaked",
    )
    MealItemFactory(meal=day.meals.get(name="Breakfast"), deleted_at=timezone.now())
    brunch = services.meal_add(day=day, name="Brunch", editor=link.client)
    MealItemFactory(meal=brunch, food=FoodFactory(description="Oats"), grams=40)
    return day


def _items(user, on):
    return list(
        MealItem.objects.filter(
            meal__day__plan__owner=user, meal__day__date=on, deleted_at__isnull=True
        )
        .order_by("meal__position", "position")
        .values_list("meal__name", "food__description", "grams", "preparation")
    )


def test_a_day_template_saved_from_a_client_copies_into_another_client_from_a_date(
    client, link, source_day
):
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    client.force_login(link.dietitian)
    response = client.post(
        reverse("reports:template_save", args=[link.client.pk]),
        {"name": "Seed breakfast", "on": source_day.date.isoformat(), "span": "day"},
    )
    assert response.status_code == 302
    template = DayTemplate.objects.get(owner=link.dietitian)
    assert template.items.count() == 2  # the deleted item stayed behind
    start = source_day.date + timedelta(days=3)
    response = client.post(
        reverse("reports:template_assign", args=[other.pk]),
        {"template": f"day-{template.pk}", "start": start.isoformat(), "mode": "append"},
    )
    assert response.status_code == 302
    assert _items(other, start) == [
        ("Breakfast", "Pumpkin seeds", 28.35, "soaked"),
        ("Brunch", "Oats", 40.0, "none"),
    ]
    copied = MealItem.objects.get(meal__day__plan__owner=other, food__description="Pumpkin seeds")
    assert copied.portion_quantity == Decimal(1)
    day = Day.objects.get(plan__owner=other, date=start)
    assert day.last_edited_by == link.dietitian
    assert AccessLog.objects.filter(client=other, action="edit").exists()


def test_a_week_template_lays_each_day_at_its_offset(link, source_day, monday):
    tuesday = services.day_get_or_create(
        user=link.client, on=monday + timedelta(days=1), editor=link.client
    )
    MealItemFactory(
        meal=tuesday.meals.get(name="Dinner"), food=FoodFactory(description="Spinach"), grams=90
    )
    week = services.week_template_save(
        plan=source_day.plan, week_start=monday, name="Green week", owner=link.dietitian
    )
    assert week.days.count() == 7
    assert DayTemplateItem.objects.filter(template__week=week).count() == 3
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    start = monday + timedelta(days=14)
    # An existing day of the client inside the range keeps its own food in append mode.
    existing = services.day_get_or_create(user=other, on=start, editor=other)
    MealItemFactory(meal=existing.meals.get(name="Breakfast"), food=FoodFactory(description="Egg"))
    days = services.template_assign(
        template=week, client=other, start=start, mode="append", editor=link.dietitian
    )
    assert [d.date for d in days] == [start, start + timedelta(days=1)]
    assert [name for _, name, _, _ in _items(other, start)] == ["Egg", "Pumpkin seeds", "Oats"]
    assert _items(other, start + timedelta(days=1)) == [("Dinner", "Spinach", 90.0, "none")]
    # Empty days of the template leave the client's days alone.
    assert not Day.objects.filter(plan__owner=other, date=start + timedelta(days=2)).exists()


def test_replace_mode_empties_the_day_first(link, source_day):
    template = services.day_template_save(source=source_day, name="Seeds", owner=link.dietitian)
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    on = source_day.date + timedelta(days=1)
    existing = services.day_get_or_create(user=other, on=on, editor=other)
    MealItemFactory(meal=existing.meals.get(name="Lunch"), food=FoodFactory(description="Egg"))
    services.template_assign(
        template=template, client=other, start=on, mode="replace", editor=link.dietitian
    )
    assert [name for _, name, _, _ in _items(other, on)] == ["Pumpkin seeds", "Oats"]
    assert list(
        Day.objects.get(plan__owner=other, date=on).meals.values_list("name", flat=True)
    ) == ["Breakfast", "Brunch"]


def test_assign_is_all_or_nothing_when_a_day_is_out_of_the_plan(link, source_day, monday):
    week = services.week_template_save(
        plan=source_day.plan, week_start=monday, name="Week", owner=link.dietitian
    )
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    start = timezone.localdate() + timedelta(days=728)  # the week runs past two years ahead
    with pytest.raises(ValidationError) as error:
        services.template_assign(
            template=week, client=other, start=start, mode="append", editor=link.dietitian
        )
    assert "start" in error.value.message_dict
    assert not Day.objects.filter(plan__owner=other).exists()


def test_a_dietitian_saves_from_their_own_plan(client, monday):
    dietitian = DietitianFactory()
    day = services.day_get_or_create(user=dietitian, on=monday, editor=dietitian)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=FoodFactory(description="Beans"))
    client.force_login(dietitian)
    response = client.post(
        reverse("reports:template_save", args=[dietitian.pk]),
        {"name": "My beans", "on": monday.isoformat(), "span": "week"},
    )
    assert response.status_code == 302
    week = WeekTemplate.objects.get(owner=dietitian, name="My beans")
    page = client.get(reverse("reports:templates")).content.decode()
    assert "My beans" in page
    assert "1 foods over 7 days" in page
    client.post(reverse("reports:template_delete", args=["week", week.pk]))
    assert not WeekTemplate.objects.exists()
    assert not DayTemplate.objects.exists()


def test_saving_an_unplanned_day_or_a_taken_name_is_422(client, link, source_day):
    client.force_login(link.dietitian)
    url = reverse("reports:template_save", args=[link.client.pk])
    empty = source_day.date + timedelta(days=1)
    response = client.post(url, {"name": "X", "on": empty.isoformat(), "span": "day"})
    assert response.status_code == 422
    assert b"is not planned" in response.content
    services.day_template_save(source=source_day, name="Seeds", owner=link.dietitian)
    response = client.post(url, {"name": "seeds", "on": source_day.date.isoformat(), "span": "day"})
    assert response.status_code == 422
    assert b"already have a template called" in response.content
    assert DayTemplate.objects.count() == 1


def test_templates_are_private_to_their_owner_and_links_are_checked(client, link, source_day):
    template = services.day_template_save(source=source_day, name="Seeds", owner=link.dietitian)
    colleague = DietitianLinkFactory(client=link.client).dietitian
    client.force_login(colleague)
    response = client.post(
        reverse("reports:template_assign", args=[link.client.pk]),
        {"template": f"day-{template.pk}", "start": source_day.date.isoformat(), "mode": "append"},
    )
    assert response.status_code == 422  # not among the colleague's choices
    assert (
        client.post(reverse("reports:template_delete", args=["day", template.pk])).status_code
        == 404
    )
    stranger = ProfileFactory().user
    client.force_login(link.dietitian)
    response = client.post(
        reverse("reports:template_assign", args=[stranger.pk]),
        {"template": f"day-{template.pk}", "start": source_day.date.isoformat(), "mode": "append"},
    )
    assert response.status_code == 404
    client.force_login(link.client)  # a person is not a dietitian
    assert client.get(reverse("reports:templates")).status_code == 404
    with pytest.raises(ValidationError):
        services.template_assign(
            template=template,
            client=stranger,
            start=source_day.date,
            mode="append",
            editor=link.dietitian,
        )
