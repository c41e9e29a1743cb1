"""Undo of an accepted "Fill my day": the bar, the signed token, the service, the client scope."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import person_on
from plans import services
from plans.fill_undo import FILL_UNDO_SALT, fill_undo_token
from plans.models import Day, MealItem
from plans.scoring import score_day, score_to_json
from plans.selectors import day_get_for, day_to_engine
from plans.suggestion_views import UNDO_SALT as SUGGESTION_UNDO_SALT
from tests.factories import (
    DayFactory,
    DietitianLinkFactory,
    MealFactory,
    MealItemFactory,
    ProfileFactory,
    sr28_foods,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_candidate_pool")]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def foods():
    """Real SR28 codes of the curated add candidates, with their per-100 g values."""
    return sr28_foods("pumpkin", "almonds", "beans", "kale")


@pytest.fixture
def day(person, foods):
    made = services.day_get_or_create(user=person, on=timezone.localdate(), editor=person)
    MealItemFactory(meal=made.meals.get(name="Lunch"), food=foods["kale"], grams=50)
    return made


def snapshot(user, on):
    """The day exactly: its live items (with amounts and places) and the engine's JSON."""
    fresh = day_get_for(user=user, on=on)
    items = sorted(
        (m.name, i.pk, i.food.code, i.grams, i.portion_id, i.portion_quantity, i.position)
        for m in fresh.ordered_meals
        for i in m.live_items
    )
    score = score_to_json(score_day(day_to_engine(fresh, person_on(user.profile, on))))
    return items, score


def accept(http, fill_url, accept_url, **headers):
    """Accept the fill page's proposal as it stands; returns the response."""
    html = http.get(fill_url).content.decode()
    fields = dict(
        re.findall(r'name="([a-z0-9_-]+)" value="([^"]*)"', html.split('id="fill-accept"')[0])
    )
    fields.pop("csrfmiddlewaretoken", None)
    assert int(fields["count"]) >= 2, "the proposal should add several foods"
    return http.post(accept_url, fields, **headers)


def bar(html):
    """The Undo bar's text, action and fields, or None when the page shows none."""
    found = re.search(
        r'<div id="undo" class="message undo-bar" role="status">\s*<span>([^<]*)</span>'
        r'\s*<form method="post" action="([^"]*)".*?</form>',
        html,
        re.S,
    )
    if found is None:
        return None
    fields = dict(re.findall(r'name="([a-z_]+)" value="([^"]*)"', found.group(0)))
    fields.pop("csrfmiddlewaretoken", None)
    return {"text": found.group(1), "action": found.group(2), "fields": fields}


def url(name, on):
    return reverse(f"plans:{name}", args=[on.isoformat()])


def added_pks(day, before):
    known = {row[1] for row in before[0]}
    return sorted(
        pk
        for pk in MealItem.objects.filter(meal__day=day, deleted_at__isnull=True).values_list(
            "pk", flat=True
        )
        if pk not in known
    )


def test_accept_then_undo_with_htmx_restores_the_exact_day(client, person, day):
    before = snapshot(person, day.date)
    response = accept(client, url("fill", day.date), url("fill_accept", day.date), **HTMX)
    assert response.status_code == 200
    landing_url = response["HX-Redirect"]
    assert landing_url.startswith(url("day", day.date) + "?undo_fill=")
    added = added_pks(day, before)
    assert len(added) >= 2
    assert snapshot(person, day.date) != before

    undo = bar(client.get(landing_url).content.decode())
    assert undo["text"] == f"Added {len(added)} foods to your day."
    assert undo["action"] == url("fill_undo", day.date)
    response = client.post(undo["action"], undo["fields"], **HTMX)
    assert response.status_code == 200
    assert 'id="day-meals"' in response.content.decode()
    assert bar(response.content.decode()) is None
    assert snapshot(person, day.date) == before
    # Soft deletes, as an item's delete: each added item keeps its own Undo.
    removed = MealItem.objects.filter(pk__in=added)
    assert all(item.deleted_at is not None for item in removed)
    restore = client.post(reverse("plans:meal_item_restore", args=[added[0]]))
    assert restore.status_code == 302
    assert MealItem.objects.get(pk=added[0]).deleted_at is None


def test_the_no_js_flow_redirects_to_the_bar_and_back_to_the_day(client, person, day):
    before = snapshot(person, day.date)
    response = accept(client, url("fill", day.date), url("fill_accept", day.date))
    assert response.status_code == 302
    assert response["Location"].endswith("#undo")
    page = client.get(response["Location"])
    undo = bar(page.content.decode())
    assert undo["text"].startswith("Added ")
    assert undo["fields"]["day_version"] == f"{day.pk}:{Day.objects.get(pk=day.pk).version}"
    response = client.post(undo["action"], undo["fields"])
    assert response.status_code == 302
    assert response["Location"] == url("day", day.date) + "#day-meals"
    assert bar(client.get(response["Location"]).content.decode()) is None
    assert snapshot(person, day.date) == before


