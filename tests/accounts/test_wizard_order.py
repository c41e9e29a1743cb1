"""The profile wizard goes through its steps in order: a later step opened or posted by URL
before the earlier ones were saved sends the person back to the first one missing."""

import re

import pytest

from accounts.models import Profile, User
from accounts.views import WIZARD_DONE_KEY, first_step_missing
from tests.accounts.test_profile import ABOUT, FOOD, HEALTH, about, snapshot, years_ago
from tests.factories import ProfileFactory, UserFactory

ORDER_MESSAGE = "comes first: the set-up goes through the steps in order"


@pytest.fixture
def newcomer(client) -> User:
    """Just signed up: logged in with an empty profile."""
    user = UserFactory()
    Profile.objects.create(user=user)
    client.force_login(user)
    return user


def messages_on(client, url: str) -> str:
    html = client.get(url).content.decode()
    return " ".join(re.findall(r'<p class="message[^"]*" role="status">(.*?)</p>', html))


# ---- the rule, no database ----


@pytest.mark.parametrize(
    ("step", "done", "missing"),
    [
        ("about", [], None),
        ("health", [], "about"),
        ("health", ["about"], None),
        ("food", [], "about"),
        ("food", ["health"], "about"),
        ("food", ["about"], "health"),
        ("food", ["about", "health"], None),
    ],
)
def test_the_first_step_missing_is_the_earliest_unsaved_one(step, done, missing):
    assert first_step_missing(step, done) == missing


# ---- later steps before the earlier ones ----


@pytest.mark.django_db
@pytest.mark.parametrize("url", [HEALTH, FOOD])
def test_opening_a_later_step_first_goes_to_step_1_and_says_why(client, newcomer, url):
    response = client.get(f"{url}?next=/foods/")

    assert response.status_code == 302
    assert response["Location"] == f"{ABOUT}?next=%2Ffoods%2F"
    assert "Step 1, About you, " + ORDER_MESSAGE in messages_on(client, response["Location"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "data"),
    [
        (HEALTH, {"ckd_stage": "3", "medications": ["digoxin"]}),
        (FOOD, {"diet": "vegan", "kcal_goal": "1900"}),
    ],
)
def test_posting_a_later_step_first_saves_nothing_and_goes_to_step_1(client, newcomer, url, data):
    before = snapshot(newcomer)

    response = client.post(url, data)

    assert response.status_code == 302
    assert response["Location"] == ABOUT
    assert snapshot(newcomer) == before
    assert ORDER_MESSAGE in messages_on(client, ABOUT)


@pytest.mark.django_db
def test_a_failed_step_1_does_not_open_step_2(client, newcomer):
    # Under 1 year: step 1 refuses it (422), so step 2 is not the next page yet.
    refused = client.post(ABOUT, about(date_of_birth=years_ago(0, 30).isoformat()))
    assert refused.status_code == 422

    response = client.post(HEALTH, {"ckd_stage": "0"})

    assert response["Location"] == ABOUT
    assert client.get(FOOD)["Location"] == ABOUT
    assert snapshot(newcomer)["date_of_birth"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_step_3_after_step_1_alone_goes_to_step_2(client, newcomer, method):
    client.post(f"{ABOUT}?next=/foods/", about())
    before = snapshot(newcomer)

    url = f"{FOOD}?next=/foods/"
    response = client.post(url, {"diet": "vegan"}) if method == "post" else client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"{HEALTH}?next=%2Ffoods%2F"
    assert snapshot(newcomer) == before
    assert "Step 2, Health, " + ORDER_MESSAGE in messages_on(client, response["Location"])


# ---- the normal walk ----


@pytest.mark.django_db
def test_the_walk_in_order_is_not_held_up_and_back_links_still_work(client, newcomer):
    assert client.get(ABOUT).status_code == 200
    assert client.post(ABOUT, about())["Location"] == HEALTH
    assert client.get(HEALTH).status_code == 200
    assert client.post(HEALTH, {"ckd_stage": "0"})["Location"] == FOOD
    # "Back" from step 3 and 2 opens the earlier steps; step 3 stays open afterwards.
    assert client.get(HEALTH).status_code == 200
    assert client.get(ABOUT).status_code == 200
    assert client.get(FOOD).status_code == 200
    page = client.get(FOOD).content.decode()
    assert ORDER_MESSAGE not in page

    assert client.post(FOOD, {"diet": "omnivore"})["Location"] == "/plan/"
    assert snapshot(newcomer)["onboarded_at"] is not None
    assert WIZARD_DONE_KEY not in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("url", [HEALTH, FOOD])
def test_after_onboarding_every_step_opens_on_its_own(client, url):
    # A finished profile's steps are edit forms, in any order and in a fresh session.
    client.force_login(ProfileFactory().user)
    assert client.get(url).status_code == 200


# ---- a later step that still finds an earlier answer missing ----


@pytest.mark.django_db
def test_a_missing_earlier_answer_links_to_its_step(client, newcomer):
    client.post(f"{ABOUT}?next=/foods/", about())
    client.post(f"{HEALTH}?next=/foods/", {"ckd_stage": "0"})
    # Cleared meanwhile (in the admin, say): step 3 cannot finish the profile.
    Profile.objects.filter(user=newcomer).update(date_of_birth=None, sex="")
    before = snapshot(newcomer)

    response = client.post(f"{FOOD}?next=/foods/", {"diet": "vegan"})

    assert response.status_code == 422
    html = response.content.decode()
    assert (
        '<a href="/accounts/profile/about/?next=/foods/#id_date_of_birth">'
        "Step 1, About you: Date of birth: Give your date of birth.</a>"
    ) in html
    assert (
        '<a href="/accounts/profile/about/?next=/foods/#id_sex_0">'
        "Step 1, About you: Sex: Choose the sex the RDA table uses.</a>"
    ) in html
    assert snapshot(newcomer) == before
    # The anchors are the inputs of step 1's page.
    step_1 = client.get(f"{ABOUT}?next=/foods/").content.decode()
    assert 'id="id_date_of_birth"' in step_1
    assert 'id="id_sex_0"' in step_1
