"""The admin for food editors: the group's permissions, editing with validation, CSV round trip."""

import csv
import io
import re
from html import unescape

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from foods.models import Food
from foods.services import custom_food_create, food_data_load
from tests.factories import FoodFactory, PortionFactory, UserFactory
from tests.foods.test_load_foods import small_file  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeds() -> Food:
    food = FoodFactory(code="12014", description="Seeds, pumpkin and squash seed kernels, dried")
    PortionFactory(food=food, seq=1, unit="cup", grams=129)
    return food


def food_data(food: Food) -> dict[str, object]:
    """The admin form's fields of the food, as the change (and revert) page posts them."""
    return {
        field.name: "" if getattr(food, field.attname) is None else getattr(food, field.attname)
        for field in Food._meta.concrete_fields
        if field.name not in ("id", "owner")
    }


def change_data(food: Food, **changes: object) -> dict[str, object]:
    data = food_data(food)
    portions = list(food.portions.all())
    data.update({"portions-TOTAL_FORMS": len(portions), "portions-INITIAL_FORMS": len(portions)})
    for index, portion in enumerate(portions):
        for name in ("id", "food_id", "seq", "amount", "unit", "grams"):
            data[f"portions-{index}-{name.removesuffix('_id')}"] = getattr(portion, name)
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


def test_editor_reverts_a_loaded_food_to_its_shipped_values(
    client,
    editor,
    small_file,  # noqa: F811 - the fixture
) -> None:
    food_data_load(path=small_file)
    seeds = Food.objects.get(source="usda_sr28", code="12014")
    shipped = (seeds.phytate_mg_per_100g, seeds.phytate_basis, seeds.phytate_source)
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    for phytate in (4321, 5432):
        response = client.post(url, change_data(seeds, phytate_mg_per_100g=phytate))
        assert response.status_code == 302

    history = client.get(reverse("admin:foods_food_history", args=[seeds.pk])).content.decode()
    assert "Loaded from foods.jsonl" in history
    baseline = seeds.history.earliest()
    assert baseline.history_user is None
    assert (baseline.phytate_mg_per_100g, baseline.phytate_basis) == shipped[:2]
    revert_url = reverse("admin:foods_food_simple_history", args=[seeds.pk, baseline.history_id])
    assert revert_url in history
    page = client.get(revert_url)
    assert page.status_code == 200
    assert f'value="{shipped[0]}"' in page.content.decode()

    response = client.post(revert_url, food_data(baseline.instance))

    assert response.status_code == 302
    seeds.refresh_from_db()
    assert (seeds.phytate_mg_per_100g, seeds.phytate_basis, seeds.phytate_source) == shipped
    latest = seeds.history.latest()
    assert (latest.history_user, latest.phytate_mg_per_100g) == (editor, shipped[0])
    assert seeds.history.count() == 4


def test_the_revert_page_says_a_revert_leaves_the_measures_as_they_are(
    client, editor, seeds
) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    data = change_data(seeds, magnesium_mg_per_100g=590, **{"portions-0-grams": 50})
    assert client.post(url, data).status_code == 302
    first = seeds.history.earliest()
    revert_url = reverse("admin:foods_food_simple_history", args=[seeds.pk, first.history_id])

    page = unescape(client.get(revert_url).content.decode())

    assert "Its household measures stay as they are now" in page
    response = client.post(revert_url, food_data(first.instance), follow=True)
    seeds.refresh_from_db()
    assert (seeds.magnesium_mg_per_100g, seeds.portions.get().grams) == (
        first.magnesium_mg_per_100g,
        50,
    )
    # Said where a revert is offered, not again on the page it leads to.
    assert "Its household measures stay" not in unescape(response.content.decode())
    versions = client.get(reverse("admin:foods_food_history", args=[seeds.pk]))
    assert "Its household measures stay" not in unescape(versions.content.decode())


def test_the_change_form_names_each_field_with_its_unit_and_shows_whole_citations(
    client, editor, seeds
) -> None:
    html = client.get(reverse("admin:foods_food_change", args=[seeds.pk])).content.decode()
    assert "Vitamin D (µg per 100 g)" in html
    assert "Magnesium (mg per 100 g)" in html
    assert "Vitamin d ug per 100g" not in html
    assert '<textarea name="phytate_source"' in html
    assert '<textarea name="oxalate_source"' in html
    # The household measures' table: each input labelled for a screen reader (axe `label`).
    for name in ("seq", "amount", "unit", "grams"):
        found = re.search(rf'<input[^>]*name="portions-0-{name}"[^>]*>', html)
        assert found is not None
        assert 'aria-label="Household measure: ' in found.group()


