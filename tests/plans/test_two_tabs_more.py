"""Two tabs on one day, continued: a form opened on something deleted in the other tab gets
the reload prompt, and typed day notes survive an unrelated change made in the other tab."""

import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DietitianLink
from plans import services
from plans.concurrency import DayVersion, expecting_day_version
from plans.models import Day, MealItem
from plans.selectors import day_get_for
from tests.factories import (
    DietitianLinkFactory,
    FoodFactory,
    ProfileFactory,
    SupplementDoseFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
CONFLICT_TEXT = "This day was changed in another tab or by your dietitian"
NOTES_CHANGED = "Not saved: these notes were changed in another tab or by your dietitian."


def day_url(on):
    return reverse("plans:day", args=[on.isoformat()])


def rendered_version(page: str) -> str:
    found = re.search(r'data-day-version="(\d+:\d+)"', page)
    assert found is not None
    return found.group(1)


def notes_seen(page: str) -> str:
    """The notes the page's notes form says it showed (its hidden `notes_seen`)."""
    found = re.search(r'name="notes_seen" value="([^"]*)"', page)
    assert found is not None
    return html.unescape(found.group(1))


def textarea(page: str) -> str:
    found = re.search(r'<textarea id="day-notes-text"[^>]*>(.*?)</textarea>', page, flags=re.S)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.fixture
def planned(person, today):
    """Today with one item in its first meal and one dose, as both tabs opened it."""
    day = services.day_get_or_create(user=person, on=today, editor=person)
    meal = day.meals.order_by("position").first()
    item = services.meal_item_add(meal=meal, food=FoodFactory(), grams=30, editor=person)
    dose = SupplementDoseFactory(day=day)
    return Day.objects.get(pk=day.pk), meal, item, dose


# ---------------------------------------------------------------- 1. a form opened on what is gone


def _opening(planned, what: str) -> str:
    """The URL of the htmx read that opens a form on `what`, once that is deleted."""
    _, meal, item, dose = planned
    if what in ("item", "item-cancel", "item-of-deleted-meal"):
        suffix = "?cancel=1" if what == "item-cancel" else ""
        return reverse("plans:meal_item_edit", args=[item.pk]) + suffix
    if what == "picker":
        return reverse("plans:food_picker", args=[meal.pk]) + "?q=seeds"
    if what == "amount":
        return reverse("plans:food_amount_form", args=[meal.pk]) + f"?food={item.food_id}"
    return reverse("plans:supplement_dose_edit", args=[dose.pk])


def _delete_in_the_other_tab(client: Client, planned, what: str) -> None:
    _, meal, item, dose = planned
    if what in ("item", "item-cancel"):
        url = reverse("plans:meal_item_delete", args=[item.pk])
    elif what == "dose":
        url = reverse("plans:supplement_dose_delete", args=[dose.pk])
    else:
        url = reverse("plans:meal_delete", args=[meal.pk])
    assert client.post(url).status_code == 302


@pytest.mark.parametrize(
    "what", ["item", "item-cancel", "item-of-deleted-meal", "picker", "amount", "dose"]
)
def test_opening_a_form_on_what_another_tab_deleted_gets_the_reload_prompt(
    client, person, today, planned, what
) -> None:
    url = _opening(planned, what)
    assert client.get(url, **HTMX).status_code == 200  # opens while it is there
    _delete_in_the_other_tab(client, planned, what)

    response = client.get(url, **HTMX)

    assert response.status_code == 409
    assert response["HX-Retarget"] == "#day-conflict"
    assert response["HX-Reswap"] == "innerHTML"
    body = response.content.decode()
    assert CONFLICT_TEXT in body
    assert "<h2>This day has changed</h2>" in body  # nothing was being saved
    assert f'href="{day_url(today)}" id="conflict-reload"' in body
    assert "<html" not in body


def test_the_prompt_also_comes_with_debug_on(client, person, today, planned, settings) -> None:
    settings.DEBUG = True
    url = _opening(planned, "item")
    _delete_in_the_other_tab(client, planned, "item")
    assert client.get(url, **HTMX).status_code == 409


def test_a_dietitians_prompt_reloads_the_clients_day(client, today) -> None:
    link = DietitianLinkFactory()
    day = services.day_get_or_create(user=link.client, on=today, editor=link.client)
    meal = day.meals.order_by("position").first()
    item = services.meal_item_add(meal=meal, food=FoodFactory(), grams=30, editor=link.client)
    client.force_login(link.dietitian)
    client_day = reverse("clients:day", args=[link.client.pk, today.isoformat()])
    version = rendered_version(client.get(client_day).content.decode())
    # The client deletes the item in their own tab.
    services.meal_item_delete(item=item, editor=link.client)

    opened = client.get(reverse("plans:meal_item_edit", args=[item.pk]), **HTMX)
    assert opened.status_code == 409
    assert f'href="{client_day}"' in opened.content.decode()
    # A write from the same page (its 404 turned into the prompt by the version it sent)
    # reloads the client's day too, not the dietitian's own.
    written = client.post(
        reverse("plans:meal_item_delete", args=[item.pk]), {"day_version": version}
    )
    assert written.status_code == 409
    assert f'href="{client_day}"' in written.content.decode()


def test_what_is_not_a_deleted_object_of_a_visible_day_stays_a_404(
    client, person, today, planned
) -> None:
    _, meal, item, _ = planned
    edit = reverse("plans:meal_item_edit", args=[item.pk])
    # No such item at all; a food that is not there for a meal that is.
    assert client.get(reverse("plans:meal_item_edit", args=[999999]), **HTMX).status_code == 404
    amount = reverse("plans:food_amount_form", args=[meal.pk]) + "?food=999999"
    assert client.get(amount, **HTMX).status_code == 404
    # Someone else's item, live or deleted: nothing is revealed about it.
    stranger = ProfileFactory().user
    theirs_day = services.day_get_or_create(user=stranger, on=today, editor=stranger)
    theirs_meal = theirs_day.meals.first()
    theirs = services.meal_item_add(meal=theirs_meal, food=FoodFactory(), grams=5, editor=stranger)
    theirs_edit = reverse("plans:meal_item_edit", args=[theirs.pk])
    assert client.get(theirs_edit, **HTMX).status_code == 404
    services.meal_item_delete(item=theirs, editor=stranger)
    assert client.get(theirs_edit, **HTMX).status_code == 404
    # Without htmx the request does not come from the day page's "Edit" (its link opens the
    # day itself), so a deleted item's address is a plain 404.
    services.meal_item_delete(item=MealItem.objects.get(pk=item.pk), editor=person)
    assert client.get(edit).status_code == 404


@pytest.mark.parametrize("how", ["day copy", "day template"])
def test_edit_on_a_row_another_tab_replaced_gets_the_prompt_by_the_pages_version(
    client, person, today, planned, how
) -> None:
    """Rows a copy or a template replaced are deleted for good, so nothing of theirs says
    which day they were on: the version the page sent (day_version.js sends it on every
    htmx request) says the page is stale."""
    item = planned[2]
    version = rendered_version(client.get(day_url(today)).content.decode())
    other = services.day_get_or_create(user=person, on=today.replace(day=1), editor=person)
    if today.day == 1:
        other = services.day_get_or_create(user=person, on=today.replace(day=2), editor=person)
    services.meal_item_add(meal=other.meals.first(), food=FoodFactory(), grams=10, editor=person)
    if how == "day copy":
        services.day_copy(source=other, dates=[today], mode="replace", editor=person)
    else:
        template = services.day_template_save(source=other, name="Usual day", owner=person)
        services.template_assign(
            template=template, client=person, start=today, mode="replace", editor=person
        )
    assert not MealItem.objects.filter(pk=item.pk).exists()
    edit = reverse("plans:meal_item_edit", args=[item.pk])

    response = client.get(edit, HTTP_X_DAY_VERSION=version, **HTMX)

    assert response.status_code == 409
    assert response["HX-Retarget"] == "#day-conflict"
    assert CONFLICT_TEXT in response.content.decode()
    # Without the page's version (not from the day page), or from a page that is current,
    # a missing row is a plain 404.
    assert client.get(edit, **HTMX).status_code == 404
    day = Day.objects.get(pk=planned[0].pk)
    current = f"{day.pk}:{day.version}"  # what the page shows once reloaded
    assert client.get(edit, HTTP_X_DAY_VERSION=current, **HTMX).status_code == 404


def test_a_read_sending_someone_elses_day_version_reveals_nothing(client, person, today) -> None:
    stranger = ProfileFactory().user
    theirs = services.day_get_or_create(user=stranger, on=today, editor=stranger)
    stale = f"{theirs.pk}:{theirs.version - 1}"
    missing = reverse("plans:meal_item_edit", args=[999999])
    assert client.get(missing, HTTP_X_DAY_VERSION=stale, **HTMX).status_code == 404
    assert client.get(missing, HTTP_X_DAY_VERSION="garbage", **HTMX).status_code == 404


@pytest.mark.parametrize("htmx_read", [True, False], ids=["edit", "write"])
def test_rights_withdrawn_on_a_changed_day_say_so_not_this_day_has_changed(
    client, today, htmx_read
) -> None:
    """The client changed the day and withdrew the right to edit: the dietitian's next Edit
    or write from the open page gets the rights message, not the reload prompt."""
    link = DietitianLinkFactory()
    day = services.day_get_or_create(user=link.client, on=today, editor=link.client)
    item = services.meal_item_add(
        meal=day.meals.first(), food=FoodFactory(), grams=30, editor=link.client
    )
    client.force_login(link.dietitian)
    client_day = reverse("clients:day", args=[link.client.pk, today.isoformat()])
    version = rendered_version(client.get(client_day).content.decode())
    services.meal_item_add(meal=day.meals.first(), food=FoodFactory(), grams=5, editor=link.client)
    DietitianLink.objects.filter(pk=link.pk).update(can_edit_plans=False)
    headers = {
        "HTTP_HX_CURRENT_URL": f"http://testserver{client_day}",
        "HTTP_X_DAY_VERSION": version,
        **HTMX,
    }
    if htmx_read:
        response = client.get(reverse("plans:meal_item_edit", args=[item.pk]), **headers)
    else:
        response = client.post(reverse("plans:meal_item_delete", args=[item.pk]), **headers)

    assert response.status_code == 404
    assert response["HX-Redirect"] == client_day
    assert MealItem.objects.filter(pk=item.pk, deleted_at__isnull=True).exists()


def test_a_dietitian_whose_link_ended_is_still_sent_to_the_client_list(client, today) -> None:
    link = DietitianLinkFactory()
    day = services.day_get_or_create(user=link.client, on=today, editor=link.client)
    item = services.meal_item_add(
        meal=day.meals.first(), food=FoodFactory(), grams=30, editor=link.client
    )
    client.force_login(link.dietitian)
    client_day = reverse("clients:day", args=[link.client.pk, today.isoformat()])
    services.meal_item_delete(item=item, editor=link.client)
    DietitianLink.objects.filter(pk=link.pk).update(revoked_at=timezone.now())

    response = client.get(
        reverse("plans:meal_item_edit", args=[item.pk]),
        HTTP_HX_CURRENT_URL=f"http://testserver{client_day}",
        **HTMX,
    )

    # ClientAccessMiddleware's answer (plans/client_scope.py), not the reload prompt.
    assert response.status_code == 404
    assert response["HX-Redirect"] == reverse("clients:list")


# ---------------------------------------------------------------- 2. typed day notes


def _notes_post(client, today, *, notes, seen, version, htmx=True):
    data = {"notes": notes, "notes_seen": seen}
    headers = {"HTTP_X_DAY_VERSION": version, **HTMX} if htmx else {}
    if not htmx:
        data["day_version"] = version
    return client.post(reverse("plans:day_notes", args=[today.isoformat()]), data, **headers)


@pytest.mark.parametrize("htmx", [True, False])
def test_notes_typed_before_another_tab_added_food_are_saved(
    client, person, today, planned, htmx
) -> None:
    day, meal, _, _ = planned
    services.day_notes_update(day=day, notes="Tired.", editor=person)
    page = client.get(day_url(today)).content.decode()
    version, seen = rendered_version(page), notes_seen(page)
    assert seen == "Tired."
    # The other tab adds food: the day moves on, the notes do not.
    added = client.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {
            f"add-{meal.pk}-food": FoodFactory().pk,
            f"add-{meal.pk}-grams": "20",
            f"add-{meal.pk}-preparation": "none",
        },
    )
    assert added.status_code == 302
    moved = Day.objects.get(pk=day.pk).version

    saved = _notes_post(
        client, today, notes="Tired.\nSlept badly.", seen=seen, version=version, htmx=htmx
    )

    assert saved.status_code == (200 if htmx else 302)
    after = Day.objects.get(pk=day.pk)
    assert after.notes == "Tired.\nSlept badly."
    # Still one write like any other: the version moves, so the other tab's next write is
    # refused; and this page, which has not seen the added food, is not handed the new one.
    assert after.version == moved + 1
    assert "X-Day-Version" not in saved
    stale_write = client.post(
        reverse("plans:meal_rename", args=[meal.pk]),
        {f"meal-{meal.pk}-name": "Brunch", "day_version": version},
    )
    assert stale_write.status_code == 409


