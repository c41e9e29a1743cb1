"""A day just short of its target never reads as reaching it ("320 of 320 mg: 100 %" beside
"Near target"), and a report whose range holds a birthday names each target it scored by."""

import io
import math
import re
from datetime import date, time

import pytest
from django.urls import reverse
from pypdf import PdfReader

from accounts.selectors import person_on, profile_for
from mgplanner.jinja2 import short_of
from plans import services
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import FoodFactory, ProfileFactory, SupplementProductFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "limit", "met", "shown"),
    [
        (319.5, 320, False, "319.5"),
        (99.84, 100, False, "99.8"),
        (99.96, 100, False, "99.9"),  # rounded down: 100.0 would claim the target again
        (1999.7, 2000, False, "1,999.7"),
        (250.4, 320, False, "250"),  # far from the limit: as `number` shows it
        (319.9999999, 320, True, "320"),  # met within float noise: the status decides
        (320.2, 320, True, "320"),
        (None, 100, False, "–"),
    ],
)
def test_a_figure_short_of_its_limit_never_rounds_up_to_it(value, limit, met, shown):
    assert short_of(value, limit, met) == shown


@pytest.fixture
def just_short(day, person):
    """Three glycinate doses of 106.5 mg on their own: 99.8 % of 320 mg, near the target."""
    product = SupplementProductFactory(
        owner=person, kind="magnesium", form="glycinate", amount_mg=106.5, amount_basis="elemental"
    )
    for hour in (8, 13, 19):
        services.supplement_dose_add(day=day, product=product, editor=person, taken_at=time(hour))
    score = score_day(
        day_to_engine(
            day_get_for(user=person, on=day.date), person_on(profile_for(user=person), day.date)
        )
    )
    assert score.status == "near"
    assert 99.5 <= score.percent_of_target < 100
    return day, score


def test_the_day_and_week_pages_show_a_near_day_below_100_percent(client, just_short):
    day, score = just_short
    percent = f"{math.floor(score.percent_of_target * 10) / 10:.1f} %"
    mg = f"{math.floor(score.effective_mg * 10) / 10:.1f}"

    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()
    assert f'class="gauge-figure">{percent}</text>' in page
    headline = f"<strong>{mg} mg</strong> effective of your\n        320 mg target"
    assert f"{headline}: <strong>{percent}</strong>" in page
    assert "Near target" in page
    assert not re.search(r">\s*100 %", page)

    week = client.get(reverse("plans:week", args=[day.date.isoformat()]), follow=True)
    week = week.content.decode()
    assert f'<span class="week-day-percent">{percent}</span>' in week
    assert f"{mg} of 320 mg" in week


def test_a_report_across_a_birthday_names_both_targets(client):
    # Turns 31 on Wednesday 2 December 2026: 310 mg before, 320 mg from that day.
    profile = ProfileFactory(date_of_birth=date(1995, 12, 2))
    client.force_login(profile.user)
    query = {"start": "2026-11-30", "end": "2026-12-06"}
    response = client.get(reverse("reports:own_report", args=["pdf"]), query)
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "each day is scored against its own" in text
    assert "30 Nov to 1 Dec: RDA, women 19–30: 310 mg" in text
    assert "2 Dec to 6 Dec: RDA, women 31" in text
    assert "320 mg" in text


def test_a_report_with_one_target_names_it_once(client):
    profile = ProfileFactory(date_of_birth=date(1990, 1, 1))
    client.force_login(profile.user)
    query = {"start": "2026-11-30", "end": "2026-12-06"}
    response = client.get(reverse("reports:own_report", args=["pdf"]), query)
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "each day is scored against its own" not in text
    assert "RDA, women 31" in text


def test_a_meal_card_says_how_much_of_its_plate_came_from_supplements(client, day, person):
    breakfast, lunch = day.meals.get(name="Breakfast"), day.meals.get(name="Lunch")
    for meal in (breakfast, lunch):
        food = FoodFactory(magnesium_mg_per_100g=100)
        services.meal_item_add(meal=meal, food=food, grams=50, editor=person)
    product = SupplementProductFactory(owner=person, amount_mg=80, amount_basis="elemental")
    services.supplement_dose_add(day=day, product=product, editor=person, meal=breakfast)

    page = client.get(reverse("plans:day", args=[day.date.isoformat()])).content.decode()

    def card(meal):
        return re.search(rf'id="meal-{meal.pk}-mg">(.*?)</span>', page, flags=re.S).group(1)

    assert "of 130 mg on the plate, 80 mg of it from supplements taken with it" in card(breakfast)
    assert card(lunch).endswith("of 50 mg on the plate")  # food only: nothing more to say
