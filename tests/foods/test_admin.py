"""The admin for food editors: the group's permissions, editing with validation, CSV round trip."""

import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from foods.models import Food
from tests.factories import FoodFactory, PortionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Food editors"))
    client.force_login(user)
    return user


@pytest.fixture
def seeds() -> Food:
    food = FoodFactory(code="12014", description="Seeds, pumpkin and squash seed kernels, dried")
    PortionFactory(food=food, seq=1, unit="cup", grams=129)
    return food


def change_data(food: Food, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        field: getattr(food, field)
        for field in (
            "source", "code", "description", "food_group", "kcal_per_100g", "magnesium_mg_per_100g",
            "calcium_mg_per_100g", "phytate_mg_per_100g", "phytate_basis", "phytate_source",
            "oxalate_mg_per_100g", "oxalate_basis", "oxalate_source",
        )
    }  # fmt: skip
    portion = food.portions.get()
    data.update(
        {
            "portions-TOTAL_FORMS": "1",
            "portions-INITIAL_FORMS": "1",
            "portions-0-id": portion.pk,
            "portions-0-food": food.pk,
            "portions-0-seq": portion.seq,
            "portions-0-amount": portion.amount,
            "portions-0-unit": portion.unit,
            "portions-0-grams": portion.grams,
        }
    )
    data.update(dict(changes.items()))
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_group_has_exactly_the_food_permissions() -> None:
    group = Group.objects.get(name="Food editors")
    codenames = set(group.permissions.values_list("codename", flat=True))
    crud = {f"{a}_{m}" for a in ("view", "add", "change", "delete") for m in ("food", "portion")}
    history = {"view_historicalfood", "view_historicalportion", "view_fooddataload"}
    assert codenames == crud | history
    assert set(group.permissions.values_list("content_type__app_label", flat=True)) == {"foods"}


def test_editor_edits_a_food_and_history_records_it(client, editor, seeds) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    response = client.post(url, change_data(seeds, magnesium_mg_per_100g=590))
    assert response.status_code == 302
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 590
    history = client.get(reverse("admin:foods_food_history", args=[seeds.pk]))
    assert history.status_code == 200
    assert seeds.history.first().history_user == editor


def test_editor_cannot_see_users(client, editor) -> None:
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:foods_food_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"magnesium_mg_per_100g": 1200}, "magnesium_mg_per_100g", "implausible"),
        ({"calcium_mg_per_100g": -1}, "calcium_mg_per_100g", "greater than or equal to 0"),
        ({"portions-0-grams": 0}, "grams", "more than 0 g"),
    ],
)
def test_admin_rejects_implausible_values(client, editor, seeds, changes, field, message) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    response = client.post(url, change_data(seeds, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592


def test_admin_lists_no_custom_foods(client, editor, seeds) -> None:
    FoodFactory(source="custom", code="c1", description="Private granola", owner=UserFactory())
    html = client.get(reverse("admin:foods_food_changelist")).content.decode()
    assert "Seeds, pumpkin" in html
    assert "Private granola" not in html


def test_admin_search_and_filters(client, editor, seeds) -> None:
    FoodFactory(code="11422", description="Pumpkin, raw", food_group="Vegetables")
    url = reverse("admin:foods_food_changelist")
    assert "Pumpkin, raw" not in client.get(url, {"q": "12014"}).content.decode()
    html = client.get(url, {"food_group": "Vegetables"}).content.decode()
    assert "Pumpkin, raw" in html
    assert "Seeds, pumpkin" not in html
    assert client.get(url, {"phytate_basis__exact": "cited"}).status_code == 200


def _export_csv(client) -> str:
    response = client.post(
        reverse("admin:foods_food_export"),
        {"format": "0", "resource": "0", **{f"foodresource_{f}": "on" for f in EXPORT_FIELDS}},
    )
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


EXPORT_FIELDS = ["source", "code", "description", "food_group", "magnesium_mg_per_100g"]


def _import(client, csv_text: str) -> str:
    upload = SimpleUploadedFile("foods.csv", csv_text.encode(), content_type="text/csv")
    response = client.post(
        reverse("admin:foods_food_import"), {"format": "0", "resource": "0", "import_file": upload}
    )
    return response


def test_csv_export_then_import_with_dry_run_then_confirm(client, editor, seeds) -> None:
    exported = _export_csv(client)
    assert "12014" in exported
    changed = exported.replace(",592.0", ",580.0")
    assert changed != exported

    preview = _import(client, changed)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Update" in html
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592  # dry run: nothing written yet

    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    confirm = client.post(reverse("admin:foods_food_process_import"), form)
    assert confirm.status_code == 302
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 580


def test_csv_import_reports_a_bad_row_and_writes_nothing(client, editor, seeds) -> None:
    exported = _export_csv(client)
    bad = exported.replace(",592.0", ",5920.0")
    html = _import(client, bad).content.decode()
    assert "implausible" in html
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592
