"""A custom target applies from the day it is set or cleared on; the days before keep the
target they had (accounts.services._custom_target_change, plans.targets.custom_target_in_force)."""

import html
import importlib
import io
import re
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts import services
from accounts.backends import USER_BACKEND
from accounts.data_rights import account_data, account_remove
from accounts.models import Profile
from accounts.selectors import custom_target_changes, person_on, profile_for, target_periods
from plans import services as plan_services
from plans.report_selectors import report_data
from plans.workspace_selectors import client_summaries
from tests.factories import DietitianLinkFactory, FoodFactory, MealItemFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
# The client is a woman of 34 (tests/factories.py ProfileFactory).
RDA_LINE = "RDA, women 31 and over: 320 mg."


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def link():
    return DietitianLinkFactory(dietitian__display_name="Dr Ada Vale")


def _as(user) -> Client:
    http = Client()
    http.force_login(user, backend=USER_BACKEND)
    return http


def _set(link, mg: int, reason: str, on: date | None = None) -> None:
    services.custom_target_set(
        dietitian=link.dietitian, client=link.client, target_mg=mg, reason=reason, today=on
    )


def _target_mg(user, on: date) -> float | None:
    return person_on(profile_for(user=user), on).target_mg


def _history(user) -> list[dict]:
    return Profile.objects.get(user=user).custom_target_history


def _planned_day(user, on: date) -> None:
    day = plan_services.day_get_or_create(user=user, on=on, editor=user)
    MealItemFactory(meal=day.meals.first(), food=FoodFactory(), grams=60)


def test_a_target_applies_from_today_on_and_past_reports_and_the_client_list_stay(link):
    client_user = link.client
    _planned_day(client_user, YESTERDAY)
    report_before = report_data(owner=client_user, start=YESTERDAY, end=YESTERDAY).report
    summary_before = client_summaries(dietitian=link.dietitian, today=TODAY)[0]
    assert report_before.average_target_mg == 320

    _set(link, 400, "Migraine trial")  # today, in the app's time zone

    assert _target_mg(client_user, YESTERDAY) is None
    assert _target_mg(client_user, TODAY) == 400
    assert _target_mg(client_user, TODAY + timedelta(days=60)) == 400  # future days too
    report_after = report_data(owner=client_user, start=YESTERDAY, end=YESTERDAY).report
    assert report_after.average_target_mg == 320
    assert report_after.average_percent == report_before.average_percent
    summary_after = client_summaries(dietitian=link.dietitian, today=TODAY)[0]
    assert summary_after.average_percent == summary_before.average_percent
    assert _history(client_user) == [
        {"from": TODAY.isoformat(), "mg": 400, "reason": "Migraine trial", "by": link.dietitian.pk}
    ]


def test_a_new_target_leaves_the_previous_one_on_the_days_before(link):
    first, second = date(2026, 3, 10), date(2026, 3, 20)
    _set(link, 350, "First", on=first)
    _set(link, 400, "Second", on=second)
    client_user = link.client
    assert _target_mg(client_user, first - timedelta(days=1)) is None
    assert _target_mg(client_user, first) == 350
    assert _target_mg(client_user, second - timedelta(days=1)) == 350
    assert _target_mg(client_user, second) == 400
    # The profile shows the current one.
    profile = Profile.objects.get(user=client_user)
    assert (profile.custom_target_mg, profile.custom_target_reason) == (400, "Second")


def test_the_reports_target_periods_name_each_targets_reason_and_dietitian(link):
    colleague = DietitianLinkFactory(client=link.client, dietitian__display_name="Dr Bo Lind")
    first, second = date(2026, 3, 10), date(2026, 3, 20)
    _set(link, 350, "First", on=first)
    services.custom_target_set(
        dietitian=colleague.dietitian,
        client=link.client,
        target_mg=400,
        reason="Second",
        today=second,
    )
    profile = profile_for(user=link.client)
    # Both dietitians' names in one query, as one custom target's name was.
    with CaptureQueriesContext(connection) as queries:
        periods = target_periods(profile, date(2026, 3, 9), date(2026, 3, 21))
    assert len(queries) == 1
    assert periods == [
        (date(2026, 3, 9), date(2026, 3, 9), RDA_LINE),
        (first, date(2026, 3, 19), "Custom target set by Dr Ada Vale: 350 mg — First."),
        (second, date(2026, 3, 21), "Custom target set by Dr Bo Lind: 400 mg — Second."),
    ]


def test_setting_twice_on_one_day_replaces_that_days_entry(link):
    _set(link, 350, "First")
    _set(link, 400, "Second")
    assert _history(link.client) == [
        {"from": TODAY.isoformat(), "mg": 400, "reason": "Second", "by": link.dietitian.pk}
    ]
    # Cleared the same day: no day ever had a custom target, so there is nothing to keep.
    services.custom_target_clear(dietitian=link.dietitian, client=link.client)
    assert _history(link.client) == []


