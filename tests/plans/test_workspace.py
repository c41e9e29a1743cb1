"""The dietitian's workspace: the client list by need, inviting, and a client's planner."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import DietitianLink, Invitation
from accounts.selectors import person_on, profile_for
from plans.models import Day, MealItem
from plans.scoring import score_day
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    DayFactory,
    DietitianFactory,
    DietitianLinkFactory,
    FoodFactory,
    MealFactory,
    MealItemFactory,
    PlanFactory,
    ProfileFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

pytestmark = pytest.mark.django_db


def _as(user) -> Client:
    http = Client()
    http.force_login(user)
    return http


def _client_of(dietitian, grams_by_day: list[float], display_name: str = "", **profile_fields):
    """A linked client with one item of `grams` on each of the last days (today first)."""
    user_fields = {"user__display_name": display_name} if display_name else {}
    person = ProfileFactory(**user_fields, **profile_fields).user
    DietitianLinkFactory(dietitian=dietitian, client=person)
    today = timezone.localdate()
    food = FoodFactory()
    plan = PlanFactory(owner=person)
    for back, grams in enumerate(grams_by_day):
        day = DayFactory(plan=plan, date=today - timedelta(days=back))
        MealItemFactory(meal=MealFactory(day=day, name="Lunch"), food=food, grams=grams)
    return person


def _expected_average(person) -> float:
    profile = profile_for(user=person)
    today = timezone.localdate()
    percents = []
    for back in range(7):
        day = day_get_for(user=person, on=today - timedelta(days=back))
        if day is not None:
            score = score_day(day_to_engine(day, person_on(profile, day.date)))
            percents.append(score.percent_of_target)
    return sum(percents) / len(percents)


@pytest.fixture
def dietitian():
    return DietitianFactory()


def test_the_workspace_is_404_for_a_person_and_asks_a_visitor_to_log_in(client) -> None:
    person = ProfileFactory().user
    assert _as(person).get(reverse("clients:list")).status_code == 404
    assert _as(person).post(reverse("clients:invite"), {"email": "a@b.org"}).status_code == 404
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_clients_are_sorted_by_need_with_their_figures(dietitian) -> None:
    low = _client_of(dietitian, [10, 10, 10], display_name="Low Lou")
    high = _client_of(dietitian, [60, 60], display_name="High Hal")
    idle = ProfileFactory(user__display_name="Idle Ida").user
    DietitianLinkFactory(dietitian=dietitian, client=idle)
    # A magnesium supplement under CKD stage 3 raises a warning.
    kidney = _client_of(dietitian, [60], display_name="Kidney Kim", ckd_stage=3)
    SupplementDoseFactory(day=Day.objects.get(plan__owner=kidney))
    stranger = _client_of(DietitianFactory(), [5], display_name="Not Mine")

    page = _as(dietitian).get(reverse("clients:list"))
    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'<tr class="client-row">(.*?)</tr>', html, re.S)
    names = [re.search(r">([^<]+)</a>", row).group(1) for row in rows]
    assert stranger.name not in html
    # Nothing planned counts as 0 %, so Ida comes first, then Lou's low days.
    assert names[:2] == [idle.name, low.name]
    assert set(names) == {idle.name, low.name, high.name, kidney.name}
    low_row = rows[names.index(low.name)]
    assert f"{_expected_average(low):,.0f} %" in low_row
    # Three days below the EAR.
    assert re.search(r'<td data-label="Days below the EAR">3</td>', low_row)
    assert "kidney" in rows[names.index(kidney.name)].lower()
    assert 'data-code="ckd_supplement"' in rows[names.index(kidney.name)]
    assert "Nothing planned" in rows[names.index(idle.name)]


def test_a_client_who_logged_only_vitamin_d_reads_no_magnesium_planned(dietitian) -> None:
    """The week page's rule (plans.selectors.day_logged_without_magnesium) on the list: a
    client whose days hold only vitamin D or calcium tablets has no average (no magnesium
    planned) but did log something; a client with empty days still has "Nothing planned"."""
    today = timezone.localdate()
    tablets = ProfileFactory(user__display_name="Tablet Tia").user
    empty = ProfileFactory(user__display_name="Empty Eve").user
    for person in (tablets, empty):
        DietitianLinkFactory(dietitian=dietitian, client=person)
    vitamin_d = SupplementProductFactory(
        owner=tablets, kind="vitamin_d", form="", amount_mg=None, vitamin_d_iu=1000
    )
    calcium = SupplementProductFactory(
        owner=tablets, kind="calcium", form="", amount_mg=None, calcium_mg=500
    )
    plan = PlanFactory(owner=tablets)
    for back, product in enumerate([vitamin_d, calcium, vitamin_d]):
        SupplementDoseFactory(
            day=DayFactory(plan=plan, date=today - timedelta(days=back)), product=product
        )
    MealFactory(day=DayFactory(plan=PlanFactory(owner=empty), date=today), name="Lunch")

    html = _as(dietitian).get(reverse("clients:list")).content.decode()
    rows = re.findall(r'<tr class="client-row">(.*?)</tr>', html, re.S)
    (tablets_row,) = [row for row in rows if tablets.name in row]
    (empty_row,) = [row for row in rows if empty.name in row]
    assert "No magnesium planned" in tablets_row
    assert "Calcium and Vitamin D logged" in tablets_row
    assert "Nothing planned" not in tablets_row
    assert "Nothing planned" in empty_row
    assert "logged" not in empty_row
    assert re.search(r'<td data-label="Days below the EAR">0</td>', tablets_row)


def test_the_list_is_a_fixed_number_of_queries(dietitian) -> None:
    for _ in range(2):
        _client_of(dietitian, [30, 40])
    http = _as(dietitian)
    with CaptureQueriesContext(connection) as few:
        http.get(reverse("clients:list"))
    for _ in range(6):
        _client_of(dietitian, [30, 40, 50])
    with CaptureQueriesContext(connection) as many:
        http.get(reverse("clients:list"))
    assert len(many) == len(few)


def test_search_by_name_and_the_htmx_rows_fragment(dietitian) -> None:
    _client_of(dietitian, [30], display_name="Maria Lopez")
    _client_of(dietitian, [30], display_name="John Smith")
    response = _as(dietitian).get(
        reverse("clients:list"), {"q": "lop", "fragment": "rows"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="client-rows">')
    assert "Maria Lopez" in html
    assert "John Smith" not in html
    nothing = _as(dietitian).get(reverse("clients:list"), {"q": "zzz"}).content.decode()
    assert "No client matches" in nothing


def test_inviting_a_client_emails_a_link_and_shows_the_code(dietitian) -> None:
    http = _as(dietitian)
    response = http.post(reverse("clients:invite"), {"email": "new@example.org"}, follow=True)
    invitation = Invitation.objects.get(sender=dietitian)
    html = response.content.decode()
    assert invitation.code in html
    (message,) = mail.outbox
    assert message.to == ["new@example.org"]
    assert "/accounts/invitations/" in message.body


def test_an_invalid_invitation_is_422_with_the_field_error(dietitian) -> None:
    response = _as(dietitian).post(reverse("clients:invite"), {"email": "not an email"})
    assert response.status_code == 422
    assert "email" in response.content.decode().lower()
    assert not Invitation.objects.exists()


def test_the_dietitian_edits_the_clients_day_and_the_client_sees_who(dietitian) -> None:
    person = _client_of(dietitian, [30], display_name="Ana")
    day = Day.objects.get(plan__owner=person)
    meal = day.meals.get()
    food = FoodFactory()
    on = day.date.isoformat()
    http = _as(dietitian)
    page = http.get(reverse("clients:day", args=[person.pk, on])).content.decode()
    # The page's date-addressed forms and links stay in the client's plan.
    assert reverse("clients:meal_add", args=[person.pk, on]) in page
    assert reverse("plans:meal_add", args=[on]) not in page
    assert "working on the plan of" in page
    response = http.post(
        reverse("plans:meal_item_add", args=[meal.pk]),
        {f"add-{meal.pk}-food": food.pk, f"add-{meal.pk}-grams": "50"},
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("clients:day", args=[person.pk, on]))
    assert MealItem.objects.filter(meal=meal, food=food).exists()
    day.refresh_from_db()
    assert day.last_edited_by == dietitian
    assert day.history.filter(last_edited_by=dietitian).exists()
    own = _as(person).get(reverse("plans:day", args=[on])).content.decode()
    assert f"Edited by your dietitian, {dietitian.name}, {timezone.localdate():%-d %b}" in own
    assert (
        "Edited by you" in http.get(reverse("clients:day", args=[person.pk, on])).content.decode()
    )
    # The dietitian's own plan is untouched.
    assert not Day.objects.filter(plan__owner=dietitian).exists()


def test_the_clients_profile_sets_the_target_on_the_dietitians_view(dietitian) -> None:
    person = _client_of(dietitian, [30], custom_target_mg=410)
    on = timezone.localdate().isoformat()
    page = _as(dietitian).get(reverse("clients:day", args=[person.pk, on])).content.decode()
    assert "410 mg target" in page
    week = reverse(
        "clients:week",
        args=[
            person.pk,
            (timezone.localdate() - timedelta(days=timezone.localdate().weekday())).isoformat(),
        ],
    )
    assert "of 410 mg" in _as(dietitian).get(week).content.decode()


def test_a_link_without_edit_rights_can_look_but_not_write(dietitian) -> None:
    person = _client_of(dietitian, [30])
    DietitianLink.objects.filter(client=person).update(can_edit_plans=False)
    meal = Day.objects.get(plan__owner=person).meals.get()
    on = timezone.localdate().isoformat()
    http = _as(dietitian)
    assert http.get(reverse("clients:day", args=[person.pk, on])).status_code == 200
    rename = reverse("plans:meal_rename", args=[meal.pk])
    assert http.post(rename, {f"meal-{meal.pk}-name": "Brunch"}).status_code == 404
    notes = reverse("clients:day_notes", args=[person.pk, on])
    assert http.post(notes, {"notes": "x"}).status_code == 404


def test_a_write_before_the_clients_birth_names_the_client(dietitian) -> None:
    person = _client_of(dietitian, [30], display_name="Ana")
    on = (person.profile.date_of_birth - timedelta(days=1)).isoformat()
    http = _as(dietitian)
    for url, data in [
        (reverse("clients:meal_add", args=[person.pk, on]), {"add-meal-name": "Tea"}),
        (reverse("clients:day_notes", args=[person.pk, on]), {"notes": "x"}),
    ]:
        response = http.post(url, data, HTTP_HX_REQUEST="true")
        assert response.status_code == 422
        assert "That day is before Ana&#39;s date of birth." in response.content.decode()
    assert not Day.objects.filter(plan__owner=person, date=on).exists()
    # The person keeps being spoken to.
    response = _as(person).post(
        reverse("plans:meal_add", args=[on]), {"add-meal-name": "Tea"}, HTTP_HX_REQUEST="true"
    )
    assert "That day is before your date of birth." in response.content.decode()


def test_client_home_opens_this_week(dietitian) -> None:
    person = _client_of(dietitian, [30])
    response = _as(dietitian).get(reverse("clients:home", args=[person.pk]))
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    assert response.url == reverse("clients:week", args=[person.pk, monday.isoformat()])


def test_suggestions_and_fill_work_on_the_clients_day(dietitian) -> None:
    person = _client_of(dietitian, [30])
    on = timezone.localdate().isoformat()
    http = _as(dietitian)
    day_page = http.get(reverse("clients:day", args=[person.pk, on])).content.decode()
    assert reverse("clients:day_suggestions", args=[person.pk, on]) in day_page
    assert reverse("plans:day_suggestions", args=[on]) not in day_page
    # Written to the dietitian about the client, not "your target".
    text = " ".join(day_page.split())
    assert f"effective of {person.name}'s" in text.replace("&#39;", "'")
    assert f"{person.name}'s gut absorbs about" in text.replace("&#39;", "'")
    assert "effective of your" not in text
    panel = http.get(
        reverse("clients:day_suggestions", args=[person.pk, on]), HTTP_HX_REQUEST="true"
    )
    assert panel.status_code == 200
    assert reverse("plans:day_suggestions", args=[on]) not in panel.content.decode()
    assert "your diet" not in panel.content.decode()
    fill = http.get(reverse("clients:fill", args=[person.pk, on]))
    assert fill.status_code == 200
    html = fill.content.decode()
    assert "your target" not in html.lower()
    assert "/fill/accept/" not in html.replace(
        reverse("clients:fill_accept", args=[person.pk, on]), ""
    )
    assert f"/clients/{person.pk}/day/{on}/" in html
    # Nothing of this reaches the dietitian's own plan.
    assert not Day.objects.filter(plan__owner=dietitian).exists()


def _write_controls(person, on: str, page: str) -> dict[str, bool]:
    """Which write controls of the client's day page are on `page`."""
    day = Day.objects.get(plan__owner=person, date=on)
    meal = day.meals.get()
    item = meal.items.get()
    dose = day.supplement_doses.get()
    urls = {
        "add food": reverse("plans:food_picker", args=[meal.pk]),
        "delete item": reverse("plans:meal_item_delete", args=[item.pk]),
        "edit item": reverse("plans:meal_item_edit", args=[item.pk]),
        "rename meal": reverse("plans:meal_rename", args=[meal.pk]),
        "delete meal": reverse("plans:meal_delete", args=[meal.pk]),
        "add meal": reverse("clients:meal_add", args=[person.pk, on]),
        "copy day": reverse("clients:day_copy", args=[person.pk, on]),
        "copy meal": reverse("plans:meal_tools", args=[meal.pk]),
        "add recipe": reverse("recipes:meal_add", args=[meal.pk]),
        "notes": reverse("clients:day_notes", args=[person.pk, on]),
        "log supplement": reverse("clients:supplement_log", args=[person.pk, on]),
        "delete dose": reverse("plans:supplement_dose_delete", args=[dose.pk]),
        "fill my day": reverse("clients:fill", args=[person.pk, on]),
    }
    return {name: f'"{url}' in page for name, url in urls.items()}


