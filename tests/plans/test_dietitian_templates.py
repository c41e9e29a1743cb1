import html
import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog
from foods.models import Food
from foods.services import custom_food_create, custom_food_delete
from plans import services
from plans.models import (
    Day,
    DayTemplate,
    DayTemplateItem,
    MealItem,
    MealTemplateItem,
    WeekTemplate,
)
from tests.factories import (
    DietitianFactory,
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    MealTemplateFactory,
    MealTemplateItemFactory,
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
    # Back to the client's tools, where the template can be assigned, saying where it is.
    tools = reverse("reports:client_tools", args=[link.client.pk])
    assert response["Location"] == f"{tools}#templates-panel"
    page = client.get(tools).content.decode()
    assert "Saved the template “Seed breakfast”: it is under Your templates." in page
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


def test_assigning_before_the_clients_birth_names_the_client(link, source_day):
    template = services.day_template_save(source=source_day, name="Day", owner=link.dietitian)
    client = link.client
    before = client.profile.date_of_birth - timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.template_assign(
            template=template, client=client, start=before, mode="append", editor=link.dietitian
        )
    assert error.value.message_dict["start"] == [
        f"{before:%a %-d %b %Y}: That day is before {client.name}'s date of birth."
    ]


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
    deleted = client.post(reverse("reports:template_delete", args=["week", week.pk]), follow=True)
    assert "Deleted the week template “My beans”." in deleted.content.decode()
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


@pytest.mark.parametrize("span", ["day", "week"])
def test_a_day_or_week_with_no_food_is_refused_at_its_date_not_its_name(client, link, span):
    client.force_login(link.dietitian)
    on = timezone.localdate() + timedelta(days=30)
    services.day_get_or_create(user=link.client, on=on, editor=link.client)  # meals, no food
    response = client.post(
        reverse("reports:template_save", args=[link.client.pk]),
        {"name": "Empty", "on": on.isoformat(), "span": span},
    )
    assert response.status_code == 422
    page = html.unescape(response.content.decode())
    assert "has no food to save." in page
    name_input = re.search(r'<input[^>]*name="name"[^>]*>', page).group(0)
    date_input = re.search(r'<input[^>]*name="on"[^>]*>', page).group(0)
    assert "aria-invalid" not in name_input
    assert 'aria-invalid="true"' in date_input


def test_a_week_past_the_calendars_end_is_422_not_a_500(client, link, source_day):
    client.force_login(link.dietitian)
    last_week = "9999-12-27"  # its Sunday would be 10000-01-02
    saved = client.post(
        reverse("reports:template_save", args=[link.client.pk]),
        {"name": "W", "on": last_week, "span": "week"},
    )
    assert saved.status_code == 422
    assert "runs past the calendar" in html.unescape(saved.content.decode())
    assert not WeekTemplate.objects.exists()
    week = services.week_template_save(
        plan=source_day.plan, week_start=source_day.date, name="Seeds", owner=link.dietitian
    )
    assigned = client.post(
        reverse("reports:template_assign", args=[link.client.pk]),
        {"template": f"week-{week.pk}", "start": last_week, "mode": "append"},
    )
    assert assigned.status_code == 422
    assert "runs past the calendar" in html.unescape(assigned.content.decode())


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


# ---- custom foods: private to their owner, so a template gives each person their own


def _bob_bar(link, on):
    """The client's custom food (with a household measure), eaten on `on`."""
    bar = custom_food_create(
        user=link.client,
        description="Bobprivate magnesium bar",
        magnesium_mg_per_100g=400,
        kcal_per_100g=380,
        portion_unit="bar",
        portion_grams=40,
    )
    day = services.day_get_or_create(user=link.client, on=on, editor=link.client)
    MealItemFactory(
        meal=day.meals.get(name="Breakfast"),
        food=bar,
        grams=40,
        portion=bar.portions.get(),
        portion_quantity=Decimal(1),
    )
    return bar


def _foods_in_plan(user):
    return set(
        MealItem.objects.filter(meal__day__plan__owner=user).values_list("food__owner", flat=True)
    )


def test_a_clients_custom_food_reaches_another_client_as_their_own_copy(client, link, monday):
    bar = _bob_bar(link, monday)
    ana = DietitianLinkFactory(dietitian=link.dietitian).client
    client.force_login(link.dietitian)
    response = client.post(
        reverse("reports:template_save", args=[link.client.pk]),
        {"name": "Bar day", "on": monday.isoformat(), "span": "day"},
    )
    assert response.status_code == 302
    template = DayTemplate.objects.get(owner=link.dietitian)
    # The template names the dietitian's own copy, not the client's food.
    saved = template.items.get()
    assert (saved.food.owner, saved.food.description) == (link.dietitian, bar.description)
    assert saved.portion.food == saved.food
    start = monday + timedelta(days=7)
    for on in (start, start + timedelta(days=1)):
        response = client.post(
            reverse("reports:template_assign", args=[ana.pk]),
            {"template": f"day-{template.pk}", "start": on.isoformat(), "mode": "append"},
        )
        assert response.status_code == 302

    assert _items(ana, start) == [("Breakfast", "Bobprivate magnesium bar", 40.0, "none")]
    assert _foods_in_plan(ana) == {ana.pk}
    # Assigned twice, one copy: the second assignment used the first's.
    copy = Food.objects.get(owner=ana)
    assert (copy.magnesium_mg_per_100g, copy.kcal_per_100g) == (400, 380)
    item = MealItem.objects.get(meal__day__plan__owner=ana, meal__day__date=start)
    assert (item.portion.food, item.portion.label, item.amount_label) == (
        copy,
        "1 bar",
        "1 × 1 bar (40 g)",
    )
    client.force_login(ana)
    assert client.get(reverse("foods:detail", args=[copy.pk])).status_code == 200
    # Nothing but the client's own plan uses the client's food: they may delete it.
    MealItem.objects.filter(food=bar).delete()
    custom_food_delete(food=bar)
    assert not Food.objects.filter(pk=bar.pk).exists()


def test_the_client_deletes_their_food_once_it_leaves_their_own_plan(client, link, monday):
    bar = _bob_bar(link, monday)
    services.day_template_save(
        source=Day.objects.get(plan__owner=link.client, date=monday),
        name="Bar day",
        owner=link.dietitian,
    )
    MealItem.objects.filter(food=bar).delete()
    client.force_login(link.client)

    response = client.post(reverse("foods:custom_delete", args=[bar.pk]))

    assert response.status_code == 302
    assert not Food.objects.filter(pk=bar.pk).exists()
    assert DayTemplateItem.objects.get().food.owner == link.dietitian


def test_a_week_template_gives_another_client_one_copy_for_all_its_days(link, monday):
    bar = _bob_bar(link, monday)
    tuesday = services.day_get_or_create(
        user=link.client, on=monday + timedelta(days=1), editor=link.client
    )
    MealItemFactory(meal=tuesday.meals.get(name="Dinner"), food=bar, grams=20)
    week = services.week_template_save(
        plan=tuesday.plan, week_start=monday, name="Bar week", owner=link.dietitian
    )
    assert Food.objects.filter(owner=link.dietitian).count() == 1
    ana = DietitianLinkFactory(dietitian=link.dietitian).client
    start = monday + timedelta(days=14)

    services.template_assign(
        template=week, client=ana, start=start, mode="append", editor=link.dietitian
    )

    assert _items(ana, start + timedelta(days=1)) == [
        ("Dinner", "Bobprivate magnesium bar", 20.0, "none")
    ]
    assert _foods_in_plan(ana) == {ana.pk}
    assert Food.objects.filter(owner=ana).count() == 1
    assert MealItem.objects.filter(food=bar).count() == 2  # the client's own two days


def test_the_client_the_food_came_from_gets_their_own_food_back(link, monday):
    bar = _bob_bar(link, monday)
    template = services.day_template_save(
        source=Day.objects.get(plan__owner=link.client, date=monday),
        name="Bar day",
        owner=link.dietitian,
    )
    on = monday + timedelta(days=7)

    services.template_assign(
        template=template, client=link.client, start=on, mode="append", editor=link.dietitian
    )

    item = MealItem.objects.get(meal__day__plan__owner=link.client, meal__day__date=on)
    assert (item.food, item.portion) == (bar, bar.portions.get())
    assert Food.objects.filter(owner=link.client).count() == 1


def test_the_dietitians_own_template_keeps_their_food_and_copies_it_for_a_client(monday):
    link = DietitianLinkFactory()
    dietitian = link.dietitian
    soup = custom_food_create(user=dietitian, description="Clinic soup", magnesium_mg_per_100g=60)
    day = services.day_get_or_create(user=dietitian, on=monday, editor=dietitian)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=soup, grams=300)
    template = services.day_template_save(source=day, name="Soup", owner=dietitian)
    assert template.items.get().food == soup  # one's own food is used as it is

    services.template_assign(
        template=template, client=link.client, start=monday, mode="append", editor=dietitian
    )

    assert _items(link.client, monday) == [("Lunch", "Clinic soup", 300.0, "none")]
    assert _foods_in_plan(link.client) == {link.client.pk}
    assert Food.objects.filter(owner=dietitian).count() == 1


