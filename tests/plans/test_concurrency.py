"""Two tabs on one day: a write sent with a version the day has left is a 409, not applied."""

import html as html_lib
import re
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from plans import services
from plans.concurrency import (
    DayVersion,
    StaleDayError,
    expecting_day_version,
    parse_day_version,
)
from plans.models import Day, Meal, MealItem, Plan, SupplementDose
from plans.selectors import day_get_for
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    ProfileFactory,
    SupplementProductFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}
CONFLICT_TEXT = "This day was changed in another tab or by your dietitian"


def day_url(on):
    return reverse("plans:day", args=[on.isoformat()])


def rendered_version(html: str) -> str:
    """The version the page was rendered with, as the holder and every form carry it."""
    holder = re.search(r'data-day-version="(\d+:\d+)"', html)
    assert holder is not None
    inputs = set(re.findall(r'name="day_version" value="(\d+:\d+)"', html))
    assert inputs == {holder.group(1)}
    return holder.group(1)


def add_item_data(meal, food, grams="28"):
    return {
        f"add-{meal.pk}-food": food.pk,
        f"add-{meal.pk}-grams": grams,
        f"add-{meal.pk}-preparation": "none",
    }


# ---------------------------------------------------------------- pure parsing


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("42:7", DayVersion(42, 7)),
        (" 42:7 ", DayVersion(42, 7)),
        ("", None),
        (None, None),
        ("42", None),
        ("42:x", None),
        ("-1:3", None),
        ("9" * 30 + ":1", None),
    ],
)
def test_a_version_is_parsed_or_ignored_never_an_error(sent, expected) -> None:
    assert parse_day_version(sent) == expected


# ---------------------------------------------------------------- both databases


@pytest.fixture
def opened(client, person, today):
    """The day page as a tab rendered it: (day, the version it carries, its first meal)."""
    html = client.get(day_url(today)).content.decode()
    day = day_get_for(user=person, on=today)
    return day, rendered_version(html), day.ordered_meals[0]


@pytest.mark.django_db
def test_every_write_form_on_the_day_page_carries_the_rendered_version(
    client, person, today, opened
) -> None:
    day, version, _ = opened
    assert version == f"{day.pk}:{day.version}"
    SupplementProductFactory(owner=person)
    html = client.get(day_url(today)).content.decode()
    forms = re.findall(r'<form[^>]*method="post".*?</form>', html, flags=re.S)
    day_writes = [form for form in forms if "logout" not in form and "/notes/" not in form]
    assert len(day_writes) > 10
    for form in day_writes:
        assert 'name="day_version"' in form, form[:200]


@pytest.mark.django_db
def test_a_stale_plain_form_gets_the_409_page_and_nothing_changes(
    client, person, today, opened
) -> None:
    day, version, meal = opened
    seeds = FoodFactory(description="Pumpkin seeds", magnesium_mg_per_100g=592)
    # The other tab (or the dietitian) writes first.
    other = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {**add_item_data(meal, seeds), "day_version": version},
    )
    assert other.status_code == 302
    # This tab still shows the old version.
    stale = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {**add_item_data(meal, seeds, grams="50"), "day_version": version},
    )
    assert stale.status_code == 409
    html = stale.content.decode()
    assert CONFLICT_TEXT in html
    assert f'href="{day_url(today)}"' in html
    assert "<html" in html
    assert list(MealItem.objects.filter(meal=meal).values_list("grams", flat=True)) == [28]
    assert Day.objects.get(pk=day.pk).version == day.version + 1


