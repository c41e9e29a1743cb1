import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone

from accounts.decorators import profile_required
from accounts.models import Profile, User
from accounts.services import profile_update
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

ABOUT = "/accounts/profile/about/"
HEALTH = "/accounts/profile/health/"
FOOD = "/accounts/profile/food/"


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return anniversary - timedelta(days=days)


def about(**fields) -> dict[str, str]:
    data = {"date_of_birth": years_ago(34, 10).isoformat(), "sex": "female"}
    data.update({name: str(value) for name, value in fields.items()})
    return data


@pytest.fixture
def newcomer(client) -> User:
    """Just signed up: logged in with an empty profile."""
    user = UserFactory()
    Profile.objects.create(user=user)
    client.force_login(user)
    return user


@pytest.fixture
def person(client) -> Profile:
    stored = ProfileFactory()
    client.force_login(stored.user)
    return stored


def snapshot(user: User) -> dict:
    return Profile.objects.filter(user=user).values().get()


# ---- the wizard ----


def test_a_new_user_is_sent_to_the_wizard_and_back(client, newcomer):
    response = client.get("/accounts/profile/")
    assert response["Location"] == f"{ABOUT}?next=%2Faccounts%2Fprofile%2F"


def test_the_wizard_walks_three_steps_then_returns_to_next(client, newcomer):
    page = client.get(f"{ABOUT}?next=/foods/")
    html = page.content.decode()
    assert "step 1 of 3" in html
    assert "Used to pick the RDA row (IOM tables are by sex)." in html
    assert 'aria-current="step"' in html

    response = client.post(f"{ABOUT}?next=/foods/", about())
    assert response["Location"] == f"{HEALTH}?next=%2Ffoods%2F"
    response = client.post(
        f"{HEALTH}?next=/foods/", {"ckd_stage": "3", "medications": ["ppi", "digoxin"]}
    )
    assert response["Location"] == f"{FOOD}?next=%2Ffoods%2F"
    # Not finished until the last step.
    assert snapshot(newcomer)["onboarded_at"] is None

    response = client.post(
        f"{FOOD}?next=/foods/",
        {"diet": "vegan", "exclusions": ["soy", "nuts"], "kcal_goal": "1900"},
    )
    assert response["Location"] == "/foods/"

    saved = Profile.objects.get(user=newcomer)
    assert saved.date_of_birth == years_ago(34, 10)
    assert saved.sex == "female"
    assert saved.ckd_stage == 3
    assert saved.medications == ["digoxin", "ppi"]
    assert saved.diet == "vegan"
    assert saved.exclusions == ["nuts", "soy"]
    assert saved.kcal_goal == 1900
    assert saved.onboarded_at is not None


def test_finishing_without_next_goes_to_the_plan_and_an_outside_next_is_ignored(client, newcomer):
    client.post(ABOUT, about())
    client.post(HEALTH, {"ckd_stage": "0"})
    response = client.post(f"{FOOD}?next=https://evil.example/", {"diet": "omnivore"})
    assert response["Location"] == "/plan/"


def test_finishing_needs_the_first_step(client, newcomer):
    # The wizard's order: tests/accounts/test_wizard_order.py.
    response = client.post(FOOD, {"diet": "omnivore"})

    assert response["Location"] == ABOUT
    assert snapshot(newcomer)["onboarded_at"] is None


def test_after_onboarding_a_step_edits_and_returns_to_the_profile(client, person):
    response = client.post(HEALTH, {"ckd_stage": "0", "medications": ["loop_diuretic"]})

    assert response["Location"] == "/accounts/profile/"
    assert Profile.objects.get(pk=person.pk).medications == ["loop_diuretic"]
    page = client.get("/accounts/profile/").content.decode()
    assert "Health: saved." in page
    assert "Loop diuretic (furosemide, bumetanide, …)" in page


def test_an_unknown_step_is_404(client, person):
    assert client.get("/accounts/profile/lifestyle/").status_code == 404


