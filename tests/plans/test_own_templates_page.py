"""A dietitian saving a template from their own plan: an invalid save re-renders the
templates page (with the templates they already have) at 422."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from plans import services
from plans.models import DayTemplate
from tests.factories import DietitianFactory, FoodFactory, MealItemFactory

pytestmark = pytest.mark.django_db


def test_an_invalid_save_from_your_own_plan_shows_the_templates_page_again(client) -> None:
    dietitian = DietitianFactory()
    today = timezone.localdate()
    day = services.day_get_or_create(user=dietitian, on=today, editor=dietitian)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=FoodFactory(description="Beans"))
    services.day_template_save(source=day, name="My beans", owner=dietitian)
    client.force_login(dietitian)
    unplanned = today + timedelta(days=1)
    response = client.post(
        reverse("reports:template_save", args=[dietitian.pk]),
        {"name": "Other", "on": unplanned.isoformat(), "span": "day"},
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "is not planned" in page
    assert "My beans" in page
    assert 'value="Other"' in page
    assert list(DayTemplate.objects.values_list("name", flat=True)) == ["My beans"]