def test_the_repair_command_gives_each_person_their_own_copy_of_a_leaked_food(link, monday):
    """What templates laid before they copied custom foods: the client's bar in another
    client's plan and meal template, and in the dietitian's day template."""
    bar = _bob_bar(link, monday)
    measure = bar.portions.get()
    ana = DietitianLinkFactory(dietitian=link.dietitian).client
    ana_day = services.day_get_or_create(user=ana, on=monday, editor=ana)
    for name in ("Breakfast", "Lunch"):
        MealItemFactory(
            meal=ana_day.meals.get(name=name),
            food=bar,
            grams=80,
            portion=measure,
            portion_quantity=Decimal(2),
        )
    MealTemplateItemFactory(template=MealTemplateFactory(owner=ana), food=bar, grams=40)
    template = DayTemplate.objects.create(owner=link.dietitian, name="Old bar day")
    DayTemplateItem.objects.create(template=template, food=bar, grams=40, meal_name="Breakfast")
    stamp = ana.data_stamp
    out = io.StringIO()

    call_command("repair_custom_food_uses", stdout=out)

    assert out.getvalue() == "Repaired the plans and templates of 2 people.\n"
    copy = Food.objects.get(owner=ana)
    assert (copy.description, copy.magnesium_mg_per_100g) == (bar.description, 400)
    items = MealItem.objects.filter(meal__day__plan__owner=ana)
    assert {(item.food, item.portion.food, item.amount_label) for item in items} == {
        (copy, copy, "2 × 1 bar (80 g)")
    }
    assert MealTemplateItem.objects.get(template__owner=ana).food == copy
    assert template.items.get().food.owner == link.dietitian
    ana.refresh_from_db()
    assert ana.data_stamp != stamp  # her cached day page linked to the bar she may not open
    # The client's own day keeps their food; nothing else holds it now.
    assert MealItem.objects.get(food=bar).meal.day.plan.owner == link.client
    MealItem.objects.filter(food=bar).delete()
    custom_food_delete(food=bar)
    # Run again, nothing to do and no new copy.
    call_command("repair_custom_food_uses", stdout=io.StringIO())
    assert Food.objects.filter(owner=ana).count() == 1
