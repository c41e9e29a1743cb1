import csv
import html
import io
import re
from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts import services as account_services
from accounts.models import AccessLog
from accounts.selectors import person_on
from plans import services
from plans.models import NoteVisibility
from plans.report_selectors import report_data
from plans.reports import MAX_REPORT_DAYS, ReportDayInput, build_report, score_chart
from plans.scoring import Day, Item, Meal, Supplement, score_day
from plans.selectors import day_get_for, day_to_engine, monday_of, week_summary
from plans.targets import Person
from plans.views import _score_context
from plans.workspace_selectors import client_summaries
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    MealRecipeFactory,
    ProfileFactory,
    RecipeFactory,
    RecipeIngredientFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

WOMAN = Person(sex="female", age_years=40)
SEEDS = {"magnesium_mg_per_100g": 592.0, "phytate_mg_per_100g": 1900.0, "calcium_mg_per_100g": 46.0}
SPINACH = {"magnesium_mg_per_100g": 79.0, "oxalate_mg_per_100g": 970.0, "calcium_mg_per_100g": 99.0}


def _score(grams_seeds: float, grams_spinach: float = 0.0, supplement_mg: float = 0.0):
    items = [Item(name="Pumpkin seeds", grams=grams_seeds, code="12014", **SEEDS)]
    if grams_spinach:
        items.append(Item(name="Spinach", grams=grams_spinach, code="11457", **SPINACH))
    supplements = (
        (Supplement(form="oxide", elemental_mg=supplement_mg, name="Oxide"),)
        if supplement_mg
        else ()
    )
    return score_day(
        Day(person=WOMAN, meals=(Meal("Lunch", tuple(items)),), supplements=supplements)
    )


# ---------------------------------------------------------------- pure


def test_averages_count_planned_days_only():
    start = date(2026, 3, 2)
    first, second = _score(30), _score(60, 100)
    report = build_report(
        start,
        start + timedelta(days=2),
        [
            ReportDayInput(start, 1, first),
            ReportDayInput(start + timedelta(days=1), 0, None),
            ReportDayInput(start + timedelta(days=2), 2, second),
        ],
    )
    assert report.planned_days == 2
    assert [d.planned for d in report.days] == [True, False, True]
    assert report.average_effective_mg == pytest.approx(
        (first.effective_mg + second.effective_mg) / 2
    )
    assert report.average_percent == pytest.approx(
        (first.percent_of_target + second.percent_of_target) / 2
    )
    assert report.days_below_ear == sum(1 for s in (first, second) if s.effective_mg < s.ear_mg)


def test_losses_and_top_sources_add_up_over_the_range():
    start = date(2026, 3, 2)
    scores = [_score(30, 100), _score(30, 100, supplement_mg=400)]
    report = build_report(
        start,
        start + timedelta(days=1),
        [ReportDayInput(start + timedelta(days=n), 2, s) for n, s in enumerate(scores)],
    )
    losses = {line.key: line.average_mg for line in report.losses}
    assert losses["oxalate"] == pytest.approx(sum(s.losses_mg.oxalate for s in scores) / 2)
    assert losses["phytate"] > 0
    assert losses["form"] > 0
    seeds = next(line for line in report.top_sources if line.name == "Pumpkin seeds")
    expected = sum(
        item.effective_mg
        for s in scores
        for o in s.occasions
        for item in o.items
        if item.name == "Pumpkin seeds"
    )
    assert seeds.effective_mg == pytest.approx(expected)
    assert seeds.days == 2
    oxide = next(line for line in report.top_sources if line.name == "Oxide")
    assert oxide.is_supplement
    assert oxide.days == 1
    # Top sources are ordered by what they gave.
    given = [line.effective_mg for line in report.top_sources]
    assert given == sorted(given, reverse=True)