def test_the_wizard_needs_a_log_in(client):
    response = client.get(ABOUT)
    assert response["Location"] == f"/accounts/login/?next={ABOUT}"


# ---- validation: 422, the message, nothing saved ----

FUTURE = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        (ABOUT, about(date_of_birth=FUTURE), "The date of birth cannot be in the future."),
        (
            ABOUT,
            about(date_of_birth=years_ago(1, -1).isoformat()),
            "The planner is for people aged 1 year and over",
        ),
        (
            ABOUT,
            about(date_of_birth=years_ago(121).isoformat()),
            "Check the date of birth: it is more than 120 years ago.",
        ),
        (
            ABOUT,
            about(sex="male", pregnant_from="2026-01-01", pregnant_until="2026-09-01"),
            "Pregnancy applies only when sex is female.",
        ),
        (
            ABOUT,
            about(sex="male", lactating_from="2026-01-01"),
            "Breastfeeding applies only when sex is female.",
        ),
        (
            ABOUT,
            about(pregnant_from="2026-05-01", pregnant_until="2026-04-30"),
            "The due date must be on or after the start of the pregnancy.",
        ),
        (
            ABOUT,
            about(pregnant_from="2026-05-01"),
            "Give both the start of the pregnancy and its due date.",
        ),
        (
            ABOUT,
            about(lactating_from="2026-05-01", lactating_until="2026-04-01"),
            "The end of breastfeeding must be on or after its start.",
        ),
        (
            ABOUT,
            about(
                pregnant_from="2026-01-01", pregnant_until="2026-09-01", lactating_from="2026-09-01"
            ),
            "Pregnancy and breastfeeding overlap",
        ),
        (
            ABOUT,
            # Breastfeeding an older child into a new pregnancy: still one target per day.
            about(
                pregnant_from="2026-03-01", pregnant_until="2026-11-20", lactating_from="2025-06-01"
            ),
            "Pregnancy and breastfeeding overlap",
        ),
        (ABOUT, about(sex="other"), "Select a valid choice. other is not one of the available"),
        (FOOD, {"diet": "omnivore", "kcal_goal": "799"}, "between 800 and 6000 kcal"),
        (FOOD, {"diet": "omnivore", "kcal_goal": "6001"}, "between 800 and 6000 kcal"),
        (FOOD, {"diet": "omnivore", "kcal_goal": "lots"}, "Enter a whole number."),
        (
            ABOUT,
            about(
                date_of_birth="1990-05-05", pregnant_from="1980-10-01", pregnant_until="1981-06-01"
            ),
            "A pregnancy cannot start before the date of birth.",
        ),
        (
            ABOUT,
            about(date_of_birth="1990-05-05", lactating_from="1989-01-01"),
            "Breastfeeding cannot start before the date of birth.",
        ),
        (
            FOOD,
            {"diet": "omnivore", "exclusions": ["nuts", "mushrooms"]},
            "Select a valid choice. mushrooms is not one of the available choices.",
        ),
        (
            HEALTH,
            {"ckd_stage": "0", "medications": ["aspirin"]},
            "Select a valid choice. aspirin is not one of the available choices.",
        ),
        (HEALTH, {"ckd_stage": "6"}, "Select a valid choice. 6 is not one of the available"),
    ],
)
def test_invalid_input_is_422_with_the_message_and_saves_nothing(
    client, person, url, data, message
):
    before = snapshot(person.user)

    response = client.post(url, data)

    assert response.status_code == 422
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert snapshot(person.user) == before


@pytest.mark.parametrize("kcal", ["-5", "799", "6001", "99999999999999999999"])
def test_an_energy_goal_out_of_range_gets_one_message(client, person, kcal):
    response = client.post(FOOD, {"diet": "omnivore", "kcal_goal": kcal})
    assert response.status_code == 422
    html = response.content.decode()
    errors = re.search(r'id="id_kcal_goal_error">(.*?)</ul>', html, re.S).group(1)
    assert errors.count("<li>") == 1
    assert "between 800 and 6000 kcal a day" in errors
    assert "Ensure this value" not in html