def test_clearing_adds_an_entry_without_mg_and_the_days_before_keep_the_target(link):
    first, cleared = date(2026, 3, 10), date(2026, 3, 20)
    _set(link, 350, "First", on=first)
    services.custom_target_clear(dietitian=link.dietitian, client=link.client, today=cleared)
    assert _history(link.client)[-1] == {
        "from": cleared.isoformat(),
        "mg": None,
        "reason": "",
        "by": link.dietitian.pk,
    }
    assert _target_mg(link.client, cleared - timedelta(days=1)) == 350
    assert _target_mg(link.client, cleared) is None
    # Clearing again changes no day: no entry.
    services.custom_target_clear(
        dietitian=link.dietitian, client=link.client, today=cleared + timedelta(days=1)
    )
    assert len(_history(link.client)) == 2


def test_a_target_set_before_there_was_history_keeps_its_past_days(link):
    Profile.objects.filter(user=link.client).update(
        custom_target_mg=380, custom_target_reason="Old", custom_target_set_by=link.dietitian
    )
    assert _target_mg(link.client, date(2000, 1, 1)) == 380  # no history: always
    _set(link, 420, "New")
    assert _target_mg(link.client, YESTERDAY) == 380
    assert _target_mg(link.client, TODAY) == 420
    assert _history(link.client)[0] == {
        "from": None,
        "mg": 380,
        "reason": "Old",
        "by": link.dietitian.pk,
    }


def test_the_data_migration_gives_existing_targets_an_entry_from_always(link):
    migration = importlib.import_module("accounts.migrations.0009_custom_target_history")
    Profile.objects.filter(user=link.client).update(
        custom_target_mg=380, custom_target_reason="Old", custom_target_set_by=link.dietitian
    )
    migration.existing_targets_apply_always(apps, None)
    assert _history(link.client) == [
        {"from": None, "mg": 380, "reason": "Old", "by": link.dietitian.pk}
    ]
    assert _history(link.dietitian) == []  # no custom target: no history


def test_a_past_day_page_shows_the_target_it_was_scored_with_at_no_extra_query(link):
    colleague = DietitianLinkFactory(client=link.client, dietitian__display_name="Dr Bo Lind")
    services.custom_target_set(
        dietitian=colleague.dietitian,
        client=link.client,
        target_mg=350,
        reason="Iron study",
        today=YESTERDAY,
    )
    _set(link, 400, "Migraine trial")
    _planned_day(link.client, YESTERDAY)
    _planned_day(link.client, TODAY)
    http = _as(link.client)
    pages, counts = {}, {}
    for on in (YESTERDAY, TODAY):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = http.get(reverse("plans:day", args=[on.isoformat()]))
        pages[on] = html.unescape(response.content.decode())
        counts[on] = len(queries)
    assert "Custom target set by Dr Bo Lind: 350 mg — Iron study." in pages[YESTERDAY]
    assert "Migraine trial" not in pages[YESTERDAY]
    assert "Custom target set by Dr Ada Vale: 400 mg — Migraine trial." in pages[TODAY]
    assert counts[YESTERDAY] == counts[TODAY]
    profile_page = html.unescape(http.get(reverse("accounts:profile")).content.decode())
    assert "Custom target set by Dr Ada Vale: 400 mg — Migraine trial." in profile_page


def test_a_target_set_by_the_dietitian_reaches_the_clients_cached_page(link):
    _planned_day(link.client, TODAY)
    http = _as(link.client)
    url = reverse("plans:day", args=[TODAY.isoformat()])
    assert RDA_LINE in html.unescape(http.get(url).content.decode())  # now cached
    response = _as(link.dietitian).post(
        reverse("reports:client_target", args=[link.client.pk]),
        {"target_mg": "400", "reason": "Trial"},
    )
    assert response.status_code == 302
    page = html.unescape(http.get(url).content.decode())
    assert "Custom target set by Dr Ada Vale: 400 mg — Trial." in page


def test_the_persons_data_export_holds_the_history(link):
    _set(link, 350, "First", on=date(2026, 3, 10))
    exported = account_data(user=link.client)["tables"]["profile"][0]
    assert exported["custom_target_history"] == [
        {"from": "2026-03-10", "mg": 350, "reason": "First", "by": link.dietitian.pk}
    ]