def test_undoing_twice_changes_nothing_the_second_time(client, person, day):
    before = snapshot(person, day.date)
    response = accept(client, url("fill", day.date), url("fill_accept", day.date))
    undo = bar(client.get(response["Location"]).content.decode())
    assert client.post(undo["action"], undo["fields"]).status_code == 302
    version = Day.objects.get(pk=day.pk).version
    again = client.post(undo["action"], {"token": undo["fields"]["token"]}, **HTMX)
    assert again.status_code == 200
    assert Day.objects.get(pk=day.pk).version == version
    assert snapshot(person, day.date) == before
    # And the landing page of the old accept no longer offers an Undo with nothing left.
    assert bar(client.get(response["Location"]).content.decode()) is None


def test_an_item_changed_since_is_still_removed(client, person, day, foods):
    before = snapshot(person, day.date)
    response = accept(client, url("fill", day.date), url("fill_accept", day.date))
    token = parse_qs(urlsplit(response["Location"]).query)["undo_fill"][0]
    added = MealItem.objects.filter(pk__in=added_pks(day, before))
    edited, moved = added[0], added[1]
    services.meal_item_update(item=edited, editor=person, grams=3.0)
    dinner = day.meals.get(name="Dinner")
    MealItem.objects.filter(pk=moved.pk).update(meal=dinner)
    response = client.post(url("fill_undo", day.date), {"token": token})
    assert response.status_code == 302
    assert snapshot(person, day.date) == before


def test_a_stale_day_version_is_409_and_removes_nothing(client, person, day, foods):
    before = snapshot(person, day.date)
    response = accept(client, url("fill", day.date), url("fill_accept", day.date))
    undo = bar(client.get(response["Location"]).content.decode())
    # Another tab adds something meanwhile.
    services.meal_item_add(
        meal=day.meals.get(name="Dinner"), food=foods["kale"], editor=person, grams=20
    )
    after_other_tab = snapshot(person, day.date)
    response = client.post(undo["action"], undo["fields"])
    assert response.status_code == 409
    assert snapshot(person, day.date) == after_other_tab
    assert after_other_tab != before
    response = client.post(
        undo["action"],
        {"token": undo["fields"]["token"]},
        HTTP_X_DAY_VERSION=undo["fields"]["day_version"],
        **HTMX,
    )
    assert response.status_code == 409
    assert snapshot(person, day.date) == after_other_tab


@pytest.mark.parametrize(
    "forge",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "",
        lambda token: "not-a-token",
        # Signed by this site, but for the suggestion undo: another salt does not verify.
        lambda token: signing.dumps(
            signing.loads(token, salt=FILL_UNDO_SALT), salt=SUGGESTION_UNDO_SALT
        ),
        # Signed with the right salt but not the accept's shape.
        lambda token: signing.dumps({"day": "1", "items": "1,2"}, salt=FILL_UNDO_SALT),
        lambda token: signing.dumps([1, 2], salt=FILL_UNDO_SALT),
    ],
)
def test_a_tampered_token_is_422_and_removes_nothing(client, person, day, forge):
    before = snapshot(person, day.date)
    response = accept(client, url("fill", day.date), url("fill_accept", day.date))
    token = parse_qs(urlsplit(response["Location"]).query)["undo_fill"][0]
    after_accept = snapshot(person, day.date)
    for htmx in ({}, HTMX):
        refused = client.post(url("fill_undo", day.date), {"token": forge(token)}, **htmx)
        assert refused.status_code == 422
        assert "This Undo is no longer valid" in refused.content.decode()
        if htmx:
            assert refused["HX-Retarget"] == "#day-conflict"
        assert snapshot(person, day.date) == after_accept != before
    # The page with a forged token shows no bar.
    landing = client.get(url("day", day.date), {"undo_fill": forge(token)})
    assert bar(landing.content.decode()) is None


def test_an_expired_token_is_refused(client, person, day, monkeypatch):
    response = accept(client, url("fill", day.date), url("fill_accept", day.date))
    token = parse_qs(urlsplit(response["Location"]).query)["undo_fill"][0]
    after_accept = snapshot(person, day.date)
    monkeypatch.setattr("plans.fill_undo.FILL_UNDO_MAX_AGE_S", -1)
    refused = client.post(url("fill_undo", day.date), {"token": token})
    assert refused.status_code == 422
    assert "nothing was changed" in refused.content.decode()
    assert snapshot(person, day.date) == after_accept