def test_a_valid_pregnancy_then_breastfeeding_is_saved(client, person):
    response = client.post(
        ABOUT,
        about(pregnant_from="2026-01-01", pregnant_until="2026-09-01", lactating_from="2026-09-02"),
    )
    assert response.status_code == 302
    saved = Profile.objects.get(pk=person.pk)
    assert saved.pregnant_until == date(2026, 9, 1)
    assert saved.lactating_from == date(2026, 9, 2)
    assert saved.lactating_until is None


def test_the_youngest_and_oldest_allowed_ages_are_accepted(client, person):
    assert client.post(ABOUT, about(date_of_birth=years_ago(1).isoformat())).status_code == 302
    assert client.post(ABOUT, about(date_of_birth=years_ago(120).isoformat())).status_code == 302


# ---- the service, for callers other than the forms ----


def test_service_rejects_unknown_medications_and_exclusions_and_saves_nothing(person):
    before = snapshot(person.user)
    with pytest.raises(ValidationError) as caught:
        profile_update(user=person.user, medications=["ppi", "aspirin"], exclusions=["mushrooms"])
    assert caught.value.message_dict == {
        "medications": ["Unknown medication: “aspirin”."],
        "exclusions": ["Unknown exclusion: “mushrooms”."],
    }
    assert snapshot(person.user) == before


def test_service_wants_lists_and_sorts_and_deduplicates_them(person):
    with pytest.raises(ValidationError) as caught:
        profile_update(user=person.user, medications="ppi")
    assert caught.value.message_dict == {"medications": ["Give the medications as a list."]}

    saved = profile_update(user=person.user, exclusions=["soy", "egg", "soy"])
    assert saved.exclusions == ["egg", "soy"]


def test_service_refuses_fields_a_person_does_not_set(person):
    with pytest.raises(TypeError, match="custom_target_mg"):
        profile_update(user=person.user, custom_target_mg=500)


def test_service_creates_the_missing_profile_of_an_admin_made_account():
    user = UserFactory()
    saved = profile_update(
        user=user, date_of_birth=date(1980, 1, 1), sex="male", finish_onboarding=True
    )
    assert saved.pk is not None
    assert saved.onboarded_at is not None


def test_a_failed_first_save_leaves_no_profile_behind():
    user = UserFactory()
    with pytest.raises(ValidationError):
        profile_update(user=user, kcal_goal=50)
    assert not Profile.objects.filter(user=user).exists()


# ---- profile_required ----


def _view(request):
    return HttpResponse("the page")


def _request(user, *, htmx: bool = False):
    from django.contrib.auth.models import AnonymousUser
    from django_htmx.middleware import HtmxDetails

    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/plans/7/"} if htmx else {}
    request = RequestFactory().get("/plans/7/score/", headers=headers)
    request.user = user or AnonymousUser()
    request.htmx = HtmxDetails(request)
    return request


def test_profile_required_lets_an_onboarded_person_through():
    response = profile_required(_view)(_request(ProfileFactory().user))
    assert response.content == b"the page"


def test_profile_required_sends_the_not_onboarded_to_the_wizard():
    user = UserFactory()
    Profile.objects.create(user=user)
    response = profile_required(_view)(_request(user))
    assert response.status_code == 302
    assert response["Location"] == f"{ABOUT}?next=%2Fplans%2F7%2Fscore%2F"


def test_profile_required_counts_a_missing_profile_as_not_onboarded():
    response = profile_required(_view)(_request(UserFactory()))
    assert response["Location"].startswith(ABOUT)


def test_profile_required_sends_the_anonymous_to_log_in():
    response = profile_required(_view)(_request(None))
    assert response["Location"] == "/accounts/login/?next=%2Fplans%2F7%2Fscore%2F"


