"""Supplement forms: elemental fractions computed from formulas match the specification's table."""

import pytest

from plans.supplements import (
    FORMS,
    compound_mg,
    describe_amount,
    elemental_mg,
    form_for,
    molar_mass_g_per_mol,
)

# The specification's table (scoring-model.md section 3), to one decimal of a percent.
SPEC_PERCENT = {
    "oxide": 60.3,
    "citrate": 16.2,
    "glycinate": 14.1,
    "malate": 15.5,
    "threonate": 8.3,
    "sulfate": 9.9,
    "chloride": 12.0,
    "aspartate": 8.4,
    "lactate": 12.0,
}


def test_catalogue_has_nine_forms_and_other():
    assert set(FORMS) == {*SPEC_PERCENT, "other"}


@pytest.mark.parametrize(("key", "percent"), SPEC_PERCENT.items())
def test_elemental_fraction_from_the_formula_matches_the_spec_table(key, percent):
    assert round(100 * FORMS[key].elemental_fraction, 1) == percent


def test_citrate_molar_mass_is_summed_from_its_formula():
    form = FORMS["citrate"]
    assert form.formula == "Mg3(C6H5O7)2"
    assert form.mg_atoms == 3
    assert form.molar_mass_g_per_mol == pytest.approx(451.11, abs=0.01)


def test_hydrate_water_counts_in_the_molar_mass():
    assert molar_mass_g_per_mol("MgSO4·7H2O") == pytest.approx(246.47, abs=0.01)
    assert molar_mass_g_per_mol("MgCl2·6H2O") == pytest.approx(203.30, abs=0.01)


def test_bioavailability_oxide_is_0_4_and_soluble_forms_1():
    assert FORMS["oxide"].bioavailability == 0.40
    assert all(FORMS[key].bioavailability == 1.0 for key in SPEC_PERCENT if key != "oxide")


def test_conversion_both_ways():
    assert elemental_mg("citrate", 500) == pytest.approx(80.8, abs=0.05)
    assert elemental_mg("oxide", 500) == pytest.approx(301.5, abs=0.05)
    assert compound_mg("oxide", elemental_mg("oxide", 500)) == pytest.approx(500)
    assert elemental_mg("other", 200) == 200


def test_describe_amount_shows_both_weights():
    assert (
        describe_amount("citrate", compound_mg=500) == "500 mg magnesium citrate = 81 mg elemental"
    )
    assert (
        describe_amount("oxide", elemental_mg=300)
        == "300 mg elemental magnesium = 497 mg magnesium oxide"
    )
    assert describe_amount("other", elemental_mg=150) == "150 mg elemental magnesium"


def test_describe_amount_needs_exactly_one_weight():
    with pytest.raises(ValueError, match="exactly one"):
        describe_amount("citrate")
    with pytest.raises(ValueError, match="exactly one"):
        describe_amount("citrate", compound_mg=1, elemental_mg=1)


def test_unknown_form_names_the_known_ones():
    with pytest.raises(ValueError, match="known forms: oxide, citrate"):
        form_for("carbonate")
