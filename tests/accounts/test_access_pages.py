"""The access log's "Page" column: a logged path named for the client (accounts/access_pages.py),
with a link to the client's own page of the same thing where there is one.
"""

import re
from datetime import date

import pytest
from django.urls import reverse, set_script_prefix

from accounts.access_pages import ANOTHER_PAGE, PAGES, Page, page_of
from accounts.data_rights import account_data
from accounts.models import AccessAction, AccessLog
from tests.factories import DietitianLinkFactory, ProfileFactory
from tests.test_access_matrix import client_scoped_urls

ON = "2026-11-26"  # a Thursday
MONDAY = "2026-11-23"

# ---------------------------------------------------------------- every route has a name

# A value for each URL argument a client-scoped route takes.
SAMPLE_ARGUMENTS = {"client_id": 12, "on": ON, "pk": 5, "meal_pk": 7, "kind": "pdf"}


def _sample_path(name: str, route: str) -> str:
    names = re.findall(r"<(?:\w+:)?(\w+)>", route)
    unknown = set(names) - set(SAMPLE_ARGUMENTS)
    assert not unknown, f"Add a sample value for {sorted(unknown)} ({name}) to SAMPLE_ARGUMENTS."
    return reverse(name, kwargs={key: SAMPLE_ARGUMENTS[key] for key in names})


def test_every_client_scoped_url_name_has_a_label() -> None:
    found = client_scoped_urls()
    missing = set(found) - set(PAGES)
    assert not missing, f"Name these pages in accounts/access_pages.py PAGES: {sorted(missing)}"
    assert set(PAGES) <= set(found), "PAGES names URLs that are gone or no longer client-scoped."


@pytest.mark.parametrize("name", sorted(client_scoped_urls()))
def test_every_client_scoped_route_resolves_to_its_label_and_own_page(name: str) -> None:
    page = page_of(_sample_path(name, client_scoped_urls()[name]))
    assert page != ANOTHER_PAGE
    assert "{" not in page.label
    if page.own_url is not None:
        # The client's own page is a page they can open, not another dietitian URL.
        assert not page.own_url.startswith("/clients/")


# ---------------------------------------------------------------- each kind of page


def test_a_clients_day_page_is_named_by_its_date_and_links_to_the_clients_own_day() -> None:
    assert page_of(f"/clients/12/day/{ON}/") == Page(
        "Day, Thu 26 Nov 2026", reverse("plans:day", args=[ON])
    )


def test_a_query_string_is_ignored() -> None:
    assert page_of(f"/clients/12/day/{ON}/?edit=5&undo=3") == page_of(f"/clients/12/day/{ON}/")


def test_a_week_is_named_and_linked_by_its_monday_whichever_day_the_path_has() -> None:
    expected = Page("Week of 23 Nov 2026", reverse("plans:week", args=[MONDAY]))
    assert page_of(f"/clients/12/week/{MONDAY}/") == expected
    assert page_of(f"/clients/12/week/{ON}/") == expected


def test_a_write_on_a_day_links_to_the_day_not_to_the_write() -> None:
    day = reverse("plans:day", args=[ON])
    assert page_of(f"/clients/12/day/{ON}/notes/") == Page("Notes, Thu 26 Nov 2026", day)
    assert page_of(f"/clients/12/day/{ON}/dietitian-notes/") == Page("Notes, Thu 26 Nov 2026", day)
    assert page_of(f"/clients/12/day/{ON}/fill/accept/") == Page(
        "Fill the day, Thu 26 Nov 2026: accepted", day
    )


def test_the_client_home_links_to_the_clients_own_plan() -> None:
    assert page_of("/clients/12/") == Page("Your plan", reverse("plans:home"))


def test_the_target_links_to_the_clients_profile() -> None:
    assert page_of("/clients/12/target/") == Page("Profile and target", reverse("accounts:profile"))


