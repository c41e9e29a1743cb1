"""Targets: every RDA/EAR/UL band at its edges, both sexes, pregnancy, lactation, custom."""

from datetime import date

import pytest

from plans.targets import (
    Person,
    TargetError,
    age_on,
    custom_target_in_force,
    custom_target_label,
    first_target_day,
    supplement_ul_mg,
    target_for,
)

# (age, female RDA, male RDA, female EAR, male EAR, UL) at each band edge.
EDGES = [
    (1, 80, 80, 65, 65, 65),
    (3, 80, 80, 65, 65, 65),
    (4, 130, 130, 110, 110, 110),
    (8, 130, 130, 110, 110, 110),
    (9, 240, 240, 200, 200, 350),
    (13, 240, 240, 200, 200, 350),
    (14, 360, 410, 300, 340, 350),
    (18, 360, 410, 300, 340, 350),
    (19, 310, 400, 255, 330, 350),
    (30, 310, 400, 255, 330, 350),
    (31, 320, 420, 265, 350, 350),
    (50, 320, 420, 265, 350, 350),
    (51, 320, 420, 265, 350, 350),
    (90, 320, 420, 265, 350, 350),
]


@pytest.mark.parametrize(("age", "rda_f", "rda_m", "ear_f", "ear_m", "ul"), EDGES)
def test_rda_ear_and_ul_at_band_edges_for_both_sexes(age, rda_f, rda_m, ear_f, ear_m, ul):
    female = target_for(Person("female", age))
    male = target_for(Person("male", age))
    assert (female.target_mg, female.ear_mg, female.supplement_ul_mg) == (rda_f, ear_f, ul)
    assert (male.target_mg, male.ear_mg, male.supplement_ul_mg) == (rda_m, ear_m, ul)
    assert female.source == male.source == "rda"


@pytest.mark.parametrize(
    ("age", "rda", "ear"),
    [
        (14, 400, 335),
        (18, 400, 335),
        (19, 350, 290),
        (30, 350, 290),
        (31, 360, 300),
        (50, 360, 300),
    ],
)
def test_pregnancy_bands(age, rda, ear):
    target = target_for(Person("female", age, pregnant=True))
    assert (target.target_mg, target.ear_mg, target.source) == (rda, ear, "pregnant")
    assert target.supplement_ul_mg == 350


@pytest.mark.parametrize(
    ("age", "rda", "ear"),
    [
        (14, 360, 300),
        (18, 360, 300),
        (19, 310, 255),
        (30, 310, 255),
        (31, 320, 265),
        (50, 320, 265),
    ],
)
def test_lactation_bands(age, rda, ear):
    target = target_for(Person("female", age, lactating=True))
    assert (target.target_mg, target.ear_mg, target.source) == (rda, ear, "lactating")


@pytest.mark.parametrize(("age", "rda"), [(13, 240), (51, 320), (60, 320)])
def test_pregnancy_and_lactation_outside_their_bands_fall_back_to_the_ordinary_row(age, rda):
    for person in (Person("female", age, pregnant=True), Person("female", age, lactating=True)):
        target = target_for(person)
        assert (target.target_mg, target.source) == (rda, "rda")


def test_pregnancy_takes_precedence_over_lactation():
    target = target_for(Person("female", 25, pregnant=True, lactating=True))
    assert (target.target_mg, target.source) == (350, "pregnant")


def test_under_one_year_is_refused_with_a_clear_message():
    with pytest.raises(TargetError, match="under 1 year"):
        target_for(Person("female", 0))
    with pytest.raises(TargetError, match="under 1 year"):
        supplement_ul_mg(0)


def test_unknown_sex_is_refused():
    with pytest.raises(TargetError, match="female' or 'male"):
        target_for(Person("other", 30))


def test_custom_target_replaces_the_rda_and_its_ear_is_target_over_1_2():
    target = target_for(Person("male", 45, target_mg=380))
    assert target.target_mg == 380
    assert target.ear_mg == pytest.approx(380 / 1.2)
    assert target.source == "custom"
    assert target.supplement_ul_mg == 350
    assert target.label == "Custom target set by your dietitian: 380 mg"
    assert (
        custom_target_label(380, set_by="Dr Ada Vale") == "Custom target set by Dr Ada Vale: 380 mg"
    )