def test_profile_required_asks_htmx_to_navigate_back_to_the_page_not_the_fragment():
    response = profile_required(_view)(_request(UserFactory(), htmx=True))
    assert response["HX-Redirect"] == f"{ABOUT}?next=%2Fplans%2F7%2F"


# ---- the profile page ----


def target_section(html: str) -> tuple[str, str]:
    """The headline figure and the line saying where the target comes from."""
    figure = re.search(r'<p class="target-figure"><strong>(.*?)</strong>', html)
    source = re.search(r'<p class="target-source">(.*?)</p>', html, re.S)
    assert figure is not None
    assert source is not None
    return figure.group(1), " ".join(source.group(1).split())


def test_profile_page_shows_the_rda_for_a_woman_of_34(client):
    stored = ProfileFactory(date_of_birth=years_ago(34, 40), sex="female")
    client.force_login(stored.user)

    html = client.get("/accounts/profile/").content.decode()

    figure, source = target_section(html)
    assert figure == "320 mg"
    assert "RDA" in source
    assert "women" in source
    assert "31" in source
    assert source.endswith("320 mg.")
    assert source.count("320 mg") == 1
    assert "Source: US Institute of Medicine" in html


def test_profile_page_shows_the_pregnancy_target_today(client):
    today = timezone.localdate()
    stored = ProfileFactory(
        date_of_birth=years_ago(28, 3),
        pregnant_from=today - timedelta(days=60),
        pregnant_until=today + timedelta(days=200),
    )
    client.force_login(stored.user)

    figure, source = target_section(client.get("/accounts/profile/").content.decode())

    assert figure == "350 mg"
    assert "pregnan" in source.lower()


def test_profile_page_shows_a_custom_target_with_its_reason_and_who_set_it(client):
    dietitian = UserFactory(display_name="Dr Grace Hopper", is_dietitian=True)
    stored = ProfileFactory(
        custom_target_mg=400,
        custom_target_reason="Migraine prevention trial",
        custom_target_set_by=dietitian,
    )
    client.force_login(stored.user)

    html = client.get("/accounts/profile/").content.decode()

    figure, _ = target_section(html)
    assert figure == "400 mg"
    assert "320 mg" not in html
    assert "Custom target set by Dr Grace Hopper: 400 mg — Migraine prevention trial." in html


@pytest.mark.parametrize(
    ("flags", "roles"),
    [
        ({}, ["Person"]),
        ({"is_dietitian": True}, ["Person", "Dietitian"]),
        ({"is_staff": True, "is_superuser": True}, ["Person", "Admin"]),
    ],
)
def test_profile_page_shows_the_roles(client, flags, roles):
    stored = ProfileFactory(**{f"user__{name}": value for name, value in flags.items()})
    client.force_login(stored.user)

    html = client.get("/accounts/profile/").content.decode()

    for role in ["Person", "Dietitian", "Admin"]:
        assert (f'role-{role.lower()}">{role}</span>' in html) is (role in roles)


def _post(referer: str | None):
    from django.contrib.auth.models import AnonymousUser
    from django_htmx.middleware import HtmxDetails

    headers = {"Referer": referer} if referer else {}
    request = RequestFactory().post("/plan/day/2026-11-28/notes/", headers=headers)
    request.user = AnonymousUser()
    request.htmx = HtmxDetails(request)
    return request


@pytest.mark.parametrize(
    ("referer", "back_to"),
    [
        # The session ended while the page was open: log in, then back to that page (its
        # form's own address takes only a POST; a GET there after logging in was a 405).
        ("http://testserver/plan/day/2026-11-28/?edit=4", "/plan/day/2026-11-28/?edit=4"),
        ("https://evil.example/phish/", "/plan/"),
        (None, "/plan/"),
    ],
)
def test_a_form_posted_after_the_session_ended_comes_back_to_its_page(referer, back_to):
    response = profile_required(_view)(_post(referer))
    assert response["Location"] == f"/accounts/login/?{urlencode({'next': back_to})}"
