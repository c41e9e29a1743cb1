import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from plans.selectors import monday_of
from plans.services import day_get_or_create
from tests.factories import (
    FoodFactory,
    MealItemFactory,
    ProfileFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

pytestmark = pytest.mark.django_db


def week_url(on):
    return reverse("plans:week", args=[on.isoformat()])


def test_plan_redirects_to_this_weeks_monday(client, person):
    response = client.get(reverse("plans:home"))
    assert response.status_code == 302
    assert response["Location"] == week_url(monday_of(timezone.localdate()))


def test_a_mid_week_date_redirects_to_its_monday(client, person):
    response = client.get(week_url(date(2026, 3, 12)))  # a Thursday
    assert response["Location"] == week_url(date(2026, 3, 9))


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(week_url(date(2026, 3, 9)))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_week_shows_seven_days_with_score_status_and_average(client, person):
    monday = monday_of(timezone.localdate())
    # 100 g of a food with 106.7 mg Mg and nothing else: one meal a third of a 320 mg
    # target meets the dose reference, so the day scores 33 % ("low").
    food = FoodFactory(magnesium_mg_per_100g=320 / 3, phytate_mg_per_100g=0, calcium_mg_per_100g=0)
    for offset in (0, 2):
        day = day_get_or_create(user=person, on=monday + timedelta(days=offset))
        MealItemFactory(meal=day.meals.first(), food=food, grams=100 if offset == 0 else 300)
    html = client.get(week_url(monday)).content.decode()
    assert html.count('class="week-day ') == 7
    assert html.count("Nothing planned") == 5
    assert "33 %" in html
    assert "Below target" in html  # the status in words, not colour alone
    assert "Week average:" in html
    assert "over the 2 planned" in html
    assert week_url(monday - timedelta(days=7)) in html
    assert week_url(monday + timedelta(days=7)) in html
    assert reverse("plans:day", args=[timezone.localdate().isoformat()]) in html


def test_week_shows_only_the_persons_own_days(client, person):
    other = ProfileFactory().user
    monday = monday_of(timezone.localdate())
    theirs = day_get_or_create(user=other, on=monday)
    MealItemFactory(meal=theirs.meals.first())
    html = client.get(week_url(monday)).content.decode()
    assert html.count("Nothing planned") == 7


def test_a_day_with_only_vitamin_d_or_calcium_says_so_not_nothing_planned(client, person):
    """A tablet alone leaves the day out of the average (no magnesium planned), but the
    person logged something: the day reads "No magnesium planned" and what was logged,
    while a day with nothing in it still reads "Nothing planned"."""
    monday = monday_of(timezone.localdate())
    vitamin_d = SupplementProductFactory(
        owner=person, kind="vitamin_d", form="", amount_mg=None, vitamin_d_iu=1000, name="D3"
    )
    calcium = SupplementProductFactory(
        owner=person, kind="calcium", form="", amount_mg=None, calcium_mg=500, name="Calcium"
    )
    tablets_by_offset = {0: [vitamin_d], 1: [vitamin_d, calcium], 2: []}  # Wednesday: empty
    for offset, products in tablets_by_offset.items():
        day = day_get_or_create(user=person, on=monday + timedelta(days=offset))
        for product in products:
            SupplementDoseFactory(day=day, product=product)
    food = FoodFactory(magnesium_mg_per_100g=320 / 3, phytate_mg_per_100g=0, calcium_mg_per_100g=0)
    thursday = day_get_or_create(user=person, on=monday + timedelta(days=3))
    MealItemFactory(meal=thursday.meals.first(), food=food, grams=100)
    SupplementDoseFactory(day=thursday, product=vitamin_d)  # planned: no note

    html = client.get(week_url(monday)).content.decode()
    days = re.findall(r'<li class="week-day (.*?)</li>', html, re.S)
    notes = [re.findall(r'<span class="small muted">(.*?)</span>', day) for day in days]
    assert notes[:3] == [
        ["No magnesium planned", "Vitamin D logged"],
        ["No magnesium planned", "Calcium and Vitamin D logged"],
        ["Nothing planned"],  # Wednesday: a day, but nothing in it
    ]
    assert "33 %" in days[3]
    assert notes[3] == ["107 of 320 mg"]  # planned: the tablet adds no note
    assert notes[4:] == [["Nothing planned"]] * 3
    # Not scored, so not coloured as a low day either.
    assert [re.match(r"week-day-(\w+)", day)[1] for day in days[:3]] == ["none"] * 3
    # The tablets' days stay out of the average.
    assert re.search(r"over the 1 planned\s+day\)", html)


def test_week_htmx_returns_the_body_block(client, person):
    monday = monday_of(timezone.localdate())
    html = client.get(week_url(monday), HTTP_HX_REQUEST="true").content.decode()
    assert html.lstrip().startswith('<div id="week-body">')


def test_malformed_week_is_404(client, person):
    assert client.get("/plan/week/2026-13-01/").status_code == 404


@pytest.mark.parametrize("on", ["0001-01-01", "9999-12-27"])
def test_a_week_off_the_calendar_or_the_plan_is_404(client, person, on):
    # Year 1 is before the person's birth; 9999 is beyond two years ahead; neither week has
    # a neighbour on the calendar (computing one used to be a 500).
    assert client.get(f"/plan/week/{on}/").status_code == 404


def test_the_week_of_the_first_birthday_links_no_earlier_week_and_no_day_before_it(client, person):
    """Plans start on the first birthday (no target under 1 year)."""
    profile = person.profile
    profile.date_of_birth = date(1989, 5, 9)
    profile.save()
    first = date(1990, 5, 9)  # a Wednesday
    monday = monday_of(first)
    html = client.get(week_url(monday)).content.decode()
    assert 'rel="prev"' not in html
    assert week_url(monday + timedelta(days=7)) in html
    assert html.count("Outside the plan") == 2  # Monday and Tuesday
    assert reverse("plans:day", args=[(first - timedelta(days=1)).isoformat()]) not in html
    assert reverse("plans:day", args=[first.isoformat()]) in html
    assert client.get(week_url(monday - timedelta(days=7))).status_code == 404


def test_the_last_plannable_week_links_no_later_week(client, person):
    last = timezone.localdate() + timedelta(days=730)  # two years ahead, the plan's end
    for on in range(-7, 8):
        monday = monday_of(last + timedelta(days=on))
        html = client.get(week_url(monday)).content.decode()
        if week_url(monday + timedelta(days=7)) in html:
            assert client.get(week_url(monday + timedelta(days=7))).status_code == 200
        elif 'rel="next"' not in html:
            assert client.get(week_url(monday + timedelta(days=7))).status_code == 404
            break
    else:
        pytest.fail("no week without a next-week link near the plan's end")