def test_ids_of_another_persons_items_are_refused_and_left_alone(client, person, day, foods):
    other = ProfileFactory().user
    other_day = DayFactory(plan__owner=other, date=day.date)
    theirs = MealItemFactory(meal=MealFactory(day=other_day, name="Lunch"), food=foods["kale"])
    own_other_day = DayFactory(plan=day.plan, date=day.date.fromordinal(day.date.toordinal() - 1))
    own_elsewhere = MealItemFactory(meal=MealFactory(day=own_other_day), food=foods["kale"])
    mine = MealItem.objects.get(meal__day=day)
    before = snapshot(person, day.date)
    for token in (
        # This day's pk with their item, alone or among this day's own.
        fill_undo_token(day_pk=day.pk, item_pks=[theirs.pk]),
        fill_undo_token(day_pk=day.pk, item_pks=[mine.pk, theirs.pk]),
        # Their day's token, posted to this day and to theirs (which this person cannot reach).
        fill_undo_token(day_pk=other_day.pk, item_pks=[theirs.pk]),
        # Another day of this person's own, and an id that is no item at all.
        fill_undo_token(day_pk=day.pk, item_pks=[own_elsewhere.pk]),
        fill_undo_token(day_pk=day.pk, item_pks=[10**9]),
    ):
        assert client.post(url("fill_undo", day.date), {"token": token}).status_code == 404
        assert client.post(url("fill_undo", day.date), {"token": token}, **HTMX).status_code == 404
    assert snapshot(person, day.date) == before
    assert MealItem.objects.get(pk=theirs.pk).deleted_at is None
    assert MealItem.objects.get(pk=own_elsewhere.pk).deleted_at is None
    # A day not planned yet is not created by a refused undo.
    later = day.date.fromordinal(day.date.toordinal() + 1)
    token = fill_undo_token(day_pk=day.pk, item_pks=[mine.pk])
    assert client.post(url("fill_undo", later), {"token": token}).status_code == 404
    assert not Day.objects.filter(plan=day.plan, date=later).exists()


def test_the_service_touches_only_this_days_items(person, day, foods):
    other_item = MealItemFactory(meal=MealFactory(day=DayFactory()), food=foods["kale"])
    mine = MealItem.objects.get(meal__day=day)
    version = Day.objects.get(pk=day.pk).version
    for pks in ([], [other_item.pk], [mine.pk, other_item.pk]):
        with pytest.raises(ValidationError):
            services.fill_undo(day=day, item_pks=pks, editor=person)
    assert MealItem.objects.filter(deleted_at__isnull=False).count() == 0
    assert Day.objects.get(pk=day.pk).version == version
    removed = services.fill_undo(day=day, item_pks=[mine.pk], editor=person)
    assert [item.pk for item in removed] == [mine.pk]
    assert Day.objects.get(pk=day.pk).version == version + 1
    assert services.fill_undo(day=day, item_pks=[mine.pk], editor=person) == []
    assert Day.objects.get(pk=day.pk).version == version + 1


def test_a_dietitian_undoes_a_fill_on_the_clients_day(foods):
    link = DietitianLinkFactory()
    client_user, dietitian = link.client, link.dietitian
    on = timezone.localdate()
    day = services.day_get_or_create(user=client_user, on=on, editor=client_user)
    MealItemFactory(meal=day.meals.get(name="Lunch"), food=foods["kale"], grams=50)
    before = snapshot(client_user, on)
    http = Client()
    http.force_login(dietitian)
    args = [client_user.pk, on.isoformat()]
    response = accept(
        http, reverse("clients:fill", args=args), reverse("clients:fill_accept", args=args)
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("clients:day", args=args) + "?undo_fill=")
    undo = bar(http.get(response["Location"]).content.decode())
    assert undo["action"] == reverse("clients:fill_undo", args=args)
    # The client's token means nothing on the dietitian's own plan.
    own = http.post(reverse("plans:fill_undo", args=[on.isoformat()]), undo["fields"])
    assert own.status_code == 404
    # Nor to a dietitian not linked to the client.
    stranger = Client()
    stranger.force_login(DietitianLinkFactory().dietitian)
    assert stranger.post(undo["action"], undo["fields"]).status_code == 404
    assert snapshot(client_user, on) != before
    response = http.post(undo["action"], undo["fields"])
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:day", args=args) + "#day-meals"
    assert snapshot(client_user, on) == before
    assert Day.objects.get(pk=day.pk).last_edited_by == dietitian
    assert not Day.objects.filter(plan__owner=dietitian).exists()
