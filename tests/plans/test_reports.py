import csv
import html
import io
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts import services as account_services
from accounts.models import AccessLog
from accounts.selectors import person_on
from plans import services
from plans.models import NoteVisibility
from plans.reports import MAX_REPORT_DAYS, ReportDayInput, build_report, score_chart
from plans.scoring import Day, Item, Meal, Supplement, score_day
from plans.selectors import day_get_for, day_to_engine
from plans.targets import Person
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    MealItemFactory,
    ProfileFactory,
    SupplementDoseFactory,
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


FIRST_TARGET = "Reports start from 15 Mar 1991, the first day with a magnesium target."


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
    assert FIRST_TARGET in body
    before = f"That day is before {link.client.name}'s date of birth."
    assert (before in body) is before_birth
    assert "your date of birth" not in body
    assert not AccessLog.objects.filter(client=link.client, action="report").exists()


@pytest.mark.parametrize("kind", ["pdf", "days"])
def test_a_person_asking_for_a_report_before_their_birth_gets_the_form(client, born_1990, kind):
    client.force_login(born_1990.client)
    url = reverse("reports:own_report", args=[kind])
    response = client.get(url, {"start": "1900-01-01", "end": "1900-01-05"})
    assert response.status_code == 422
    body = html.unescape(response.content.decode())
    assert "That day is before your date of birth. " + FIRST_TARGET in body


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
    assert "Plans reach at most two years ahead." in body


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
    account_services.custom_target_set(
        dietitian=setter.dietitian, client=link.client, target_mg=380, reason="Migraine trial."
    )
    query = {"start": "2026-03-01", "end": "2026-03-02"}
    client.force_login(link.dietitian)  # another of her dietitians
    response = client.get(reverse("reports:client_report", args=[link.client.pk, "pdf"]), query)
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Custom target set by Dr Ada Vale: 380 mg (Migraine trial.)" in " ".join(text.split())
    assert "your dietitian" not in text
    # The person's own report keeps speaking to her.
    client.force_login(link.client)
    response = client.get(reverse("reports:own_report", args=["pdf"]), query)
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "Custom target set by your dietitian: 380 mg" in " ".join(text.split())