def test_warnings_are_counted_per_day():
    start = date(2026, 3, 2)
    scores = [_score(10, supplement_mg=500), _score(10), _score(10, supplement_mg=500)]
    report = build_report(
        start,
        start + timedelta(days=2),
        [ReportDayInput(start + timedelta(days=n), 1, s) for n, s in enumerate(scores)],
    )
    split = next(w for w in report.warnings if w.code == "split_dose")
    assert (split.days, split.first, split.last) == (2, start, start + timedelta(days=2))


def test_chart_bars_scale_to_percent_and_the_target_line_sits_at_100():
    start = date(2026, 3, 2)
    low, high = _score(10), _score(120, supplement_mg=300)
    report = build_report(
        start,
        start + timedelta(days=2),
        [
            ReportDayInput(start, 1, low),
            ReportDayInput(start + timedelta(days=1), 0, None),
            ReportDayInput(start + timedelta(days=2), 2, high),
        ],
    )
    chart = report.chart
    assert len(chart.bars) == 3
    assert chart.bars[1].height == 0
    assert chart.bars[1].percent is None
    top = chart.max_percent
    assert top >= max(150.0, high.percent_of_target)
    assert top % 50 == 0
    assert chart.bars[0].height == pytest.approx(
        chart.height * low.percent_of_target / top, abs=0.01
    )
    assert chart.target_y == pytest.approx(chart.height * (1 - 100 / top), abs=0.01)
    assert chart.bars[0].x < chart.bars[1].x < chart.bars[2].x


def test_an_empty_range_has_no_averages():
    report = build_report(
        date(2026, 3, 2), date(2026, 3, 2), [ReportDayInput(date(2026, 3, 2), 0, None)]
    )
    assert report.planned_days == 0
    assert report.average_effective_mg is None
    assert score_chart(report.days).bars[0].height == 0


# ---------------------------------------------------------------- PDF and CSV


@pytest.fixture
def link(db):
    return DietitianLinkFactory()


@pytest.fixture
def planned(link):
    """Two planned days of the client (seeds; then seeds, spinach and a tablet) and a gap."""
    client_user = link.client
    start = timezone.localdate() - timedelta(days=2)
    first = services.day_get_or_create(user=client_user, on=start, editor=client_user)
    MealItemFactory(
        meal=first.meals.get(name="Lunch"), food=FoodFactory(description="Pumpkin seeds"), grams=30
    )
    third = services.day_get_or_create(
        user=client_user, on=start + timedelta(days=2), editor=client_user
    )
    MealItemFactory(
        meal=third.meals.get(name="Dinner"), food=FoodFactory(description="Spinach, raw"), grams=90
    )
    SupplementDoseFactory(day=third)
    services.day_note_add(
        day=third, author=link.dietitian, visibility=NoteVisibility.SHARED, text="Keep the spinach."
    )
    services.day_note_add(
        day=third, author=link.dietitian, visibility=NoteVisibility.PRIVATE, text="Check ferritin."
    )
    return start, start + timedelta(days=2)


def _expected_scores(user, dates):
    profile = user.profile
    return [
        score_day(day_to_engine(day_get_for(user=user, on=on), person_on(profile, on)))
        for on in dates
    ]


def test_pdf_report_holds_the_averages_and_shared_notes_only(client, link, planned):
    start, end = planned
    client.force_login(link.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[link.client.pk, "pdf"]),
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    scores = _expected_scores(link.client, [start, end])
    average_mg = sum(s.effective_mg for s in scores) / 2
    average_percent = sum(s.percent_of_target for s in scores) / 2
    assert f"{average_mg:.0f} mg" in text
    assert f"{average_percent:.0f} %" in text
    assert "Keep the spinach." in text
    assert "Check ferritin." not in text
    assert "Not planned" in text  # the day between
    log = AccessLog.objects.get(client=link.client, action="report")
    assert log.dietitian == link.dietitian


