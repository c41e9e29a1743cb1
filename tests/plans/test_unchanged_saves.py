"""An edit form saved as it was changes nothing: the day keeps its version, so the other
tab of the same day saves its own change without the reload prompt, and neither the day's
"last edited" stamp nor the client's access log records an edit that never happened."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AccessAction, AccessLog
from plans import services
from plans.models import Day, MealItem
from tests.factories import DietitianLinkFactory, FoodFactory, SupplementProductFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def planned(day, person):
    meal = day.meals.order_by("position").first()
    item = services.meal_item_add(meal=meal, food=FoodFactory(), grams=30, editor=person)
    product = SupplementProductFactory(
        owner=person, name="Magnesium citrate 500 mg", amount_mg=500, amount_basis="compound"
    )
    dose = services.supplement_dose_add(day=day, product=product, editor=person)
    return Day.objects.get(pk=day.pk), meal, item, dose


def unchanged_form(planned, what: str) -> tuple[str, dict[str, str]]:
    """The URL and the data of `what`'s edit form, as the page fills it in."""
    day, meal, item, dose = planned
    if what == "item":
        return reverse("plans:meal_item_update", args=[item.pk]), {
            f"item-{item.pk}-grams": "30",
            f"item-{item.pk}-preparation": "none",
        }
    if what == "meal":
        return reverse("plans:meal_rename", args=[meal.pk]), {f"meal-{meal.pk}-name": meal.name}
    if what == "dose":
        fields = {"quantity": "1", "amount_mg": "500", "amount_basis": "compound", "meal": ""}
        return reverse("plans:supplement_dose_update", args=[dose.pk]), {
            f"dose-{dose.pk}-{name}": value for name, value in fields.items()
        }
    return reverse("plans:day_notes", args=[day.date.isoformat()]), {"notes": "", "notes_seen": ""}


@pytest.mark.parametrize("what", ["item", "meal", "dose", "notes"])
def test_an_unchanged_save_keeps_the_version_and_the_other_tab_saves(client, person, planned, what):
    day, meal, _, _ = planned
    version = {"HTTP_X_DAY_VERSION": f"{day.pk}:{day.version}"}
    url, data = unchanged_form(planned, what)

    response = client.post(url, data, **HTMX, **version)

    assert response.status_code == 200
    assert "X-Day-Version" not in response  # the tab keeps the version it has
    unchanged = Day.objects.get(pk=day.pk)
    assert (unchanged.version, unchanged.last_edited_at) == (day.version, day.last_edited_at)
    # The other tab, opened at the same version, adds a food: no reload prompt.
    added = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": FoodFactory().pk, f"add-{meal.pk}-grams": "20"},
        **HTMX,
        **version,
    )
    assert added.status_code == 200
    assert Day.objects.get(pk=day.pk).version == day.version + 1


def test_a_changed_save_still_moves_the_version(client, planned):
    day, _, item, _ = planned
    response = client.post(
        reverse("plans:meal_item_update", args=[item.pk]),
        {f"item-{item.pk}-grams": "31", f"item-{item.pk}-preparation": "none"},
        HTTP_X_DAY_VERSION=f"{day.pk}:{day.version}",
        **HTMX,
    )
    assert response.status_code == 200
    assert response["X-Day-Version"] == f"{day.pk}:{day.version + 1}"
    assert MealItem.objects.get(pk=item.pk).grams == 31


def test_a_dietitians_unchanged_save_logs_no_edit(client, person, planned):
    link = DietitianLinkFactory(client=person, can_edit_plans=True)
    client.force_login(link.dietitian)
    dose = planned[3]
    url, data = unchanged_form(planned, "dose")
    assert client.post(url, data, **HTMX).status_code == 200
    assert not AccessLog.objects.filter(client=person, action=AccessAction.EDIT).exists()
    services.supplement_dose_update(dose=dose, editor=link.dietitian, quantity=Decimal(2))
    assert AccessLog.objects.filter(client=person, action=AccessAction.EDIT).exists()
