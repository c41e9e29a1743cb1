"""The admin's CSV import beyond the round trip: required cells, files too big for one request,
repeated codes, a confirm that cannot be carried out, error pages, the export's "Select all"."""

import csv
import io
import os
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from foods.models import Food
from foods.resources import FoodResource
from tests.browser.conftest import CHROMIUM, CSP_REPORTER
from tests.factories import FoodFactory, PortionFactory, UserFactory

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:foods_food_import")
CONFIRM_URL = reverse("admin:foods_food_process_import")
ALL_FIELDS = list(FoodResource._meta.fields)


@pytest.fixture
def seeds() -> Food:
    food = FoodFactory(code="12014", description="Seeds, pumpkin and squash seed kernels, dried")
    PortionFactory(food=food, seq=1, unit="cup", grams=129)
    return food


def export(client) -> list[dict[str, str]]:
    response = client.post(
        reverse("admin:foods_food_export"),
        {"format": "0", "resource": "0", **{f"foodresource_{f}": "on" for f in ALL_FIELDS}},
    )
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_csv(rows: list[dict[str, str]], fields: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields or list(rows[0]), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def upload(client, text: str | bytes):
    data = text.encode() if isinstance(text, str) else text
    file = SimpleUploadedFile("foods.csv", data, content_type="text/csv")
    return client.post(IMPORT_URL, {"format": "0", "resource": "0", "import_file": file})


def confirm_form(html: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', html))


def page_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# ---- 1. an empty cell the admin form requires ----


@pytest.mark.parametrize(
    "field",
    ["phytate_mg_per_100g", "oxalate_mg_per_100g", "phytate_basis", "oxalate_source", "food_group"],
)
def test_an_empty_cell_the_admin_form_requires_refuses_the_row(
    client, editor, seeds, field
) -> None:
    rows = export(client)
    rows[0][field] = ""
    html = upload(client, as_csv(rows)).content.decode()
    assert "This field is required." in html
    assert "Confirm import" not in html
    seeds.refresh_from_db()
    # Not silently 0 with its basis still saying "cited": pumpkin seeds keep their phytate.
    assert (seeds.phytate_mg_per_100g, seeds.phytate_basis) == (1900, "cited")
    assert seeds.food_group == "Nut and Seed Products"


def test_an_empty_nutrient_cell_means_unknown_and_is_imported(client, editor, seeds) -> None:
    rows = export(client)
    rows[0]["kcal_per_100g"] = ""
    html = upload(client, as_csv(rows)).content.decode()
    assert client.post(CONFIRM_URL, confirm_form(html)).status_code == 302
    seeds.refresh_from_db()
    assert seeds.kcal_per_100g is None
    assert seeds.phytate_mg_per_100g == 1900


def test_a_new_food_needs_every_column_the_admin_form_requires(client, editor, seeds) -> None:
    row = {**export(client)[0], "code": "99999", "description": "Seeds, new"}
    without_phytate = [f for f in ALL_FIELDS if f != "phytate_mg_per_100g"]
    html = upload(client, as_csv([row], without_phytate)).content.decode()
    assert "This field is required." in html
    assert "Confirm import" not in html
    assert not Food.objects.filter(code="99999").exists()


# ---- 2. a whole export imported back, in one request ----


def test_the_import_reads_the_files_foods_in_bulk_not_one_query_a_row(client, editor) -> None:
    FoodFactory.create_batch(30)
    rows = export(client)

    def selects(file_rows: list[dict[str, str]]) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert upload(client, as_csv(file_rows)).status_code == 200
        return sum(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)

    assert selects(rows) == selects(rows[:3])


def test_the_preview_lists_the_rows_that_change_and_counts_the_others(client, editor) -> None:
    FoodFactory.create_batch(4)
    changed = FoodFactory(magnesium_mg_per_100g=100)
    rows = export(client)
    for row in rows:
        if row["code"] == changed.code:
            row["description"] = "Quinoa, renamed"
    html = upload(client, as_csv(rows)).content.decode()
    assert html.count('<tr class="update">') == 1
    assert "Skipped" not in html
    assert "renamed" in html  # the change itself is shown
    assert "4 of the file&#x27;s 5 rows change nothing" in html
    assert client.post(CONFIRM_URL, confirm_form(html)).status_code == 302
    changed.refresh_from_db()
    assert changed.description == "Quinoa, renamed"


def test_only_the_rows_that_change_are_diffed_and_only_for_the_preview(
    client, editor, monkeypatch
) -> None:
    from import_export import resources

    diffed: list[str] = []
    real = resources.diff_match_patch.diff_prettyHtml

    def diff_pretty_html(self, diffs: list[tuple[int, str]]) -> str:
        html = real(self, diffs)
        diffed.append(html)
        return html

    monkeypatch.setattr(resources.diff_match_patch, "diff_prettyHtml", diff_pretty_html)
    FoodFactory.create_batch(9)
    rows = export(client)
    rows[4]["description"] = "Quinoa, renamed"
    html = upload(client, as_csv(rows)).content.decode()
    assert len(diffed) == len(ALL_FIELDS)  # one row's cells, not ten rows'
    assert any("renamed" in cell for cell in diffed)
    diffed.clear()
    assert client.post(CONFIRM_URL, confirm_form(html)).status_code == 302
    assert diffed == []


def test_a_file_with_too_many_rows_is_refused_before_it_is_read(client, editor, seeds) -> None:
    row = export(client)[0]
    rows = [{**row, "code": f"{n:05d}"} for n in range(10_001)]
    html = upload(client, as_csv(rows)).content.decode()
    assert "The file has 10,001 rows, and one import takes at most 10,000" in html
    assert Food.objects.count() == 1


def test_a_file_over_the_size_limit_is_refused(client, editor, seeds) -> None:
    text = as_csv(export(client)) + "\n" * 10_000_001
    html = upload(client, text).content.decode()
    assert "and one import takes at most 10 MB: split it into smaller files." in html


def test_a_file_changing_too_many_foods_is_refused(client, editor, monkeypatch) -> None:
    monkeypatch.setattr("foods.resources.MAX_CHANGED_ROWS", 2)
    FoodFactory.create_batch(4, magnesium_mg_per_100g=100)
    rows = export(client)
    for row in rows[:3]:
        row["magnesium_mg_per_100g"] = "101.0"
    html = upload(client, as_csv(rows)).content.decode()
    assert "This file adds or changes more than 2 foods, and one import takes at most 2" in html
    assert "Confirm import" not in html
    rows[2]["magnesium_mg_per_100g"] = "100.0"
    assert "Confirm import" in upload(client, as_csv(rows)).content.decode()


# ---- 3. a confirm that cannot be carried out; file-level errors ----


@pytest.mark.parametrize(
    "storage",
    [
        "import_export.tmp_storages.TempFolderStorage",
        "import_export.tmp_storages.CacheStorage",  # with REDIS_URL (settings.py)
    ],
)
def test_confirming_twice_says_so_instead_of_a_500(
    client, editor, seeds, settings, storage
) -> None:
    settings.IMPORT_EXPORT_TMP_STORAGE_CLASS = storage
    rows = export(client)
    rows[0]["magnesium_mg_per_100g"] = "580.0"
    form = confirm_form(upload(client, as_csv(rows)).content.decode())
    assert client.post(CONFIRM_URL, form)["Location"] == reverse("admin:foods_food_changelist")
    again = client.post(CONFIRM_URL, form)
    assert again.status_code == 302
    assert again["Location"] == IMPORT_URL
    assert page_messages(again)[-1] == (
        "This import was already confirmed or has expired: upload the file again."
    )


@pytest.mark.parametrize(
    "changes", [{"format": "7"}, {"format": "x"}, {"import_file_name": ""}, {"resource": "5"}]
)
def test_a_tampered_confirm_says_so_instead_of_a_500(client, editor, seeds, changes) -> None:
    rows = export(client)
    rows[0]["magnesium_mg_per_100g"] = "580.0"
    form = confirm_form(upload(client, as_csv(rows)).content.decode())
    response = client.post(CONFIRM_URL, {**form, **changes})
    assert (response.status_code, response["Location"]) == (302, IMPORT_URL)
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592


def test_a_semicolon_separated_file_gets_its_message_without_a_traceback(
    client, editor, seeds, settings
) -> None:
    settings.DEBUG = False
    text = as_csv(export(client)).replace(",", ";")
    html = upload(client, text).content.decode()
    assert "The file has no source or code column" in html
    assert "Line number" not in html  # refused whole, not a "source None" error a row
    assert "Traceback" not in html
    assert "site-packages" not in html


# ---- 4. a code twice in one file ----


def test_a_code_twice_in_one_file_refuses_the_file_naming_it(client, editor, seeds) -> None:
    FoodFactory(code="11457", description="Spinach, raw")
    rows = export(client)
    twice = {**next(r for r in rows if r["code"] == "12014"), "magnesium_mg_per_100g": "1.0"}
    html = upload(client, as_csv([*rows, twice])).content.decode()
    assert "A food may appear only once in a file: code 12014 is on rows 1 and 3." in html
    assert "Confirm import" not in html
    assert "Traceback" not in html
    seeds.refresh_from_db()
    assert seeds.magnesium_mg_per_100g == 592
    assert seeds.history.count() == 1


# ---- 5. the export page's "Select all" under the Content-Security-Policy ----


def test_the_export_page_has_no_inline_handler_and_loads_the_script(client, editor) -> None:
    html = client.get(reverse("admin:foods_food_export")).content.decode()
    assert 'class="select-toggle"' in html
    assert "onchange=" not in html
    assert '<script src="/static/js/admin_export.js"></script>' in html


def select_all_twice(base_url: str, session_id: str) -> tuple[list[bool], list[bool], list[str]]:
    """The fields after "Select all" is cleared, then ticked; and the CSP violations seen."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM))
        context = chromium.new_context()
        context.add_init_script(CSP_REPORTER)
        console: list[str] = []
        context.on("console", lambda message: console.append(message.text))
        context.add_cookies([{"name": "sessionid", "value": session_id, "url": base_url}])
        page = context.new_page()
        page.goto(base_url + reverse("admin:foods_food_export"))
        fields = page.locator(".selectable-field-export-row input:not(.select-toggle)")
        select_all = page.get_by_label("Select all")
        states = []
        for tick in (select_all.uncheck, select_all.check):
            tick()
            states.append([fields.nth(i).is_checked() for i in range(fields.count())])
        chromium.close()
    return states[0], states[1], [text for text in console if "Content Security Policy" in text]


@pytest.mark.browser
def test_select_all_on_the_export_page_works_under_the_policy(
    live_server, transactional_db
) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing")
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    # In a thread of its own: the browser package's Playwright may be running in this one
    # (one sync Playwright per thread).
    with ThreadPoolExecutor(1) as pool:
        cleared, ticked, violations = pool.submit(
            select_all_twice, live_server.url, client.cookies["sessionid"].value
        ).result()
    assert cleared == [False] * len(ALL_FIELDS)
    assert ticked == [True] * len(ALL_FIELDS)
    assert violations == []