def test_a_report_is_named_by_its_kind_and_links_to_the_clients_own_report_page() -> None:
    own = reverse("reports:own_report_page")
    path = "/clients/12/report/pdf/?start=2026-11-01&end=2026-11-30"
    assert page_of(path) == Page("Report (PDF)", own)
    assert page_of("/clients/12/report/days/") == Page("Report: days (CSV)", own)
    assert page_of("/clients/12/report/items/") == Page("Report: foods and supplements (CSV)", own)
    assert page_of("/clients/12/report/xls/") == Page("A report", own)


def test_the_dietitians_own_tools_have_no_page_of_the_clients() -> None:
    assert page_of("/clients/12/tools/") == Page("Target, templates and reports")


def test_planner_objects_by_id_are_named_without_a_query_and_link_nowhere() -> None:
    # No `db` mark: any query would fail this test.
    assert page_of("/plan/meals/5/items/") == Page("A meal: a food added")
    assert page_of("/plan/items/5/delete/") == Page("A food in a meal: removed")
    assert page_of("/plan/doses/5/") == Page("A supplement taken: changed")


def test_a_recipe_in_a_meal_is_not_named_since_its_name_is_a_query_away() -> None:
    assert page_of("/recipes/in-meal/5/delete/") == Page("A recipe in a meal: removed")
    assert page_of("/recipes/meal/7/") == Page("A meal: adding a recipe")


@pytest.mark.parametrize(
    "path",
    [
        "",  # a change made outside a request (a command, a service called directly)
        "/nowhere/",
        "/clients/deleted/day/2026-11-26/",  # a deleted client's entry (data_rights.py)
        "/clients/12/day/2026-02-30/",  # matches the route, names no day
        f"/plan/day/{ON}/",  # a real page, but the person's own: never a dietitian's
        "/clients/12/day/2026-11-2",  # cut at the column's 500 characters
        "not a path at all ?&#",
    ],
)
def test_an_unknown_or_gone_path_is_another_page(path: str) -> None:
    assert page_of(path) == ANOTHER_PAGE


def test_a_path_logged_under_a_script_prefix_resolves_under_it() -> None:
    set_script_prefix("/mg/")
    try:
        assert page_of(f"/mg/clients/12/day/{ON}/") == Page(
            "Day, Thu 26 Nov 2026", f"/mg/plan/day/{ON}/"
        )
        assert page_of(f"/clients/12/day/{ON}/") == ANOTHER_PAGE
    finally:
        set_script_prefix("/")


# ---------------------------------------------------------------- the client's page and export


@pytest.mark.django_db
def test_the_dietitians_page_shows_the_label_linked_to_the_clients_own_page(client) -> None:
    link = DietitianLinkFactory(client=ProfileFactory().user)
    person = link.client
    for path in (f"/clients/{person.pk}/day/{ON}/?edit=5", "/plan/items/9/"):
        AccessLog.objects.create(
            dietitian=link.dietitian, client=person, action=AccessAction.VIEW, path=path
        )
    client.force_login(person)
    html = client.get(reverse("accounts:dietitians")).content.decode()
    own_day = reverse("plans:day", args=[date(2026, 11, 26).isoformat()])
    assert f'<a href="{own_day}">Day, Thu 26 Nov 2026</a>' in html
    assert "<td>A food in a meal: changed</td>" in html
    assert f"/clients/{person.pk}/" not in html


@pytest.mark.django_db
def test_the_data_export_keeps_the_path_and_adds_the_label() -> None:
    link = DietitianLinkFactory(client=ProfileFactory().user)
    path = f"/clients/{link.client.pk}/week/{MONDAY}/"
    AccessLog.objects.create(
        dietitian=link.dietitian, client=link.client, action=AccessAction.VIEW, path=path
    )
    [row] = account_data(user=link.client)["tables"]["access_log"]
    assert (row["path"], row["page"]) == (path, "Week of 23 Nov 2026")