def test_a_current_page_is_handed_the_version_its_notes_save_left(
    client, person, today, planned
) -> None:
    day = planned[0]
    page = client.get(day_url(today)).content.decode()
    saved = _notes_post(
        client, today, notes="Rest day.", seen=notes_seen(page), version=rendered_version(page)
    )
    assert saved.status_code == 200
    assert saved["X-Day-Version"] == f"{day.pk}:{day.version + 1}"
    assert "Saved." in saved.content.decode()
    assert notes_seen(saved.content.decode()) == "Rest day."


@pytest.mark.parametrize("htmx", [True, False])
def test_notes_saved_in_both_tabs_show_both_texts_and_the_merge_saves(
    client, person, today, planned, htmx
) -> None:
    day = planned[0]
    page = client.get(day_url(today)).content.decode()
    version, seen = rendered_version(page), notes_seen(page)
    assert seen == ""
    services.day_notes_update(day=day, notes="From the other tab.", editor=person)
    moved = Day.objects.get(pk=day.pk).version

    refused = _notes_post(
        client, today, notes="Mine <b>typed</b>.", seen=seen, version=version, htmx=htmx
    )

    assert refused.status_code == 409
    body = refused.content.decode()
    assert ("<html" in body) is not htmx
    assert NOTES_CHANGED in body
    assert textarea(body) == "Mine <b>typed</b>."  # kept, escaped
    assert '<div class="field" id="day-notes-stored">' in body
    assert "From the other tab." in body.split('id="day-notes-stored"')[1]
    # The next save is checked against the notes now shown as stored.
    assert notes_seen(body) == "From the other tab."
    after = Day.objects.get(pk=day.pk)
    assert (after.notes, after.version) == ("From the other tab.", moved)

    merged = _notes_post(
        client,
        today,
        notes="From the other tab. Mine.",
        seen=notes_seen(body),
        version=version,
        htmx=htmx,
    )
    assert merged.status_code == (200 if htmx else 302)
    assert Day.objects.get(pk=day.pk).notes == "From the other tab. Mine."


