"""The day page cache (mgplanner/page_cache.py): served again only while nothing behind it
changed, whoever changed it; never for pages that differ per request."""

import re
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import USER_BACKEND
from foods.services import food_data_load
from mgplanner import page_cache
from plans import services
from plans.selectors import day_get_for
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    ProfileFactory,
    UserFactory,
)
from tests.foods.test_load_foods import small_file  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"')
# Every place the page prints the token: the forms' inputs and htmx's request headers.
ANY_TOKEN = re.compile(r'(?<=value=")[A-Za-z0-9]{64}(?=")|(?<="x-csrftoken": ")[A-Za-z0-9]{64}')
# A page from the cache costs one query: the session with its user (and their stamps),
# profile and site stamp.
HIT_QUERIES = 1


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def logged_in(user, **kwargs) -> Client:
    client = Client(**kwargs)
    client.force_login(user, backend=USER_BACKEND)
    return client


@pytest.fixture
def person():
    return ProfileFactory().user


def day_url(on, client_id=None) -> str:
    if client_id is not None:
        return reverse("clients:day", args=[client_id, on.isoformat()])
    return reverse("plans:day", args=[on.isoformat()])


def visit(client: Client, url: str) -> tuple[str, int]:
    """The page's HTML and how many SQL queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def add_seeds(client: Client, person, on, grams: str = "30"):
    """Add pumpkin seeds to breakfast the way the no-JS form does."""
    meal = day_get_for(user=person, on=on).ordered_meals[0]
    seeds = FoodFactory(description="Pumpkin seeds", magnesium_mg_per_100g=550)
    response = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": seeds.pk, f"add-{meal.pk}-grams": grams},
    )
    assert response.status_code == 302
    return seeds


def planned(person, *dates) -> None:
    for on in dates:
        services.day_get_or_create(user=person, on=on)


def test_a_second_visit_is_served_from_the_cache(person, today):
    client = logged_in(person)
    first, first_queries = visit(client, day_url(today))
    second, second_queries = visit(client, day_url(today))
    assert first_queries > HIT_QUERIES
    assert second_queries == HIT_QUERIES
    # The same page, but for the token (masked afresh for every response).
    assert ANY_TOKEN.sub("", first) == ANY_TOKEN.sub("", second)


def test_the_cached_page_carries_a_token_valid_for_this_session(person, today):
    logged_in(person).get(day_url(today))  # cached by one session
    client = logged_in(person, enforce_csrf_checks=True)  # a new log-in: a new CSRF secret
    html, queries = visit(client, day_url(today))
    assert queries == HIT_QUERIES
    token = TOKEN.search(html).group(1)
    meal = day_get_for(user=person, on=today).ordered_meals[0]
    response = client.post(
        reverse("plans:meal_rename", args=[meal.pk]),
        {f"meal-{meal.pk}-name": "First breakfast", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302  # not 403: the token belongs to this session


def test_the_persons_own_write_shows_on_the_next_visit(person, today):
    client = logged_in(person)
    before, _ = visit(client, day_url(today))
    add_seeds(client, person, today)
    after, queries = visit(client, day_url(today))
    assert "Pumpkin seeds" not in before
    assert "Pumpkin seeds" in after
    assert queries > HIT_QUERIES


def test_a_rejected_write_leaves_the_page_as_it_was(person, today):
    client = logged_in(person)
    before, _ = visit(client, day_url(today))
    meal = day_get_for(user=person, on=today).ordered_meals[0]
    response = client.post(
        reverse("plans:meal_rename", args=[meal.pk]), {f"meal-{meal.pk}-name": ""}
    )
    assert response.status_code == 422
    after, _ = visit(client, day_url(today))
    assert ANY_TOKEN.sub("", before) == ANY_TOKEN.sub("", after)


def test_a_dietitians_note_shows_on_the_clients_cached_page(today):
    link = DietitianLinkFactory()
    client = logged_in(link.client)
    visit(client, day_url(today))
    response = logged_in(link.dietitian).post(
        reverse("reports:note_add", args=[link.client.pk, today.isoformat()]),
        {"text": "Try soaking the oats.", "visibility": "shared"},
    )
    assert response.status_code == 302
    html, queries = visit(client, day_url(today))
    assert "Try soaking the oats." in html
    assert queries > HIT_QUERIES


def test_a_dietitian_who_ends_the_link_changes_the_clients_page(today):
    link = DietitianLinkFactory()
    services.day_get_or_create(user=link.client, on=today)
    services.day_note_add(
        day=day_get_for(user=link.client, on=today),
        author=link.dietitian,
        visibility="shared",
        text="More pumpkin seeds.",
    )
    client = logged_in(link.client)
    before, _ = visit(client, day_url(today))
    assert "More pumpkin seeds." in before
    response = logged_in(link.dietitian).post(reverse("accounts:dietitian_revoke", args=[link.pk]))
    assert response.status_code in (200, 302)
    _, queries = visit(client, day_url(today))
    assert queries > HIT_QUERIES


def test_a_food_edit_in_the_admin_shows_on_everyones_cached_pages(person, today):
    client = logged_in(person)
    visit(client, day_url(today))
    seeds = add_seeds(client, person, today, grams="100")
    before, _ = visit(client, day_url(today))
    assert visit(client, day_url(today))[1] == HIT_QUERIES
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name="Food editors"))
    url = reverse("admin:foods_food_change", args=[seeds.pk])
    form = logged_in(editor).get(url).content.decode()
    data = dict(
        re.findall(r'<input type="(?:text|number|hidden)" name="([^"]+)" value="([^"]*)"', form)
    )
    data.update(
        {
            "description": seeds.description,
            "magnesium_mg_per_100g": "275",
            "source": seeds.source,
            "phytate_basis": seeds.phytate_basis,
            "oxalate_basis": seeds.oxalate_basis,
            # Sources are text boxes (whole citations), not inputs the pattern above finds.
            "phytate_source": seeds.phytate_source,
            "oxalate_source": seeds.oxalate_source,
        }
    )
    assert logged_in(editor).post(url, data).status_code == 302
    after, queries = visit(client, day_url(today))
    assert queries > HIT_QUERIES
    assert ANY_TOKEN.sub("", before) != ANY_TOKEN.sub("", after)


def test_a_food_load_replaces_the_site_stamp(small_file):  # noqa: F811 - the fixture
    before = page_cache.site_stamp()
    food_data_load(path=small_file)
    assert page_cache.site_stamp() != before


def test_pages_that_differ_per_request_are_rendered_every_time(person, today):
    client = logged_in(person)
    visit(client, day_url(today))
    meal = day_get_for(user=person, on=today).ordered_meals[0]
    picker = f"{day_url(today)}?meal={meal.pk}&q=seeds"
    assert visit(client, picker)[1] > HIT_QUERIES
    assert visit(client, picker)[1] > HIT_QUERIES
    htmx = client.get(day_url(today), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    # A message waiting (a no-JS write's confirmation) is shown once, on a rendered page.
    add_seeds(client, person, today)
    assert visit(client, day_url(today))[1] > HIT_QUERIES


def test_a_dietitians_view_of_a_client_is_never_from_the_cache(today):
    link = DietitianLinkFactory()
    dietitian = logged_in(link.dietitian)
    url = day_url(today, client_id=link.client.pk)
    visit(dietitian, url)
    assert visit(dietitian, url)[1] > HIT_QUERIES


def test_a_new_day_starts_new_keys(person, today):
    client = logged_in(person)
    visit(client, day_url(today))
    with mock.patch.object(page_cache.timezone, "localdate", return_value=today + timedelta(1)):
        assert visit(client, day_url(today))[1] > HIT_QUERIES


def test_the_code_fingerprint_is_a_short_stable_hash():
    assert re.fullmatch(r"[0-9a-f]{16}", page_cache.code_fingerprint())
    assert page_cache.code_fingerprint() == page_cache.code_fingerprint()


def test_the_week_page_is_cached_and_follows_a_write_to_one_of_its_days(person, today):
    client = logged_in(person)
    visit(client, day_url(today))
    week_url = reverse("plans:week", args=[(today - timedelta(today.weekday())).isoformat()])
    before, _ = visit(client, week_url)
    assert visit(client, week_url)[1] == HIT_QUERIES
    add_seeds(client, person, today, grams="100")
    after, queries = visit(client, week_url)
    assert queries > HIT_QUERIES
    assert ANY_TOKEN.sub("", before) != ANY_TOKEN.sub("", after)


def test_an_item_written_on_one_day_leaves_the_other_days_pages_cached(person, today):
    client = logged_in(person)
    tomorrow = today + timedelta(days=1)
    planned(person, today, tomorrow)
    tomorrow_before, _ = visit(client, day_url(tomorrow))
    visit(client, day_url(today))
    stamp = type(person).objects.get(pk=person.pk).data_stamp
    add_seeds(client, person, today)
    # No stamp of the person's replaced: tomorrow's page is still the cached one ...
    assert type(person).objects.get(pk=person.pk).data_stamp == stamp
    tomorrow_after, queries = visit(client, day_url(tomorrow))
    assert queries == HIT_QUERIES
    assert ANY_TOKEN.sub("", tomorrow_after) == ANY_TOKEN.sub("", tomorrow_before)
    # ... while today's, whose version changed with the write, shows the item.
    today_after, queries = visit(client, day_url(today))
    assert "Pumpkin seeds" in today_after
    assert queries > HIT_QUERIES


def test_every_item_write_shows_on_its_days_cached_page(person, today):
    client = logged_in(person)
    planned(person, today)
    seeds = add_seeds(client, person, today, grams="30")
    item = day_get_for(user=person, on=today).ordered_meals[0].live_items[0]
    writes = [
        ("plans:meal_item_update", {f"item-{item.pk}-grams": "45"}, "45 g"),
        ("plans:meal_item_delete", {}, None),
        ("plans:meal_item_restore", {}, "45 g"),
    ]
    for name, data, shown in writes:
        visit(client, day_url(today))
        assert visit(client, day_url(today))[1] == HIT_QUERIES
        assert client.post(reverse(name, args=[item.pk]), data).status_code == 302
        html, queries = visit(client, day_url(today))
        assert queries > HIT_QUERIES
        row = re.search(rf'id="meal-item-{item.pk}".*?</li>', html, re.S)
        if shown is None:
            assert row is None
        else:
            assert seeds.description in row.group(0)
            assert shown in row.group(0)


def test_other_writes_still_replace_the_persons_stamp(person, today):
    client = logged_in(person)
    tomorrow = today + timedelta(days=1)
    planned(person, today, tomorrow)
    visit(client, day_url(tomorrow))
    assert visit(client, day_url(tomorrow))[1] == HIT_QUERIES
    meal = day_get_for(user=person, on=today).ordered_meals[0]
    response = client.post(
        reverse("plans:meal_rename", args=[meal.pk]), {f"meal-{meal.pk}-name": "Early"}
    )
    assert response.status_code == 302
    assert visit(client, day_url(tomorrow))[1] > HIT_QUERIES


def test_a_dietitians_item_write_shows_on_the_clients_cached_page(today):
    link = DietitianLinkFactory()
    client = logged_in(link.client)
    visit(client, day_url(today))
    assert visit(client, day_url(today))[1] == HIT_QUERIES
    add_seeds(logged_in(link.dietitian), link.client, today)
    html, queries = visit(client, day_url(today))
    assert queries > HIT_QUERIES
    assert "Pumpkin seeds" in html


def test_day_stamps_older_than_any_cached_page_are_pruned(person, today):
    old = int(time.time()) - page_cache.TIMEOUT_S - 1
    person.day_stamps = {"2020-01-01": [123, old], "2020-01-02": [456, int(time.time())]}
    person.save(update_fields=["day_stamps"])
    page_cache.day_stamp_bump(owner_id=person.pk, on=today)
    person.refresh_from_db()
    assert sorted(person.day_stamps) == sorted(["2020-01-02", today.isoformat()])
    assert person.day_stamps["2020-01-02"][0] == 456


def test_too_many_day_stamps_start_afresh_and_spoil_every_page(person, today):
    data_stamp = person.data_stamp
    for offset in range(page_cache.MAX_DAY_STAMPS):
        page_cache.day_stamp_bump(owner_id=person.pk, on=today + timedelta(days=offset))
    person.refresh_from_db()
    assert len(person.day_stamps) == page_cache.MAX_DAY_STAMPS
    assert person.data_stamp == data_stamp
    page_cache.day_stamp_bump(owner_id=person.pk, on=today - timedelta(days=1))
    person.refresh_from_db()
    assert person.day_stamps == {}
    assert person.data_stamp != data_stamp