def test_custom_target_of_zero_is_refused():
    with pytest.raises(TargetError, match="more than 0"):
        target_for(Person("male", 45, target_mg=0))


def test_a_custom_target_under_1_mg_is_refused_as_no_target():
    with pytest.raises(TargetError, match="at least 1 mg"):
        target_for(Person("male", 45, target_mg=2.2250738585e-313))


@pytest.mark.parametrize(
    ("person", "label"),
    [
        (Person("female", 34), "RDA, women 31 and over: 320 mg"),
        (Person("male", 20), "RDA, men 19–30: 400 mg"),
        (Person("female", 15), "RDA, girls 14–18: 360 mg"),
        (Person("male", 5), "RDA, children 4–8: 130 mg"),
        (Person("female", 28, pregnant=True), "RDA in pregnancy, ages 19–30: 350 mg"),
        (Person("female", 35, lactating=True), "RDA while breastfeeding, ages 31–50: 320 mg"),
    ],
)
def test_labels_for_people(person, label):
    assert target_for(person).label == label


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(1990, 6, 15), date(2024, 6, 14), 33),
        (date(1990, 6, 15), date(2024, 6, 15), 34),
        (date(2000, 2, 29), date(2023, 2, 28), 22),
        (date(2000, 2, 29), date(2023, 3, 1), 23),
        (date(2024, 1, 1), date(2024, 12, 31), 0),
    ],
)
def test_age_on_counts_whole_years(born, day, age):
    assert age_on(born, day) == age


@pytest.mark.parametrize(
    ("born", "first"),
    [
        (date(1990, 3, 15), date(1991, 3, 15)),
        (date(2000, 2, 29), date(2001, 3, 1)),  # as age_on counts a leap-day birthday
        (date(2003, 2, 28), date(2004, 2, 28)),
    ],
)
def test_the_first_target_day_is_the_first_birthday(born, first):
    assert first_target_day(born) == first
    day_before = date.fromordinal(first.toordinal() - 1)
    with pytest.raises(TargetError):
        target_for(Person("female", age_on(born, day_before)))
    assert target_for(Person("female", age_on(born, first))).target_mg == 80


# ---------------------------------------------------------------- custom target history

# Set "always" (before there was a history) at 380, raised to 420 on 10 March, cleared on
# 20 March, set again at 400 on 1 April.
HISTORY = [
    {"from": None, "mg": 380, "reason": "Old", "by": 1},
    {"from": "2026-03-10", "mg": 420, "reason": "Raised", "by": 1},
    {"from": "2026-03-20", "mg": None, "reason": "", "by": 2},
    {"from": "2026-04-01", "mg": 400, "reason": "Again", "by": 3},
]


@pytest.mark.parametrize(
    ("day", "mg"),
    [
        (date(1990, 1, 1), 380),
        (date(2026, 3, 9), 380),
        (date(2026, 3, 10), 420),  # from the day it was set on
        (date(2026, 3, 19), 420),
        (date(2026, 3, 20), None),  # cleared: the model's own target
        (date(2026, 3, 31), None),
        (date(2026, 4, 1), 400),
        (date(2030, 1, 1), 400),  # and on every later day
    ],
)
def test_each_day_has_the_custom_target_in_force_on_it(day, mg):
    entry = custom_target_in_force(HISTORY, day)
    assert entry is not None
    assert entry["mg"] == mg


def test_before_the_first_change_there_is_no_custom_target():
    history = [{"from": "2026-03-10", "mg": 420, "reason": "Raised", "by": 1}]
    assert custom_target_in_force(history, date(2026, 3, 9)) is None
    assert custom_target_in_force(history, date(2026, 3, 10))["mg"] == 420
    assert custom_target_in_force([], date(2026, 3, 10)) is None


def test_of_two_entries_from_one_day_the_later_counts_whatever_the_order():
    later = {"from": "2026-03-10", "mg": 450, "reason": "Later", "by": 1}
    history = [
        {"from": "2026-04-01", "mg": 300, "reason": "April", "by": 1},
        {"from": "2026-03-10", "mg": 420, "reason": "Raised", "by": 1},
        later,
    ]
    assert custom_target_in_force(history, date(2026, 3, 15)) is later
    assert custom_target_in_force(history, date(2026, 4, 2))["mg"] == 300