def test_a_read_only_link_shows_no_edit_controls(dietitian) -> None:
    person = _client_of(dietitian, [30], display_name="Cleo")
    on = timezone.localdate().isoformat()
    SupplementDoseFactory(day=Day.objects.get(plan__owner=person))
    http = _as(dietitian)
    day_url = reverse("clients:day", args=[person.pk, on])
    page = http.get(day_url).content.decode()
    assert "Read-only" not in page
    assert all(_write_controls(person, on, page).values())

    DietitianLink.objects.filter(client=person).update(can_edit_plans=False)
    page = http.get(day_url).content.decode()
    assert "Read-only: Cleo has not allowed you to edit their plan." in page
    assert not any(_write_controls(person, on, page).values()), _write_controls(person, on, page)
    # What a read-only link still allows: looking, suggestions to read, the dietitian's notes.
    assert reverse("clients:day_suggestions", args=[person.pk, on]) in page
    assert reverse("reports:note_add", args=[person.pk, on]) in page
    panel = http.get(
        reverse("clients:day_suggestions", args=[person.pk, on]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert reverse("clients:suggestion_apply", args=[person.pk, on]) not in panel
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    week = http.get(reverse("clients:week", args=[person.pk, monday.isoformat()]))
    assert "Read-only: Cleo has not" in week.content.decode()
    # Pages reached by their address show no forms either, only why.
    meal = Day.objects.get(plan__owner=person).meals.get()
    for url, action in (
        (reverse("clients:day_copy", args=[person.pk, on]), "/copy/"),
        (reverse("plans:meal_tools", args=[meal.pk]), "/copy/"),
    ):
        html = http.get(url).content.decode().replace("&#39;", "'")
        assert "Read-only: Cleo has not allowed you to edit their plan." in html, url
        assert "You are working on the plan of <strong>Cleo</strong>" in html, url
        assert not re.search(rf'<form method="post" action="[^"]*{action}', html), url
    fill = http.get(reverse("clients:fill", args=[person.pk, on])).content.decode()
    assert "/fill/accept/" not in fill


def _htmx_from(page_url: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": f"http://testserver{page_url}"}


def test_an_htmx_write_after_the_access_ended_goes_to_the_clients_with_a_message(
    dietitian,
) -> None:
    person = _client_of(dietitian, [30], display_name="Cleo")
    meal = Day.objects.get(plan__owner=person).meals.get()
    day_url = reverse("clients:day", args=[person.pk, timezone.localdate().isoformat()])
    rename = reverse("plans:meal_rename", args=[meal.pk])
    http = _as(dietitian)
    DietitianLink.objects.filter(client=person).update(revoked_at=timezone.now())

    response = http.post(rename, {f"meal-{meal.pk}-name": "Brunch"}, **_htmx_from(day_url))
    assert response.status_code == 404
    assert response["HX-Redirect"] == reverse("clients:list")
    assert response.content.decode() == "Your access to this client's plan has ended."
    clients = http.get(reverse("clients:list")).content.decode()
    assert "Your access to this client&#39;s plan has ended." in clients
    # A client-addressed URL and an htmx GET (the food picker) answer the same way.
    notes = reverse("clients:day_notes", args=[person.pk, timezone.localdate().isoformat()])
    assert http.post(notes, {"notes": "x"}, **_htmx_from(day_url))["HX-Redirect"] == (
        reverse("clients:list")
    )
    picker = reverse("plans:food_picker", args=[meal.pk])
    assert http.get(picker, **_htmx_from(day_url))["HX-Redirect"] == reverse("clients:list")
    # Without htmx, the plain 404 as before.
    plain = http.post(rename, {f"meal-{meal.pk}-name": "Brunch"})
    assert plain.status_code == 404
    assert "HX-Redirect" not in plain
    assert meal.name == Day.objects.get(plan__owner=person).meals.get().name


def test_an_unlinked_dietitian_learns_nothing_from_the_htmx_answer(dietitian) -> None:
    person = _client_of(DietitianFactory(), [30], display_name="Cleo")
    meal = Day.objects.get(plan__owner=person).meals.get()
    day_url = reverse("clients:day", args=[person.pk, timezone.localdate().isoformat()])
    nobody_url = reverse("clients:day", args=[987654, timezone.localdate().isoformat()])
    rename = reverse("plans:meal_rename", args=[meal.pk])
    http = _as(dietitian)
    answers = [
        http.post(rename, {f"meal-{meal.pk}-name": "X"}, **_htmx_from(url))
        for url in (day_url, nobody_url)
    ]
    assert [(a.status_code, a.content, a["HX-Redirect"]) for a in answers] == [
        (404, b"Your access to this client's plan has ended.", reverse("clients:list"))
    ] * 2


def test_an_htmx_write_after_edits_were_withdrawn_reloads_the_page_read_only(dietitian) -> None:
    person = _client_of(dietitian, [30], display_name="Cleo")
    meal = Day.objects.get(plan__owner=person).meals.get()
    day_url = reverse("clients:day", args=[person.pk, timezone.localdate().isoformat()])
    http = _as(dietitian)
    # Linked and allowed to edit: a genuine 404 (a meal deleted meanwhile) is left alone.
    gone = reverse("plans:meal_rename", args=[meal.pk + 1000])
    assert "HX-Redirect" not in http.post(gone, {}, **_htmx_from(day_url))

    DietitianLink.objects.filter(client=person).update(can_edit_plans=False)
    rename = reverse("plans:meal_rename", args=[meal.pk])
    response = http.post(rename, {f"meal-{meal.pk}-name": "Brunch"}, **_htmx_from(day_url))
    assert response.status_code == 404
    assert response["HX-Redirect"] == day_url
    page = http.get(day_url).content.decode()
    assert "Cleo has not allowed you to edit their plan." in page
    assert "Read-only: Cleo" in page
    # So does an "Edit" clicked on the page still open from before: its form is refused too.
    item = MealItem.objects.get(meal=meal)
    edit = http.get(reverse("plans:meal_item_edit", args=[item.pk]), **_htmx_from(day_url))
    assert edit.status_code == 404
    assert edit["HX-Redirect"] == day_url


def test_a_read_only_look_at_an_unplanned_day_writes_nothing(dietitian) -> None:
    """Opening a day creates it with its default meals, but only for someone who may plan
    it: a read-only dietitian sees it unplanned, and the client's plan stays as it was."""
    person = _client_of(dietitian, [30], display_name="Cleo")
    DietitianLink.objects.filter(client=person).update(can_edit_plans=False)
    on = (timezone.localdate() + timedelta(days=3)).isoformat()
    http = _as(dietitian)
    days_before = Day.objects.filter(plan__owner=person).count()
    page = http.get(reverse("clients:day", args=[person.pk, on]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "No meals planned for this day." in html
    assert reverse("reports:note_add", args=[person.pk, on]) in html  # notes still allowed
    for name in ("clients:day_suggestions", "clients:fill", "clients:day_copy"):
        response = http.get(reverse(name, args=[person.pk, on]), HTTP_HX_REQUEST="true")
        assert response.status_code == 200, name
    assert Day.objects.filter(plan__owner=person).count() == days_before
    # With the right to edit, the first look plans it as before.
    DietitianLink.objects.filter(client=person).update(can_edit_plans=True)
    assert http.get(reverse("clients:day", args=[person.pk, on])).status_code == 200
    assert Day.objects.filter(plan__owner=person).count() == days_before + 1


def test_the_reads_that_only_serve_a_write_are_404_on_a_read_only_link(dietitian) -> None:
    """The food picker's results, a picked food's amount form and the edit forms exist to
    write: a read-only link gets them as it gets the write, a 404, not a form to fill in."""
    person = _client_of(dietitian, [30], display_name="Cleo")
    item = MealItem.objects.get(meal__day__plan__owner=person)
    dose = SupplementDoseFactory(day=item.meal.day)
    meal = item.meal
    urls = [
        reverse("plans:food_picker", args=[meal.pk]) + "?q=spin",
        reverse("plans:food_amount_form", args=[meal.pk]) + f"?food={item.food_id}",
        reverse("plans:meal_item_edit", args=[item.pk]),
        reverse("plans:supplement_dose_edit", args=[dose.pk]),
    ]
    http = _as(dietitian)
    for url in urls:
        assert http.get(url, HTTP_HX_REQUEST="true").status_code == 200, url
    DietitianLink.objects.filter(client=person).update(can_edit_plans=False)
    for url in urls:
        assert http.get(url, HTTP_HX_REQUEST="true").status_code == 404, url
