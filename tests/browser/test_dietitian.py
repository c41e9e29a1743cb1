"""Issue 7 in a real browser: a dietitian invites a person, the person accepts, the
dietitian edits the person's day and sets a target, and the person sees all of it."""

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts.link_services import link_revoke
from plans.models import Day, Meal, MealItem
from tests.browser.axe import blocking_violations
from tests.browser.conftest import log_in
from tests.browser.test_planner import PUMPKIN, add_with_keyboard
from tests.factories import DayFactory, DietitianFactory, DietitianLinkFactory, MealFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_invite_accept_edit_and_set_a_target(browser, context, live_server, person, browser_foods):
    dietitian = DietitianFactory(display_name="Dr Dee")
    log_in(context, dietitian, live_server.url)
    dee = context.new_page()

    # The dietitian invites the person by email; the page shows the code as well.
    dee.goto("/clients/")
    expect(dee.get_by_role("heading", name="Your clients")).to_be_visible()
    dee.get_by_label("Their email address").fill(person.email)
    dee.get_by_role("button", name="Send the invitation").click()
    expect(dee.get_by_text(re.compile(r"Their code: [A-Z0-9]{8}"))).to_be_visible()
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/accounts/invitations/\S+/", message.body).group(0)

    # The person opens the link, sees what the dietitian will be able to do, accepts.
    person_context = browser.new_context(base_url=live_server.url)
    person_context.set_default_timeout(5_000)
    log_in(person_context, person, live_server.url)
    ada = person_context.new_page()
    ada.goto(link)
    expect(
        ada.get_by_role("heading", name=re.compile("invites you to share your plan"))
    ).to_be_visible()
    for ability in ("see your plan", "edit your plan", "set a custom magnesium target", "notes"):
        expect(ada.get_by_text(re.compile(ability)).first).to_be_visible()
    assert blocking_violations(ada) == []
    ada.get_by_role("button", name="Accept").click()
    expect(ada.get_by_text("Dr Dee can now see and help with your plan.")).to_be_visible()

    # The dietitian finds the client and adds pumpkin seeds to today's lunch.
    dee.goto("/clients/")
    expect(dee.locator("tr.client-row")).to_contain_text(person.name)
    assert blocking_violations(dee) == []
    dee.get_by_role("link", name=f"Today for {person.name}").click()
    expect(dee.get_by_text(re.compile(f"working on the plan of {person.name}"))).to_be_visible()
    assert blocking_violations(dee) == []
    add_with_keyboard(dee, "Lunch", "pumpkin", PUMPKIN)
    dee.get_by_label("or a measure").select_option(label="1 oz (28.4 g)")
    dee.get_by_label("How many").fill("1")
    dee.get_by_role("button", name="Add to Lunch").click()
    lunch = dee.locator("section.meal", has=dee.get_by_role("heading", name="Lunch"))
    expect(lunch.locator(".meal-item")).to_contain_text(PUMPKIN)
    assert MealItem.objects.filter(meal__day__plan__owner=person).count() == 1

    # ... and sets a custom target with a reason.
    dee.get_by_role("link", name="Target, templates and reports").click()
    dee.get_by_label(re.compile("^Target")).fill("400")
    dee.get_by_label(re.compile("^Reason")).fill("Migraine prevention")
    dee.get_by_role("button", name="Set the target").click()
    expect(dee.locator("#current-target")).to_contain_text("400")

    # The person sees the food, who added it, and the new target with its reason.
    today = timezone.localdate()
    ada.goto(f"/plan/day/{today.isoformat()}/")
    ada_lunch = ada.locator("section.meal", has=ada.get_by_role("heading", name="Lunch"))
    expect(ada_lunch.locator(".meal-item")).to_contain_text(PUMPKIN)
    expect(ada.locator("#day-edited")).to_have_text(
        f"Edited by your dietitian, Dr Dee, {today:%-d %b}"
    )
    expect(ada.locator("#gauge-text")).to_contain_text("400 mg target")
    expect(ada.get_by_text(re.compile("Migraine prevention"))).to_be_visible()
    assert Day.objects.get(plan__owner=person).last_edited_by == dietitian

    # And, under Your dietitian, who looked at the plan.
    ada.goto("/accounts/dietitians/")
    expect(ada.locator("table.access-log")).to_contain_text("Dr Dee")
    assert blocking_violations(ada) == []
    person_context.close()


def test_a_click_after_the_access_ended_says_so(context, live_server, person, browser_foods):
    """The client ends the access while the dietitian has their day open: the next htmx
    write does not fail silently (htmx swaps no 404) but lands on the client list with why."""
    dietitian = DietitianFactory(display_name="Dr Dee")
    link = DietitianLinkFactory(dietitian=dietitian, client=person)
    day = DayFactory(plan__owner=person, date=timezone.localdate())
    MealFactory(day=day, name="Lunch")
    log_in(context, dietitian, live_server.url)
    dee = context.new_page()
    dee.goto(f"/clients/{person.pk}/day/{day.date.isoformat()}/")
    expect(dee.get_by_role("heading", name="Lunch")).to_be_visible()

    link_revoke(link=link, by=person)
    dee.get_by_role("button", name="Delete meal Lunch").click()
    expect(dee).to_have_url(re.compile(r"/clients/$"))
    expect(dee.get_by_text("Your access to this client's plan has ended.")).to_be_visible()
    assert Meal.objects.filter(day=day, deleted_at__isnull=True).count() == 1


def test_the_client_list_fits_a_375_px_screen(browser, live_server, person, browser_foods):
    from tests.browser.conftest import assert_no_sideways_scroll

    dietitian = DietitianFactory(display_name="Dr Dee")
    DietitianLinkFactory(dietitian=dietitian, client=person)
    phone = browser.new_context(
        base_url=live_server.url, viewport={"width": 375, "height": 812}, is_mobile=True
    )
    phone.set_default_timeout(5_000)
    log_in(phone, dietitian, live_server.url)
    page = phone.new_page()
    page.goto("/clients/")
    expect(page.get_by_role("link", name=person.name).first).to_be_visible()
    assert_no_sideways_scroll(page)
    phone.close()


def test_ending_a_dietitians_access_asks_first(context, live_server, person, browser_foods):
    link = DietitianLinkFactory(dietitian=DietitianFactory(display_name="Dr Dee"), client=person)
    log_in(context, person, live_server.url)
    page = context.new_page()
    page.goto("/accounts/dietitians/")
    questions: list[str] = []

    def answer(dialog, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="End Dr Dee's access").click()
    assert questions == [
        "End Dr Dee's access to your plan? They will need a new invitation to see it again."
    ]
    link.refresh_from_db()
    assert link.revoked_at is None

    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="End Dr Dee's access").click()
    expect(page.get_by_text("No dietitian can see your plan.")).to_be_visible()
    link.refresh_from_db()
    assert link.revoked_at is not None