@pytest.mark.django_db
def test_a_stale_htmx_write_retargets_the_prompt_and_the_fresh_one_goes_through(
    client, person, today, opened
) -> None:
    day, version, meal = opened
    seeds = FoodFactory(magnesium_mg_per_100g=592)
    url = reverse("plans:meal_item_add", args=[meal.pk])
    first = client.post(url, add_item_data(meal, seeds), HTTP_X_DAY_VERSION=version, **HTMX)
    assert first.status_code == 200
    # The response hands the tab the version its own write left.
    fresh = first["X-Day-Version"]
    assert fresh == f"{day.pk}:{day.version + 1}"

    stale = client.post(url, add_item_data(meal, seeds), HTTP_X_DAY_VERSION=version, **HTMX)
    assert stale.status_code == 409
    assert stale["HX-Retarget"] == "#day-conflict"
    assert CONFLICT_TEXT in stale.content.decode()
    assert "<html" not in stale.content.decode()
    assert MealItem.objects.filter(meal=meal).count() == 1

    # The header wins over a form's hidden input left stale by an earlier swap.
    again = client.post(
        url,
        {**add_item_data(meal, seeds), "day_version": version},
        HTTP_X_DAY_VERSION=fresh,
        **HTMX,
    )
    assert again.status_code == 200
    assert MealItem.objects.filter(meal=meal).count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("htmx", [True, False])
def test_a_write_to_an_item_another_tab_deleted_gets_the_reload_prompt(
    client, person, today, opened, htmx
) -> None:
    meal = opened[2]
    item = MealItem.objects.create(meal=meal, food=FoodFactory(), grams=30, position=9)
    # The page this tab shows was rendered with the item; the other tab then deletes it.
    html = client.get(day_url(today)).content.decode()
    shown = rendered_version(html)
    assert client.post(reverse("plans:meal_item_delete", args=[item.pk])).status_code == 302
    headers = {"HTTP_X_DAY_VERSION": shown, **HTMX} if htmx else {}
    data = {} if htmx else {"day_version": shown}
    stale = client.post(reverse("plans:meal_item_delete", args=[item.pk]), data, **headers)
    assert stale.status_code == 409
    assert CONFLICT_TEXT in stale.content.decode()


@pytest.mark.django_db
def test_a_404_is_a_404_when_the_page_is_current_or_the_day_not_yours(
    client, person, today, opened
) -> None:
    gone = reverse("plans:meal_item_delete", args=[999999])
    current = rendered_version(client.get(day_url(today)).content.decode())
    assert client.post(gone, {"day_version": current}).status_code == 404
    stranger = ProfileFactory().user
    theirs = Day.objects.create(plan=Plan.objects.create(owner=stranger), date=today, version=5)
    assert client.post(gone, {"day_version": f"{theirs.pk}:1"}).status_code == 404


@pytest.mark.django_db
def test_writes_without_a_version_still_work(client, person, today, opened) -> None:
    _, _, meal = opened
    seeds = FoodFactory(magnesium_mg_per_100g=592)
    for _ in range(2):
        response = client.post(
            reverse("plans:meal_item_add", args=[meal.pk]), add_item_data(meal, seeds)
        )
        assert response.status_code == 302
    assert MealItem.objects.filter(meal=meal).count() == 2


@pytest.mark.django_db
def test_stale_notes_supplement_and_rename_are_refused(client, person, today, opened) -> None:
    day, version, meal = opened
    day_before = Day.objects.get(pk=day.pk)
    services.day_notes_update(day=day_before, notes="from the other tab", editor=person)
    product = SupplementProductFactory(owner=person)
    on = today.isoformat()
    writes = [
        (reverse("plans:day_notes", args=[on]), {"notes": "mine"}),
        (
            reverse("plans:supplement_dose_add", args=[on, product.pk]),
            {f"product-{product.pk}-quantity": "1", f"product-{product.pk}-meal": ""},
        ),
        (reverse("plans:meal_rename", args=[meal.pk]), {f"meal-{meal.pk}-name": "Brunch"}),
    ]
    for url, data in writes:
        response = client.post(url, {**data, "day_version": version})
        assert response.status_code == 409, url
    day.refresh_from_db()
    meal.refresh_from_db()
    assert day.notes == "from the other tab"
    assert meal.name != "Brunch"
    assert not SupplementDose.objects.filter(day=day).exists()


@pytest.mark.django_db
def test_copying_a_day_changed_since_the_copy_page_is_refused(
    client, person, today, opened
) -> None:
    _, version, meal = opened
    seeds = FoodFactory(magnesium_mg_per_100g=592)
    services.meal_item_add(meal=meal, food=seeds, grams=30, editor=person)
    target = today + timedelta(days=1)
    response = client.post(
        reverse("plans:day_copy", args=[today.isoformat()]),
        {"dates": [target.isoformat()], "mode": "replace", "day_version": version},
    )
    assert response.status_code == 409
    assert not Day.objects.filter(plan__owner=person, date=target).exists()