def test_notes_cleared_in_the_other_tab_are_said_to_be_cleared(
    client, person, today, planned
) -> None:
    day = planned[0]
    services.day_notes_update(day=day, notes="Old.", editor=person)
    page = client.get(day_url(today)).content.decode()
    services.day_notes_update(day=Day.objects.get(pk=day.pk), notes="", editor=person)
    refused = _notes_post(
        client, today, notes="New.", seen=notes_seen(page), version=rendered_version(page)
    )
    assert refused.status_code == 409
    assert "None: they were cleared." in refused.content.decode()


def test_line_breaks_and_the_same_text_are_no_conflict(client, person, today, planned) -> None:
    day = planned[0]
    # A plain form sends CRLF, htmx LF: the same notes either way.
    services.day_notes_update(day=day, notes="one\r\ntwo", editor=person)
    page = client.get(day_url(today)).content.decode()
    version = rendered_version(page)
    saved = _notes_post(client, today, notes="one\ntwo\nthree", seen="one\ntwo", version=version)
    assert saved.status_code == 200
    # Both tabs typed the same: nothing to merge.
    services.day_notes_update(day=Day.objects.get(pk=day.pk), notes="agreed", editor=person)
    same = _notes_post(client, today, notes="agreed", seen="one\ntwo\nthree", version=version)
    assert same.status_code == 200