def test_history_names_the_editor_without_a_link_editors_cannot_open(client, editor, seeds) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    assert client.post(url, change_data(seeds, magnesium_mg_per_100g=590)).status_code == 302
    history = reverse("admin:foods_food_history", args=[seeds.pk])
    html = client.get(history).content.decode()
    assert str(editor) in html
    assert reverse("admin:accounts_user_change", args=[editor.pk]) not in html


def _cells(html: str) -> list[str]:
    """The history table's cells, as text without surrounding white space."""
    return [
        " ".join(unescape(re.sub(r"<[^>]+>", " ", cell)).split())
        for cell in re.findall(r"<td>(.*?)</td>", html, re.S)
    ]


def test_history_says_what_changed_in_a_measure_and_leaves_no_none(client, editor, seeds) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    data = change_data(seeds, **{"portions-0-grams": 50, "portions-TOTAL_FORMS": 2})
    data.update({"portions-1-amount": "1", "portions-1-unit": "oz", "portions-1-grams": "28.35"})
    assert client.post(url, data).status_code == 302
    data = change_data(seeds, **{"portions-1-DELETE": "on"})
    assert client.post(url, data).status_code == 302

    html = client.get(reverse("admin:foods_food_history", args=[seeds.pk])).content.decode()

    cells = _cells(html)
    assert "Household measure: 1 oz = 28.35 g → —" in cells  # the second save, newest first
    assert "1 cup: 129 g → 50 g Household measure: — → 1 oz = 28.35 g" in cells
    # The food made before there was any editor: no user and no reason, a dash for each.
    assert "None" not in cells
    assert cells[-3:-1] == ["—", "—"]


def test_editor_cannot_see_users(client, editor) -> None:
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    assert client.get(reverse("admin:foods_food_changelist")).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"magnesium_mg_per_100g": 1200}, "magnesium_mg_per_100g", "implausible"),
        ({"calcium_mg_per_100g": -1}, "calcium_mg_per_100g", "greater than or equal to 0"),
        ({"portions-0-grams": 0}, "grams", "at least 0.1 g"),
        ({"portions-0-grams": 0.05}, "grams", "at least 0.1 g"),
        # Nothing holds more than its own weight, nor more energy than pure fat.
        ({"kcal_per_100g": 903}, "kcal_per_100g", "At most 902 kcal per 100 g"),
        ({"protein_g_per_100g": 1e308}, "protein_g_per_100g", "At most 100 g per 100 g"),
        ({"calcium_mg_per_100g": 100001}, "calcium_mg_per_100g", "At most 100,000 mg per 100 g"),
        ({"vitamin_d_ug_per_100g": 1e9}, "vitamin_d_ug_per_100g", "At most 100,000,000 µg"),
        # 100 g of food weighs 100,000 mg: no more of anything can be in it.
        ({"phytate_mg_per_100g": 200000}, "phytate_mg_per_100g", "100 g of food weighs 100,000"),
        ({"phytate_mg_per_100g": 1e308}, "phytate_mg_per_100g", "100 g of food weighs 100,000"),
        ({"oxalate_mg_per_100g": 100001}, "oxalate_mg_per_100g", "100 g of food weighs 100,000"),
    ],
)
def test_admin_rejects_implausible_values(client, editor, seeds, changes, field, message) -> None:
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    response = client.post(url, change_data(seeds, **changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592
    assert (seeds.phytate_mg_per_100g, seeds.oxalate_mg_per_100g) == (1900, 0)


def test_admin_lists_no_custom_foods(client, editor, seeds) -> None:
    FoodFactory(source="custom", code="c1", description="Private granola", owner=UserFactory())
    html = client.get(reverse("admin:foods_food_changelist")).content.decode()
    assert "Seeds, pumpkin" in html
    assert "Private granola" not in html


def test_admin_history_pages_show_no_custom_food(client, editor) -> None:
    food = custom_food_create(
        user=UserFactory(), description="Private granola", magnesium_mg_per_100g=5
    )
    version = food.history.get()
    history_url = reverse("admin:foods_food_history", args=[food.pk])
    revert_url = reverse("admin:foods_food_simple_history", args=[food.pk, version.history_id])
    assert client.get(history_url).status_code == 404
    assert client.get(revert_url).status_code == 404
    assert (
        client.post(revert_url, {**food_data(food), "magnesium_mg_per_100g": 6}).status_code == 404
    )
    assert client.get(f"/admin/foods/food/{food.pk}/history/x/").status_code == 404
    food.refresh_from_db()
    assert food.magnesium_mg_per_100g == 5


def test_admin_search_and_filters(client, editor, seeds) -> None:
    FoodFactory(code="11422", description="Pumpkin, raw", food_group="Vegetables")
    url = reverse("admin:foods_food_changelist")
    assert "Pumpkin, raw" not in client.get(url, {"q": "12014"}).content.decode()
    html = client.get(url, {"food_group": "Vegetables"}).content.decode()
    assert "Pumpkin, raw" in html
    assert "Seeds, pumpkin" not in html
    assert client.get(url, {"phytate_basis__exact": "cited"}).status_code == 200


def _export_csv(client) -> str:
    return _export_csv_fields(client, EXPORT_FIELDS)


def _export_csv_fields(client, fields: list[str]) -> str:
    response = client.post(
        reverse("admin:foods_food_export"),
        {"format": "0", "resource": "0", **{f"foodresource_{f}": "on" for f in fields}},
    )
    assert response.status_code == 200, response.content[:500]
    # Says its encoding, so a program opening it does not guess Latin-1.
    assert response["Content-Type"] == "text/csv; charset=utf-8"
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


def test_csv_export_quotes_formula_like_text_and_imports_it_back_unchanged(
    client, editor, seeds
) -> None:
    # An editor's description that a spreadsheet would run as a formula (OWASP CSV Injection).
    formula = '=HYPERLINK("http://evil","x")'
    odd = FoodFactory(code="99001", description=formula, magnesium_mg_per_100g=100)
    FoodFactory(code="99002", description="@SUM(1)", magnesium_mg_per_100g=100)
    rows = {row["code"]: row for row in csv.DictReader(io.StringIO(_export_csv(client)))}
    assert rows["99001"]["description"] == "'" + formula
    assert rows["99002"]["description"] == "'@SUM(1)"
    assert rows["12014"]["description"] == seeds.description
    assert rows["12014"]["magnesium_mg_per_100g"] == "592.0"

    changed = _export_csv(client).replace(",100.0", ",101.0")
    html = _import(client, changed).content.decode()
    form = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))
    assert client.post(reverse("admin:foods_food_process_import"), form).status_code == 302
    odd.refresh_from_db()
    assert (odd.description, odd.magnesium_mg_per_100g) == (formula, 101)
    assert Food.objects.get(code="99002").description == "@SUM(1)"