@pytest.mark.django_db
def test_a_dietitians_stale_write_gets_the_clients_day_as_reload_link(client) -> None:
    link = DietitianLinkFactory()
    client.force_login(link.dietitian)
    today = timezone.localdate()
    client_day_url = reverse("clients:day", args=[link.client.pk, today.isoformat()])
    html = client.get(client_day_url).content.decode()
    version = rendered_version(html)
    day = day_get_for(user=link.client, on=today)
    services.day_notes_update(day=day, notes="the client's own edit", editor=link.client)
    meal = day.ordered_meals[0]
    response = client.post(
        reverse("plans:meal_rename", args=[meal.pk]),
        {f"meal-{meal.pk}-name": "Brunch", "day_version": version},
    )
    assert response.status_code == 409
    assert f'href="{client_day_url}"' in response.content.decode()
    # The other party is the client (or another dietitian), not "your dietitian".
    said = html_lib.unescape(response.content.decode())
    assert f"This day was changed in another tab, by {link.client.name} or by" in said
    assert "by your dietitian" not in said
    meal.refresh_from_db()
    assert meal.name != "Brunch"


@pytest.mark.django_db
def test_the_service_check_rolls_back_and_allows_a_requests_own_later_writes(person, today) -> None:
    day = services.day_get_or_create(user=person, on=today)
    meal = Meal.objects.filter(day=day).first()
    food = FoodFactory(magnesium_mg_per_100g=100)
    with expecting_day_version(DayVersion(day.pk, day.version)) as written:
        # Two writes in one request (fill accept, a two-step suggestion): the second
        # compares against the version the first left, not the page's.
        services.meal_item_add(meal=meal, food=food, grams=10, editor=person)
        services.meal_item_add(
            meal=Meal.objects.get(pk=meal.pk), food=food, grams=20, editor=person
        )
    assert written == {day.pk: day.version + 2}
    with expecting_day_version(DayVersion(day.pk, day.version)), pytest.raises(StaleDayError):
        services.meal_item_add(
            meal=Meal.objects.get(pk=meal.pk), food=food, grams=30, editor=person
        )
    assert sorted(MealItem.objects.filter(meal=meal).values_list("grams", flat=True)) == [10, 20]
    assert Day.objects.get(pk=day.pk).version == day.version + 2


# ---------------------------------------------------------------- PostgreSQL, real concurrency


@pytest.mark.django_db(transaction=True)
def test_two_tabs_posting_the_same_version_at_once_one_wins_one_409() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL; SQLite serialises writers by itself.")
    profile = ProfileFactory()
    today = timezone.localdate()
    day = services.day_get_or_create(user=profile.user, on=today)
    meal = Meal.objects.filter(day=day).order_by("position").first()
    foods = [FoodFactory(magnesium_mg_per_100g=100 + n) for n in range(2)]
    rounds = 5
    for round_number in range(rounds):
        version = f"{day.pk}:{Day.objects.get(pk=day.pk).version}"
        barrier = threading.Barrier(2)
        statuses: dict[int, int] = {}

        def post(
            tab: int, version: str, barrier: threading.Barrier, statuses: dict[int, int]
        ) -> None:
            try:
                tab_client = Client()
                tab_client.force_login(profile.user)
                barrier.wait(timeout=10)
                response = tab_client.post(
                    reverse("plans:meal_item_add", args=[meal.pk]),
                    add_item_data(meal, foods[tab], grams=str(10 + tab)),
                    HTTP_X_DAY_VERSION=version,
                    **HTMX,
                )
                statuses[tab] = response.status_code
            finally:
                # Each thread has its own connection: close it, or the test database
                # cannot be dropped.
                connections.close_all()

        threads = [
            threading.Thread(target=post, args=(tab, version, barrier, statuses))
            for tab in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(statuses.values()) == [200, 409], (round_number, statuses)
        assert MealItem.objects.filter(meal=meal).count() == round_number + 1
    assert Day.objects.get(pk=day.pk).version == day.version + rounds