def test_a_person_downloads_their_own_report(client, link, planned):
    start, end = planned
    # The dietitian's notes in `planned` are logged; the person's own report adds nothing.
    logged = AccessLog.objects.filter(client=link.client).count()
    client.force_login(link.client)
    response = client.get(
        reverse("reports:own_report", args=["pdf"]),
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert link.client.name in text
    assert AccessLog.objects.filter(client=link.client).count() == logged


def test_days_csv_has_one_row_per_day(client, link, planned):
    start, end = planned
    client.force_login(link.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[link.client.pk, "days"]),
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "date",
        "planned",
        "total_mg",
        "effective_mg",
        "target_mg",
        "ear_mg",
        "percent_of_target",
        "status",
    ]
    assert [r["date"] for r in rows] == [(start + timedelta(days=n)).isoformat() for n in range(3)]
    assert [r["planned"] for r in rows] == ["yes", "no", "yes"]
    first = _expected_scores(link.client, [start])[0]
    assert float(rows[0]["effective_mg"]) == pytest.approx(first.effective_mg, abs=0.05)
    assert rows[1]["effective_mg"] == ""


def test_items_csv_lists_foods_and_supplements(client, link, planned):
    start, end = planned
    client.force_login(link.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[link.client.pk, "items"]),
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["date"], r["meal"], r["kind"], r["name"]) for r in rows][:2] == [
        (start.isoformat(), "Lunch", "food", "Pumpkin seeds"),
        (end.isoformat(), "Dinner", "food", "Spinach, raw"),
    ]
    tablet = rows[2]
    assert tablet["kind"] == "supplement"
    assert tablet["magnesium_mg"] == "300.0"
    assert float(rows[0]["magnesium_mg"]) == pytest.approx(30 * 592 / 100, abs=0.05)
    assert float(rows[0]["effective_mg"]) > 0


def test_items_csv_names_a_dose_on_its_own_by_its_time(client, link, planned):
    """Two doses on their own at 08:00 and 20:00 are two occasions, as the score panel says."""
    start, end = planned
    day = services.day_get_or_create(user=link.client, on=start, editor=link.client)
    SupplementDoseFactory(day=day, taken_at=time(8))
    SupplementDoseFactory(day=day, taken_at=time(20))
    client.force_login(link.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[link.client.pk, "items"]),
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    doses = [r["meal"] for r in rows if r["kind"] == "supplement"]
    assert doses == ["On its own, 08:00", "On its own, 20:00", "On its own"]


def test_report_csvs_quote_formula_like_names_and_keep_figures_numbers(client, link, planned):
    # A client's custom food and meal names reach the dietitian's spreadsheet (OWASP CSV Injection).
    start, end = planned
    formula = '=HYPERLINK("http://evil","x")'
    day = services.day_get_or_create(user=link.client, on=start, editor=link.client)
    meal = day.meals.create(name="@SUM(A1)", position=99)
    own = FoodFactory(source="custom", code="u1", description=formula, owner=link.client)
    MealItemFactory(meal=meal, food=own, grams=50)
    client.force_login(link.dietitian)
    query = {"start": start.isoformat(), "end": end.isoformat()}
    items = client.get(reverse("reports:client_report", args=[link.client.pk, "items"]), query)
    rows = list(csv.DictReader(io.StringIO(items.content.decode())))
    own_row = next(row for row in rows if row["code"] == "u1")
    assert (own_row["meal"], own_row["name"]) == ("'@SUM(A1)", "'" + formula)
    assert float(own_row["magnesium_mg"]) == pytest.approx(50 * 592 / 100, abs=0.05)
    days = client.get(reverse("reports:client_report", args=[link.client.pk, "days"]), query)
    first = next(csv.DictReader(io.StringIO(days.content.decode())))
    assert float(first["total_mg"]) == pytest.approx((30 + 50) * 592 / 100, abs=0.05)


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2026-03-10", "end": "2026-03-01"},
        {
            "start": "2026-01-01",
            "end": (date(2026, 1, 1) + timedelta(days=MAX_REPORT_DAYS)).isoformat(),
        },
        {"start": "not a date", "end": "2026-03-01"},
    ],
)
def test_a_bad_range_is_422_with_the_form(client, link, query):
    client.force_login(link.dietitian)
    response = client.get(reverse("reports:client_report", args=[link.client.pk, "pdf"]), query)
    assert response.status_code == 422
    assert b"field-has-error" in response.content


