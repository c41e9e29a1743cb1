"""The client's access log: one "edit" row per change, written in the change's transaction
(accounts/access_log.py), and one "view" row per page load, none per htmx fragment.
"""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.access_log import access_change_record
from accounts.models import AccessLog, Profile
from plans import services
from plans.models import MealItem
from tests.factories import DietitianLinkFactory, FoodFactory, MealItemFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def link():
    return DietitianLinkFactory()


@pytest.fixture
def as_dietitian(link) -> Client:
    http = Client()
    http.force_login(link.dietitian)
    return http


@pytest.fixture
def day(link):
    return services.day_get_or_create(user=link.client, on=timezone.localdate(), editor=link.client)


def _rows(link, action: str) -> list[AccessLog]:
    return list(AccessLog.objects.filter(client=link.client, action=action))


def _add_data(meal, food, grams: str = "28") -> dict[str, object]:
    return {
        f"add-{meal.pk}-food": food.pk,
        f"add-{meal.pk}-grams": grams,
        f"add-{meal.pk}-preparation": "none",
    }


# ---------------------------------------------------------------- changes


def test_a_dietitians_added_food_writes_exactly_one_edit_row_with_the_url_used(
    link, as_dietitian, day
) -> None:
    meal = day.meals.get(name="Lunch")
    url = reverse("plans:meal_item_add", args=[meal.pk])
    response = as_dietitian.post(url, _add_data(meal, FoodFactory()))
    assert response.status_code == 302
    [row] = _rows(link, "edit")
    assert row.dietitian == link.dietitian
    assert row.path == url
    assert not _rows(link, "view")


def test_a_refused_write_logs_nothing(link, as_dietitian, day) -> None:
    meal = day.meals.get(name="Lunch")
    url = reverse("plans:meal_item_add", args=[meal.pk])
    response = as_dietitian.post(url, _add_data(meal, FoodFactory(), grams="-5"))
    assert response.status_code == 422
    assert not AccessLog.objects.filter(client=link.client).exists()


def test_a_stale_write_rolls_back_its_log_row_with_the_change(link, as_dietitian, day) -> None:
    meal = day.meals.get(name="Lunch")
    url = reverse("plans:meal_item_add", args=[meal.pk])
    stale = f"{day.pk}:{day.version + 7}"
    response = as_dietitian.post(url, _add_data(meal, FoodFactory()), HTTP_X_DAY_VERSION=stale)
    assert response.status_code == 409
    assert not MealItem.objects.filter(meal=meal).exists()
    assert not AccessLog.objects.filter(client=link.client).exists()


def test_the_row_rolls_back_when_the_transaction_around_the_service_fails(link) -> None:
    def set_then_crash() -> None:
        with transaction.atomic():
            account_services.custom_target_set(
                dietitian=link.dietitian, client=link.client, target_mg=320, reason="Low intake"
            )
            raise RuntimeError("crash after the change")

    with pytest.raises(RuntimeError):
        set_then_crash()
    assert Profile.objects.get(user=link.client).custom_target_mg is None
    assert not AccessLog.objects.filter(client=link.client).exists()


def test_a_custom_target_set_from_the_service_is_logged_once_with_its_value(link) -> None:
    account_services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=320, reason="Low intake"
    )
    [row] = _rows(link, "edit")
    assert row.detail == "set the target to 320 mg"
    assert row.path == ""  # no request: a service called directly


def test_copying_a_clients_day_onto_three_days_is_one_row(link, day) -> None:
    MealItemFactory(meal=day.meals.get(name="Lunch"))
    later = [day.date + timedelta(days=n) for n in (1, 2, 3)]
    services.day_copy(source=day, dates=later, mode="append", editor=link.dietitian)
    assert len(_rows(link, "edit")) == 1


def test_a_persons_own_changes_are_not_logged(link, day) -> None:
    services.meal_add(day=day, name="Brunch", editor=link.client)
    assert not AccessLog.objects.filter(client=link.client).exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_row_outside_a_transaction_is_refused(link) -> None:
    with pytest.raises(RuntimeError):
        access_change_record(editor=link.dietitian, client_id=link.client.pk)
    assert not AccessLog.objects.exists()


# ---------------------------------------------------------------- views


def test_ten_picker_searches_on_a_clients_day_add_no_view_rows(link, as_dietitian, day) -> None:
    on = day.date.isoformat()
    assert as_dietitian.get(reverse("clients:day", args=[link.client.pk, on])).status_code == 200
    assert len(_rows(link, "view")) == 1
    meal = day.meals.get(name="Lunch")
    picker = reverse("plans:food_picker", args=[meal.pk])
    for query in ("p", "pu", "pum", "pump", "pumpk", "pumpki", "pumpkin", "pumpkin ", "s", "se"):
        response = as_dietitian.get(picker, {"q": query}, **HTMX)
        assert response.status_code == 200
    assert len(_rows(link, "view")) == 1


def test_each_page_load_and_history_restore_is_a_view_row(link, as_dietitian, day) -> None:
    url = reverse("clients:day", args=[link.client.pk, day.date.isoformat()])
    as_dietitian.get(url)
    as_dietitian.get(url, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    rows = _rows(link, "view")
    assert len(rows) == 2
    assert {row.path for row in rows} == {url}


def test_a_shared_note_is_logged_with_its_day_and_a_private_one_not_at_all(link, day) -> None:
    for visibility in ("private", "shared"):
        note = services.day_note_add(
            day=day, author=link.dietitian, visibility=visibility, text="Soak the lentils."
        )
        services.day_note_delete(note=note, author=link.dietitian)
    on = f"{day.date:%a %-d %b %Y}"
    assert [row.detail for row in _rows(link, "edit")] == [
        f"deleted a note on {on}",
        f"a note on {on}",
    ]


def test_a_template_copied_in_is_logged_without_its_name(link) -> None:
    """The dietitian named the template (after another client, perhaps): the client's log
    says what happened to their plan, in days, not what she called it."""
    other = DietitianLinkFactory(dietitian=link.dietitian).client
    source = services.day_get_or_create(user=other, on=timezone.localdate(), editor=other)
    MealItemFactory(meal=source.meals.first(), food=FoodFactory())
    template = services.day_template_save(
        source=source, name="Bob's Thursday", owner=link.dietitian
    )
    start = timezone.localdate() + timedelta(days=1)
    services.template_assign(
        template=template, client=link.client, start=start, mode="append", editor=link.dietitian
    )
    (row,) = _rows(link, "edit")
    assert row.detail == f"a template copied into your plan from {start:%a %-d %b %Y} (1 day)"
    # Saving her day as a template is told by its day too, not by the name given to it.
    MealItemFactory(
        meal=services.day_get_or_create(
            user=link.client, on=start, editor=link.client
        ).meals.first(),
        food=FoodFactory(),
    )
    services.day_template_save(
        source=services.day_get_or_create(user=link.client, on=start, editor=link.client),
        name="Like Bob's",
        owner=link.dietitian,
    )
    (saved,) = _rows(link, "view")
    assert saved.detail == f"saved your day of {start:%a %-d %b %Y} as a template"