def test_a_deleted_dietitian_leaves_the_targets_unnamed(link):
    _set(link, 350, "First", on=date(2026, 3, 10))
    _set(link, 400, "Second", on=date(2026, 3, 20))
    account_remove(user=link.dietitian)
    assert [entry["by"] for entry in _history(link.client)] == [None, None]
    profile = profile_for(user=link.client)
    with CaptureQueriesContext(connection) as queries:
        periods = target_periods(profile, date(2026, 3, 19), date(2026, 3, 20))
    assert len(queries) == 0
    assert [line for *_, line in periods] == [
        "Custom target set by a dietitian: 350 mg — First.",
        "Custom target set by a dietitian: 400 mg — Second.",
    ]


def test_the_pdf_lists_the_custom_targets_periods_across_a_change(link):
    _set(link, 350, "First", on=date(2026, 3, 10))
    _set(link, 400, "Second", on=date(2026, 3, 12))
    response = _as(link.dietitian).get(
        reverse("reports:client_report", args=[link.client.pk, "pdf"]),
        {"start": "2026-03-09", "end": "2026-03-13"},
    )
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "the target changes within the range" in text
    assert f"9 Mar: {RDA_LINE}" in text
    assert "10 Mar to 11 Mar: Custom target set by Dr Ada Vale: 350 mg — First." in text
    assert "12 Mar to 13 Mar: Custom target set by Dr Ada Vale: 400 mg — Second." in text


def test_a_target_dated_after_today_is_not_offered_back_to_the_rda_today(link):
    # Only a clock or time zone moved back between two changes dates one after today.
    _set(link, 500, "Later", on=TODAY + timedelta(days=2))
    profile_page = _as(link.client).get(reverse("accounts:profile")).content.decode()
    assert RDA_LINE in html.unescape(profile_page)
    assert "Back to the RDA" not in profile_page
    tools = reverse("reports:client_tools", args=[link.client.pk])
    assert "Back to the RDA" not in _as(link.dietitian).get(tools).content.decode()
    _set(link, 400, "Now")
    assert "Back to the RDA" in _as(link.dietitian).get(tools).content.decode()


def test_the_csv_export_writes_the_history_as_json(link):
    import csv
    import json
    import zipfile

    _set(link, 350, 'First, "quoted"', on=date(2026, 3, 10))
    archive = zipfile.ZipFile(
        io.BytesIO(_as(link.client).get(reverse("accounts:data_csv")).content)
    )
    row = next(csv.DictReader(io.StringIO(archive.read("profile.csv").decode())))
    assert json.loads(row["custom_target_history"]) == [
        {"from": "2026-03-10", "mg": 350, "reason": 'First, "quoted"', "by": link.dietitian.pk}
    ]


def test_a_clear_that_changes_nothing_is_no_access_log_row(link):
    from accounts.models import AccessLog

    _set(link, 400, "Trial")
    services.custom_target_clear(dietitian=link.dietitian, client=link.client)
    rows = AccessLog.objects.filter(client=link.client).count()
    services.custom_target_clear(dietitian=link.dietitian, client=link.client)
    _set(link, 400, "Trial", on=YESTERDAY)  # yesterday's is in force no more: a change
    _set(link, 400, "Trial", on=YESTERDAY)  # the same again: none
    assert AccessLog.objects.filter(client=link.client).count() == rows + 1


def test_deleting_a_dietitians_account_says_their_targets_stay(link):
    from accounts.admin import account_removal_lines
    from accounts.data_rights import account_delete_summary

    _set(link, 400, "Trial")
    page = _as(link.dietitian).get(reverse("accounts:data")).content.decode()
    assert "The magnesium target you set for 1 client stays with them" in page
    lines = account_removal_lines(account_delete_summary(user=link.dietitian))
    assert (
        "The magnesium target they set for 1 client stays with them, set by “a dietitian”." in lines
    )


def test_the_profile_and_the_tools_page_list_the_targets_changes(link):
    _set(link, 350, "First", on=date(2026, 3, 10))
    services.custom_target_drop(person=link.client, today=date(2026, 4, 1))
    _set(link, 400, "Second")
    expected = [
        f"From {TODAY:%-d %b %Y}: 400 mg, set by Dr Ada Vale — Second.",
        f"From 1 Apr 2026: back to the RDA, by {link.client.name}.",
        "From 10 Mar 2026: 350 mg, set by Dr Ada Vale — First.",
    ]
    for http, url in (
        (_as(link.client), reverse("accounts:profile")),
        (_as(link.dietitian), reverse("reports:client_tools", args=[link.client.pk])),
    ):
        page = html.unescape(http.get(url).content.decode())
        assert re.findall(r"<li>(From [^<]*)</li>", page) == expected
    profile = profile_for(user=link.client)
    with CaptureQueriesContext(connection) as queries:
        custom_target_changes(profile)
    assert len(queries) <= 1  # the names of who made the changes, in one query


def test_a_profile_without_a_custom_target_lists_no_changes(link):
    page = _as(link.client).get(reverse("accounts:profile")).content.decode()
    assert "Changes to your target" not in page
