"""person_on turns a stored profile into the engine's Person for one day. No database."""

from datetime import date

import pytest

from accounts.models import Medication, Profile, Sex, User
from accounts.selectors import person_on, roles_of


def profile(**fields) -> Profile:
    defaults = {"date_of_birth": date(1990, 6, 15), "sex": Sex.FEMALE}
    return Profile(user=User(email="p@example.org"), **(defaults | fields))


PREGNANCY = {"pregnant_from": date(2026, 2, 1), "pregnant_until": date(2026, 10, 20)}


@pytest.mark.parametrize(
    ("day", "pregnant"),
    [
        (date(2026, 1, 31), False),
        (date(2026, 2, 1), True),
        (date(2026, 6, 1), True),
        (date(2026, 10, 20), True),
        (date(2026, 10, 21), False),
    ],
)
def test_pregnancy_counts_from_its_start_to_the_due_date_inclusive(day, pregnant):
    person = person_on(profile(**PREGNANCY), day)
    assert person.pregnant is pregnant
    assert person.lactating is False


@pytest.mark.parametrize(
    ("day", "lactating"),
    [
        (date(2026, 10, 21), False),
        (date(2026, 10, 22), True),
        (date(2027, 4, 22), True),
        (date(2027, 4, 23), False),
    ],
)
def test_lactation_counts_from_its_start_to_its_end_inclusive(day, lactating):
    stored = profile(
        **PREGNANCY, lactating_from=date(2026, 10, 22), lactating_until=date(2027, 4, 22)
    )
    person = person_on(stored, day)
    assert person.lactating is lactating
    assert person.pregnant is False


def test_lactation_without_an_end_goes_on():
    stored = profile(lactating_from=date(2026, 3, 1))
    assert person_on(stored, date(2026, 2, 28)).lactating is False
    assert person_on(stored, date(2026, 3, 1)).lactating is True
    assert person_on(stored, date(2030, 1, 1)).lactating is True


def test_age_is_taken_on_the_day_turning_over_on_the_birthday():
    stored = profile(date_of_birth=date(1990, 6, 15))
    assert person_on(stored, date(2021, 6, 14)).age_years == 30
    assert person_on(stored, date(2021, 6, 15)).age_years == 31


def test_health_fields_and_custom_target_carry_over():
    stored = profile(
        sex=Sex.MALE,
        ckd_stage=3,
        medications=[Medication.DIGOXIN.value, Medication.PPI.value],
        custom_target_mg=380,
    )
    person = person_on(stored, date(2026, 5, 1))
    assert person.sex == "male"
    assert person.ckd_stage == 3
    assert person.medications == frozenset({"digoxin", "ppi"})
    assert person.target_mg == 380


def test_no_custom_target_means_none():
    assert person_on(profile(), date(2026, 5, 1)).target_mg is None


def test_a_profile_without_birth_date_or_sex_has_no_person():
    with pytest.raises(ValueError, match="date of birth and a sex"):
        person_on(profile(date_of_birth=None), date(2026, 5, 1))
    with pytest.raises(ValueError, match="date of birth and a sex"):
        person_on(profile(sex=""), date(2026, 5, 1))


def test_roles_add_to_person():
    assert roles_of(User(email="a@example.org")) == ["person"]
    assert roles_of(User(email="b@example.org", is_dietitian=True)) == ["person", "dietitian"]
    assert roles_of(User(email="c@example.org", is_staff=True)) == ["person", "admin"]


def test_the_custom_target_of_a_day_is_the_one_in_force_on_it():
    history = [
        {"from": "2026-03-10", "mg": 420, "reason": "Raised", "by": 7},
        {"from": "2026-03-20", "mg": None, "reason": "", "by": 7},
    ]
    # The fields hold the target from today on: none, since the clear on 20 March.
    stored = profile(custom_target_history=history)
    assert person_on(stored, date(2026, 3, 9)).target_mg is None
    assert person_on(stored, date(2026, 3, 10)).target_mg == 420
    assert person_on(stored, date(2026, 3, 19)).target_mg == 420
    assert person_on(stored, date(2026, 3, 20)).target_mg is None


def test_a_custom_target_without_history_applies_on_every_day():
    stored = profile(custom_target_mg=380)
    assert person_on(stored, date(1991, 1, 1)).target_mg == 380
    assert person_on(stored, date(2040, 1, 1)).target_mg == 380