@pytest.mark.parametrize("kind", ["pdf", "days", "items"])
def test_unlinked_and_revoked_dietitians_get_404(client, link, kind):
    other = DietitianLinkFactory(client=ProfileFactory().user)  # linked to someone else
    client.force_login(other.dietitian)
    url = reverse("reports:client_report", args=[link.client.pk, kind])
    query = {"start": "2026-03-01", "end": "2026-03-02"}
    assert client.get(url, query).status_code == 404
    link.revoked_at = timezone.now()
    link.save()
    client.force_login(link.dietitian)
    assert client.get(url, query).status_code == 404


def test_the_report_pages_render_and_the_tools_view_is_logged(client, link):
    client.force_login(link.client)
    page = client.get(reverse("reports:own_report_page"))
    assert page.status_code == 200
    assert reverse("reports:own_report", args=["days"]).encode() in page.content
    client.force_login(link.dietitian)
    page = client.get(reverse("reports:client_tools", args=[link.client.pk]))
    assert page.status_code == 200
    assert reverse("reports:client_report", args=[link.client.pk, "items"]).encode() in page.content
    assert AccessLog.objects.filter(client=link.client, action="view").count() == 1


def test_the_tools_page_has_no_id_twice(client, link):
    """Its report and template forms both have a "From": each label points at its own."""
    from plans.services import day_get_or_create, day_template_save

    day = day_get_or_create(user=link.dietitian, on=timezone.localdate(), editor=link.dietitian)
    MealItemFactory(meal=day.meals.first(), food=FoodFactory())
    day_template_save(source=day, name="Green day", owner=link.dietitian)
    client.force_login(link.dietitian)
    html = client.get(reverse("reports:client_tools", args=[link.client.pk])).content.decode()
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert 'for="assign_start"' in html
    assert [i for i in set(ids) if ids.count(i) > 1] == []


def test_an_unknown_report_kind_is_404(client, link):
    client.force_login(link.dietitian)
    url = reverse("reports:client_report", args=[link.client.pk, "xlsx"])
    assert client.get(url, {"start": "2026-03-01", "end": "2026-03-02"}).status_code == 404


@pytest.fixture
def born_1990(link):
    """The client, born 15 March 1990: the model has a target for her from 15 March 1991."""
    profile = link.client.profile
    profile.date_of_birth = date(1990, 3, 15)
    profile.save(update_fields=["date_of_birth"])
    return link


FIRST_TARGET = (
    "Plans start on {whose} first birthday, 15 Mar 1991: the model has no magnesium target "
    "under 1 year."
)


@pytest.mark.parametrize("kind", ["pdf", "days", "items"])
@pytest.mark.parametrize(
    ("start", "end", "before_birth"),
    [
        ("1989-12-01", "1990-02-01", True),  # before she was born
        ("1990-03-01", "1990-04-01", True),  # from before birth into her first year
        ("1990-06-01", "1990-06-05", False),  # in her first year: no RDA under 1 year
        ("1991-03-14", "1991-03-20", False),  # the day before her first birthday
    ],
)
def test_a_range_starting_before_the_first_target_is_422_on_the_form(
    client, born_1990, kind, start, end, before_birth
):
    link = born_1990
    client.force_login(link.dietitian)
    url = reverse("reports:client_report", args=[link.client.pk, kind])
    response = client.get(url, {"start": start, "end": end})
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert 'id="id_start_error"' in body
    before = f"That day is before {link.client.name}'s date of birth."
    first_target = FIRST_TARGET.format(whose=f"{link.client.name}'s")
    start_error = re.search(r'id="id_start_error"[^>]*>(.*?)</ul>', body, re.S)
    assert start_error
    assert (before if before_birth else first_target) in start_error.group(1)
    assert "your date of birth" not in body
    assert "your first birthday" not in body
    assert not AccessLog.objects.filter(client=link.client, action="report").exists()


