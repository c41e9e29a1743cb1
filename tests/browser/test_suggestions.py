"""Suggestions in a real browser: open the panel, apply one with htmx, undo it, and the panel
follows a change made elsewhere on the day."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from plans.swap_pool import clear_candidate_pool
from tests.browser.axe import blocking_violations
from tests.browser.conftest import assert_no_sideways_scroll
from tests.browser.test_planner import effective_mg, plan_day

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_apply_a_suggestion_then_undo_it(person_page, person, browser_foods):
    clear_candidate_pool()  # the pool of another test's food rows must not be reused
    today = timezone.localdate()
    plan_day(person, today, [("Lunch", browser_foods["01077"], 244)])
    page = person_page
    page.goto(f"/plan/day/{today.isoformat()}/")
    before = effective_mg(page)

    page.get_by_role("button", name="Show suggestions").click()
    panel = page.locator("#day-suggestions")
    expect(panel.locator(".suggestion").first).to_be_visible()
    expect(panel.locator(".suggestion-gain").first).to_contain_text("mg effective")
    assert blocking_violations(page) == []

    panel.locator(".suggestion form button").first.click()
    expect(page.locator("#suggestion-undo-button")).to_be_visible()
    assert blocking_violations(page) == []
    expect(page.locator("#gauge-text strong").first).not_to_have_text(
        re.compile(rf"^{before:,.0f} mg$")
    )
    assert effective_mg(page) > before

    page.locator("#suggestion-undo-button").click()
    expect(page.locator("#suggestion-undo-button")).to_have_count(0)
    expect(page.locator("#gauge-text strong").first).to_have_text(f"{before:,.0f} mg")

    # A change made outside the panel (delete the milk): the panel asks for itself again.
    panel.locator(".suggestion form button").first.click()
    expect(page.locator("#suggestion-undo-button")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Delete Milk")).click()
    # The day changed since the apply: its undo is no longer offered.
    expect(page.locator("#suggestion-undo-button")).to_have_count(0)
    expect(panel.locator(".suggestion").first).to_be_visible()


def test_fill_my_day_proposal_and_accept(person_page, person, browser_foods):
    clear_candidate_pool()
    today = timezone.localdate()
    plan_day(person, today, [("Lunch", browser_foods["01077"], 244)])
    page = person_page
    page.goto(f"/plan/day/{today.isoformat()}/")
    before = effective_mg(page)
    page.get_by_role("link", name="Fill my day").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Fill my day"))).to_be_visible()
    expect(page.locator("#fill-outcome")).to_be_visible()
    assert blocking_violations(page) == []
    page.get_by_role("button", name="Add these to my day").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(today.strftime("%A"))
    assert effective_mg(page) > before


def test_fill_my_day_fits_a_375_px_screen(phone_page, person, browser_foods):
    clear_candidate_pool()
    today = timezone.localdate()
    plan_day(person, today, [("Lunch", browser_foods["01077"], 244)])
    page = phone_page
    page.goto(f"/plan/day/{today.isoformat()}/fill/")
    proposal = page.get_by_role("table", name="Portions proposed")
    expect(proposal.get_by_role("row").nth(1)).to_be_visible()
    assert_no_sideways_scroll(page)
    # Each row stacks inside the card, its figures named: nothing is cut off at the card's edge.
    table_right, card_right = page.evaluate(
        """() => ['.fill-table', '#fill'].map(
            selector => document.querySelector(selector).getBoundingClientRect().right)"""
    )
    assert table_right <= card_right
    expect(
        proposal.get_by_role("cell", name=re.compile(r"^Magnesium: [\d.]+ mg$")).first
    ).to_be_visible()
    assert blocking_violations(page) == []