def test_an_invalid_save_keeps_the_notes_it_was_typed_over(client, person, today, planned) -> None:
    day = planned[0]
    page = client.get(day_url(today)).content.decode()
    services.day_notes_update(day=day, notes="Meanwhile.", editor=person)
    too_long = _notes_post(
        client, today, notes="x" * 4001, seen=notes_seen(page), version=rendered_version(page)
    )
    assert too_long.status_code == 422
    # Not the stored notes: the next save must still see that they changed.
    assert notes_seen(too_long.content.decode()) == ""


def test_a_notes_post_without_notes_seen_is_checked_by_the_version(
    client, person, today, planned
) -> None:
    day = planned[0]
    version = rendered_version(client.get(day_url(today)).content.decode())
    services.day_notes_update(day=day, notes="Elsewhere.", editor=person)
    response = client.post(
        reverse("plans:day_notes", args=[today.isoformat()]),
        {"notes": "mine", "day_version": version},
    )
    assert response.status_code == 409
    assert CONFLICT_TEXT in response.content.decode()
    assert Day.objects.get(pk=day.pk).notes == "Elsewhere."


def test_the_waived_check_leaves_the_request_its_own_version_only_when_current(
    person, today
) -> None:
    day = services.day_get_or_create(user=person, on=today, editor=person)
    version = day.version
    with expecting_day_version(DayVersion(day.pk, version)) as written:
        services.day_notes_update(day=day, notes="a", notes_seen="", editor=person)
    assert written == {day.pk: version + 1}
    # The page still at the first version: saved, but it is not handed the one left.
    with expecting_day_version(DayVersion(day.pk, version)) as written:
        services.day_notes_update(
            day=day_get_for(user=person, on=today), notes="b", notes_seen="a", editor=person
        )
    assert written == {}
    assert Day.objects.get(pk=day.pk).version == version + 2