@pytest.mark.parametrize("kind", ["pdf", "days"])
def test_a_person_asking_for_a_report_before_their_birth_gets_the_form(client, born_1990, kind):
    client.force_login(born_1990.client)
    url = reverse("reports:own_report", args=[kind])
    response = client.get(url, {"start": "1900-01-01", "end": "1900-01-05"})
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert body.count("That day is before your date of birth.") == 2  # at each date


def test_a_report_may_end_at_most_two_years_ahead(client, link):
    client.force_login(link.dietitian)
    start = timezone.localdate() + timedelta(days=700)
    response = client.get(
        reverse("reports:client_report", args=[link.client.pk, "days"]),
        {"start": start.isoformat(), "end": (start + timedelta(days=40)).isoformat()},
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="id_end_error"' in body
    assert "Plans reach two years ahead, to " in body


@pytest.mark.parametrize("kind", ["pdf", "days"])
def test_a_range_from_the_first_birthday_is_reported(client, born_1990, kind):
    client.force_login(born_1990.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[born_1990.client.pk, kind]),
        {"start": "1991-03-15", "end": "1991-03-17"},
    )
    assert response.status_code == 200
    if kind == "pdf":
        text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
        assert "RDA, children 1–3: 80 mg" in text
    else:
        rows = list(csv.DictReader(io.StringIO(response.content.decode())))
        assert [r["date"] for r in rows] == ["1991-03-15", "1991-03-16", "1991-03-17"]


def test_the_pdf_names_the_dietitian_who_set_a_custom_target(client, link):
    setter = DietitianLinkFactory(client=link.client, dietitian__display_name="Dr Ada Vale")
    # Set on the report's first day: a custom target applies from the day it is set on.
    account_services.custom_target_set(
        dietitian=setter.dietitian,
        client=link.client,
        target_mg=380,
        reason="Migraine trial.",
        today=date(2026, 3, 1),
    )
    query = {"start": "2026-03-01", "end": "2026-03-02"}
    client.force_login(link.dietitian)  # another of her dietitians
    response = client.get(reverse("reports:client_report", args=[link.client.pk, "pdf"]), query)
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    line = "Custom target set by Dr Ada Vale: 380 mg — Migraine trial."
    assert line in " ".join(text.split())
    assert "your dietitian" not in text
    # The person's own report names her too: she may have two dietitians.
    client.force_login(link.client)
    response = client.get(reverse("reports:own_report", args=["pdf"]), query)
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert line in " ".join(text.split())


# ---------------------------------------------------------------- recipes eaten


@pytest.fixture
def recipe_days(link):
    """Two days of the client: yesterday only 1.5 servings of a lentil and spinach stew (of
    4), today pumpkin seeds at lunch, the stew at dinner and a citrate tablet."""
    owner = link.client
    today = timezone.localdate()
    stew = RecipeFactory(owner=owner, name="Lentil and spinach stew", servings=4)
    RecipeIngredientFactory(
        recipe=stew,
        food=FoodFactory(
            description="Lentils, cooked",
            magnesium_mg_per_100g=36.0,
            phytate_mg_per_100g=500.0,
            calcium_mg_per_100g=19.0,
        ),
        grams=400,
    )
    RecipeIngredientFactory(
        recipe=stew, food=FoodFactory(description="Spinach, raw", **SPINACH), grams=200
    )
    only = services.day_get_or_create(user=owner, on=today - timedelta(days=1), editor=owner)
    MealRecipeFactory(meal=only.meals.get(name="Dinner"), recipe=stew, servings=Decimal("1.5"))
    mixed = services.day_get_or_create(user=owner, on=today, editor=owner)
    MealItemFactory(
        meal=mixed.meals.get(name="Lunch"), food=FoodFactory(description="Pumpkin seeds"), grams=30
    )
    MealRecipeFactory(meal=mixed.meals.get(name="Dinner"), recipe=stew, servings=Decimal("1.5"))
    SupplementDoseFactory(day=mixed, meal=mixed.meals.get(name="Dinner"))
    return today - timedelta(days=1), today