def test_csv_import_reports_a_bad_row_and_writes_nothing(client, editor, seeds) -> None:
    exported = _export_csv(client)
    bad = exported.replace(",592.0", ",5920.0")
    html = _import(client, bad).content.decode()
    assert "implausible" in html
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phytate_mg_per_100g", "200000.0", "At most 100,000 mg per 100 g: 100 g of food weighs"),
        ("oxalate_mg_per_100g", "200000.0", "At most 100,000 mg per 100 g: 100 g of food weighs"),
        ("kcal_per_100g", "950.0", "At most 902 kcal per 100 g: nothing has more (pure fat)."),
        ("fat_g_per_100g", "1e308", "At most 100 g per 100 g: 100 g of food cannot hold more"),
    ],
)
def test_csv_import_refuses_more_than_the_food_can_hold(
    client, editor, seeds, field, value, message
) -> None:
    before = Food.objects.get(pk=seeds.pk)
    exported = _export_csv_fields(client, [*EXPORT_FIELDS, field])
    header, row = csv.reader(io.StringIO(exported))
    row[header.index(field)] = value
    bad = io.StringIO()
    csv.writer(bad).writerows([header, row])
    html = _import(client, bad.getvalue()).content.decode()
    assert message in html
    seeds.refresh_from_db()
    assert (seeds.phytate_mg_per_100g, seeds.oxalate_mg_per_100g) == (1900, 0)
    assert (seeds.kcal_per_100g, seeds.fat_g_per_100g) == (
        before.kcal_per_100g,
        before.fat_g_per_100g,
    )


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("custom", "custom foods belong to the people who made them and are not imported"),
        ("usda_sr29", "source &#x27;usda_sr29&#x27; is not a source of the food database"),
    ],
)
def test_csv_import_says_why_a_source_is_refused(client, editor, seeds, source, message) -> None:
    exported = _export_csv(client)
    html = _import(client, exported.replace("usda_sr28,", f"{source},", 1)).content.decode()
    assert message in html
    assert "custom foods" not in html or source == "custom"
