"""Sign-up and the profile wizard in a real browser, with axe on the profile pages."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.axe import blocking_violations
from tests.browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_up(page, email: str = "ada@example.org") -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Name").fill("Ada")
    page.get_by_label("Password", exact=True).fill("a long enough passphrase 42")
    page.get_by_label("Password again").fill("a long enough passphrase 42")
    page.get_by_role("button", name="Sign up").click()


def finish_wizard(page, date_of_birth: str = "1990-05-01") -> None:
    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    page.get_by_label("Date of birth").fill(date_of_birth)
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Health")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("heading", name="Food")).to_be_visible()
    page.get_by_label("Vegetarian").check()
    page.get_by_role("button", name="Finish").click()


def test_sign_up_and_wizard_set_the_target(page):
    sign_up(page)
    finish_wizard(page)
    expect(page.get_by_text("Your profile is set up")).to_be_visible()

    page.goto("/accounts/profile/")
    expect(page.locator(".target-source")).to_contain_text("320 mg")
    user = User.objects.get(email="ada@example.org")
    assert user.profile.diet == "vegetarian"
    assert user.profile.onboarded_at is not None


def test_wizard_shows_field_errors_with_422(page):
    sign_up(page, "bea@example.org")
    with page.expect_response(re.compile(r"/accounts/profile/about/")) as response:
        page.get_by_role("button", name="Next").click()
    assert response.value.status == 422
    expect(page.get_by_role("alert")).to_contain_text("Date of birth")
    expect(page.get_by_label("Date of birth")).to_have_attribute("aria-invalid", "true")


def test_sign_up_and_profile_pages_have_no_serious_axe_violations(page, person, live_server):
    page.goto("/accounts/signup/")
    assert blocking_violations(page) == []

    log_in(page.context, person, live_server.url)
    for path in ("/accounts/profile/", "/accounts/profile/about/", "/accounts/profile/health/"):
        page.goto(path)
        assert blocking_violations(page) == [], path