def _day_page_score(user, on):
    """The day page's score panel for `on`: its score and top sources."""
    return _score_context(day_get_for(user=user, on=on), user.profile)


def test_a_recipe_only_day_is_planned_and_scored_as_on_the_day_page(link, recipe_days):
    start, _ = recipe_days
    panel = _day_page_score(link.client, start)
    report = report_data(owner=link.client, start=start, end=start).report
    (day,) = report.days
    assert day.planned
    assert report.planned_days == 1
    assert day.effective_mg == pytest.approx(panel["score"].effective_mg)
    assert day.total_mg == pytest.approx(1.5 / 4 * (400 * 36 + 200 * 79) / 100)
    assert day.status == panel["score"].status
    # The recipe's ingredients are the sources, as in the day page's panel, and the
    # losses are the stew's phytate (lentils) and oxalate (spinach).
    sources = {line.name: line.effective_mg for line in report.top_sources}
    assert sources == pytest.approx({item.name: item.effective_mg for item in panel["top_sources"]})
    assert set(sources) == {"Lentils, cooked", "Spinach, raw"}
    losses = {line.key: line.average_mg for line in report.losses}
    assert losses["phytate"] == pytest.approx(panel["score"].losses_mg.phytate)
    assert losses["oxalate"] == pytest.approx(panel["score"].losses_mg.oxalate)
    assert losses["oxalate"] > 0


def test_days_csv_and_pdf_score_a_recipe_only_day(client, link, recipe_days):
    start, end = recipe_days
    client.force_login(link.client)
    query = {"start": start.isoformat(), "end": end.isoformat()}
    response = client.get(reverse("reports:own_report", args=["days"]), query)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["planned"] for r in rows] == ["yes", "yes"]
    expected = _day_page_score(link.client, start)["score"]
    assert float(rows[0]["effective_mg"]) == pytest.approx(expected.effective_mg, abs=0.05)
    assert rows[0]["status"] == expected.status
    response = client.get(reverse("reports:own_report", args=["pdf"]), query)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "2 days, 2 planned" in text
    assert "Not planned" not in text
    assert "No day in this range" not in text
    assert "Lentils, cooked" in text  # among the top sources


def test_items_csv_rows_of_a_day_with_foods_and_a_recipe_add_up_to_its_effective_mg(
    client, link, recipe_days
):
    start, end = recipe_days
    client.force_login(link.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[link.client.pk, "items"]),
        {"start": start.isoformat(), "end": end.isoformat()},
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [
        "date",
        "meal",
        "kind",
        "code",
        "name",
        "amount",
        "grams",
        "preparation",
        "magnesium_mg",
        "effective_mg",
    ]
    # One row per recipe eaten, its figures summed over its ingredients.
    stew = {k: rows[0][k] for k in ("date", "meal", "kind", "code", "name", "amount", "grams")}
    assert stew == {
        "date": start.isoformat(),
        "meal": "Dinner",
        "kind": "recipe",
        "code": "",
        "name": "Lentil and spinach stew",
        "amount": "1.5 servings",
        "grams": "225",  # 1.5 of 4 servings of 600 g
    }
    plate_mg = 1.5 / 4 * (400 * 36 + 200 * 79) / 100
    assert float(rows[0]["magnesium_mg"]) == pytest.approx(plate_mg, abs=0.05)
    first = _day_page_score(link.client, start)["score"]
    assert float(rows[0]["effective_mg"]) == pytest.approx(first.effective_mg, abs=0.05)
    mixed = [r for r in rows if r["date"] == end.isoformat()]
    assert [(r["meal"], r["kind"]) for r in mixed] == [
        ("Lunch", "food"),
        ("Dinner", "recipe"),
        ("Dinner", "supplement"),
    ]
    score = _day_page_score(link.client, end)["score"]
    effective = sum(float(r["effective_mg"]) for r in mixed)
    assert effective == pytest.approx(score.effective_mg, abs=0.05 * len(mixed))
    plate = sum(float(r["magnesium_mg"]) for r in mixed)
    assert plate == pytest.approx(score.total_mg, abs=0.05 * len(mixed))


