"""The admin and the print button under the real policy: the context fixture fails the test
on any Content-Security-Policy violation in the console."""

import pytest

from tests.browser.conftest import log_in
from tests.factories import FoodFactory, UserFactory

pytestmark = pytest.mark.browser


def test_admin_pages_run_under_the_policy(context, live_server) -> None:
    admin = UserFactory(is_staff=True, is_superuser=True)
    food = FoodFactory()
    log_in(context, admin, live_server.url)
    page = context.new_page()
    for path in (
        "/admin/",
        "/admin/foods/food/",
        f"/admin/foods/food/{food.pk}/change/",
        f"/admin/foods/food/{food.pk}/history/",
        "/admin/foods/food/import/",
        "/admin/accounts/user/add/",
    ):
        response = page.goto(live_server.url + path)
        assert response is not None
        assert response.status == 200, path
        page.wait_for_load_state("load")
    # The admin's own JavaScript ran (collapsible navigation sidebar toggle exists).
    page.goto(live_server.url + "/admin/foods/food/")
    assert page.locator("#toggle-nav-sidebar").count() == 1


def test_print_button_works_without_inline_handler(person_page, live_server) -> None:
    person_page.goto(live_server.url + "/plan/shopping/")
    person_page.evaluate(
        "() => { window.printed = 0; window.print = () => { window.printed += 1; }; }"
    )
    person_page.get_by_role("button", name="Print").click()
    assert person_page.evaluate("window.printed") == 1