def _planned_by_week_page(owner, dietitian, on):
    summary = week_summary(user=owner, week_start=monday_of(on))
    day = next(day for day in summary.days if day.date == on)
    # Only a day with something planned is averaged in (and shown as planned).
    return day.effective_mg if day.item_count else None


def _planned_by_client_list(owner, dietitian, on):
    (summary,) = client_summaries(dietitian=dietitian, today=on)
    return summary.average_percent and summary.average_percent * _target_mg(owner, on) / 100


def _planned_by_report(owner, dietitian, on):
    return report_data(owner=owner, start=on, end=on).report.average_effective_mg


def _target_mg(owner, on):
    return _day_page_score(owner, on)["score"].target_mg


@pytest.mark.parametrize(
    "scored", [_planned_by_week_page, _planned_by_client_list, _planned_by_report]
)
def test_week_page_client_list_and_reports_count_a_recipe_only_day_alike(link, recipe_days, scored):
    # One rule (plans.selectors.day_item_count) says a day is planned: a day whose only
    # entry is a recipe is averaged in everywhere, with the day page's score.
    start, _ = recipe_days
    expected = _day_page_score(link.client, start)["score"].effective_mg
    assert scored(link.client, link.dietitian, start) == pytest.approx(expected)


@pytest.mark.parametrize("kind", ["vitamin_d", "calcium"])
@pytest.mark.parametrize(
    "scored", [_planned_by_week_page, _planned_by_client_list, _planned_by_report]
)
def test_a_day_with_only_a_vitamin_d_or_calcium_tablet_is_not_planned(link, kind, scored):
    # Such a tablet says nothing of the day's magnesium: the day is missing data everywhere,
    # not a day at 0 % pulling the averages down. A magnesium dose alone does plan the day.
    owner = link.client
    on = timezone.localdate()
    day = services.day_get_or_create(user=owner, on=on, editor=owner)
    fields = {"vitamin_d": {"vitamin_d_iu": 1000}, "calcium": {"calcium_mg": 500}}[kind]
    tablet = SupplementProductFactory(owner=owner, kind=kind, form="", amount_mg=None, **fields)
    services.supplement_dose_add(day=day, product=tablet, editor=owner)
    assert scored(owner, link.dietitian, on) is None
    services.supplement_dose_add(
        day=day, product=SupplementProductFactory(owner=owner), editor=owner
    )
    assert scored(owner, link.dietitian, on) == pytest.approx(
        _day_page_score(owner, on)["score"].effective_mg
    )


def test_the_pdf_says_a_tablet_only_day_logged_no_magnesium(client, link):
    # As the week page and the client list do: "No magnesium planned", and what was logged,
    # for a day with only a vitamin D tablet; "Not planned" for a day with nothing.
    owner = link.client
    on = timezone.localdate()
    day = services.day_get_or_create(user=owner, on=on, editor=owner)
    tablet = SupplementProductFactory(
        owner=owner, kind="vitamin_d", form="", amount_mg=None, vitamin_d_iu=1000
    )
    services.supplement_dose_add(day=day, product=tablet, editor=owner)
    client.force_login(link.dietitian)
    response = client.get(
        reverse("reports:client_report", args=[owner.pk, "pdf"]),
        {"start": (on - timedelta(days=1)).isoformat(), "end": on.isoformat()},
    )
    text = " ".join(
        " ".join(
            page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages
        ).split()
    )
    assert f"{on:%a %-d %b} No magnesium planned (Vitamin D logged)" in text
    assert f"{on - timedelta(days=1):%a %-d %b} Not planned" in text
