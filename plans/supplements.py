"""Magnesium supplement forms: elemental fraction from the salt's formula, and bioavailability.

Pure Python. The elemental fraction is computed, not typed in: 24.305 g/mol of magnesium times
the Mg atoms in the salt, over the salt's molar mass, which is summed from its written formula
(e.g. citrate Mg3(C6H5O7)2 = 451.11 g/mol, so 3 x 24.305 / 451.11 = 16.2 %).
"""

import re
from dataclasses import dataclass

# IUPAC standard atomic weights (conventional values), g/mol.
ATOMIC_MASS_G_PER_MOL: dict[str, float] = {
    "Mg": 24.305,
    "C": 12.011,
    "H": 1.008,
    "N": 14.007,
    "O": 15.999,
    "S": 32.06,
    "Cl": 35.45,
}
MAGNESIUM_G_PER_MOL = ATOMIC_MASS_G_PER_MOL["Mg"]

_TOKEN = re.compile(r"([A-Z][a-z]?)(\d*)|(\()|(\))(\d*)")


def _formula_atoms(formula: str) -> dict[str, int]:
    """Atom counts of a formula such as "Mg3(C6H5O7)2" or "MgSO4·7H2O" (hydrate after "·")."""
    counts: dict[str, int] = {}
    for part in formula.split("·"):
        multiplier_match = re.match(r"\d+", part)
        multiplier = int(multiplier_match.group()) if multiplier_match else 1
        body = part[multiplier_match.end() :] if multiplier_match else part
        stack: list[dict[str, int]] = [{}]
        position = 0
        while position < len(body):
            token = _TOKEN.match(body, position)
            if token is None:
                raise ValueError(f"Cannot read formula {formula!r} at {body[position:]!r}")
            position = token.end()
            element, number, opening, closing, group_number = token.groups()
            if element:
                stack[-1][element] = stack[-1].get(element, 0) + int(number or 1)
            elif opening:
                stack.append({})
            elif closing:
                group = stack.pop()
                for name, count in group.items():
                    stack[-1][name] = stack[-1].get(name, 0) + count * int(group_number or 1)
        for name, count in stack[0].items():
            counts[name] = counts.get(name, 0) + count * multiplier
    return counts


def molar_mass_g_per_mol(formula: str) -> float:
    return sum(
        ATOMIC_MASS_G_PER_MOL[name] * count for name, count in _formula_atoms(formula).items()
    )


@dataclass(frozen=True, slots=True)
class SupplementForm:
    key: str
    label: str  # "magnesium citrate"
    formula: str  # "" for "other"
    mg_atoms: int
    molar_mass_g_per_mol: float | None  # None for "other": entered as elemental mg
    bioavailability: float  # relative to soluble forms (food counts 1.0)
    note: str

    @property
    def elemental_fraction(self) -> float:
        """Mass fraction of magnesium in the salt: 24.305 x Mg atoms / molar mass."""
        if self.molar_mass_g_per_mol is None:
            return 1.0
        return MAGNESIUM_G_PER_MOL * self.mg_atoms / self.molar_mass_g_per_mol


def _form(key: str, label: str, formula: str, bioavailability: float, note: str) -> SupplementForm:
    return SupplementForm(
        key=key,
        label=label,
        formula=formula,
        mg_atoms=_formula_atoms(formula)["Mg"],
        molar_mass_g_per_mol=molar_mass_g_per_mol(formula),
        bioavailability=bioavailability,
        note=note,
    )


# Relative bioavailability (scoring-model.md section 3): Firoz & Graber 2001 measured ~4 %
# fractional absorption for oxide against ~10 % for chloride, lactate and aspartate, so oxide
# counts 0.40 of a soluble form; the dose factor accounts for the size of the dose separately.
FORMS: dict[str, SupplementForm] = {
    form.key: form
    for form in (
        _form(
            "oxide",
            "magnesium oxide",
            "MgO",
            0.40,
            "Most magnesium per tablet but poorly soluble: absorbed about 0.4 times as well "
            "as soluble forms (Firoz & Graber 2001).",
        ),
        _form(
            "citrate",
            "magnesium citrate",
            "Mg3(C6H5O7)2",
            1.0,
            "Trimagnesium dicitrate, anhydrous; soluble and well absorbed.",
        ),
        _form(
            "glycinate",
            "magnesium glycinate",
            "Mg(C2H4NO2)2",
            1.0,
            "Bisglycinate; well absorbed, little laxative effect.",
        ),
        _form("malate", "magnesium malate", "MgC4H4O5", 1.0, "Soluble; treated as well absorbed."),
        _form(
            "threonate",
            "magnesium L-threonate",
            "Mg(C4H7O5)2",
            1.0,
            "Little magnesium per capsule; human absorption data are limited.",
        ),
        _form(
            "sulfate",
            "magnesium sulfate",
            "MgSO4·7H2O",
            1.0,
            "Heptahydrate (Epsom salt); a laxative at common doses.",
        ),
        _form(
            "chloride",
            "magnesium chloride",
            "MgCl2·6H2O",
            1.0,
            "Hexahydrate; soluble, about 10 % absorbed in Firoz & Graber 2001.",
        ),
        _form(
            "aspartate",
            "magnesium aspartate",
            "Mg(C4H6NO4)2",
            1.0,
            "Soluble; about 10 % absorbed in Firoz & Graber 2001.",
        ),
        _form(
            "lactate",
            "magnesium lactate",
            "Mg(C3H5O3)2",
            1.0,
            "Anhydrous; soluble, about 10 % absorbed in Firoz & Graber 2001.",
        ),
    )
}
FORMS["other"] = SupplementForm(
    key="other",
    label="other magnesium supplement",
    formula="",
    mg_atoms=1,
    molar_mass_g_per_mol=None,
    bioavailability=1.0,
    note="Entered as elemental magnesium; bioavailability as entered (default 1.0).",
)


def opening(label: str) -> str:
    """A supplement's label where it opens a name or a sentence: its first letter up, the
    rest as written ("Magnesium L-threonate"; str.capitalize() lowered the "L")."""
    return label[:1].upper() + label[1:]


def compound_unknown(form: str) -> str | None:
    """Why a label's compound weight cannot be used for `form` ("other": no formula, so no
    elemental share), or None when it can."""
    spec = FORMS.get(form)
    if spec is None or spec.molar_mass_g_per_mol is not None:
        return None
    return (
        f"For “{spec.label}” enter the elemental magnesium (the label's “magnesium … mg”): "
        "its compound is not known, so its weight cannot be converted."
    )


def form_for(form: str) -> SupplementForm:
    try:
        return FORMS[form]
    except KeyError:
        known = ", ".join(FORMS)
        raise ValueError(f"Unknown supplement form {form!r}; known forms: {known}.") from None


def elemental_mg(form: str, compound_mg: float) -> float:
    """Elemental magnesium in `compound_mg` of the salt ("500 mg magnesium citrate" -> 80.8)."""
    return compound_mg * form_for(form).elemental_fraction


def compound_mg(form: str, elemental_mg: float) -> float:
    """Weight of the salt that carries `elemental_mg` of magnesium."""
    return elemental_mg / form_for(form).elemental_fraction


def _mg(value: float) -> str:
    return f"{value:,.0f} mg"


def describe_amount(
    form: str, *, compound_mg: float | None = None, elemental_mg: float | None = None
) -> str:
    """Both weights of a dose, for people: "500 mg magnesium citrate = 81 mg elemental".

    Give exactly one of `compound_mg` (the salt's weight) or `elemental_mg` (the magnesium in it).
    """
    if (compound_mg is None) == (elemental_mg is None):
        raise ValueError("Give exactly one of compound_mg or elemental_mg.")
    spec = form_for(form)
    if spec.molar_mass_g_per_mol is None:
        amount = elemental_mg if elemental_mg is not None else compound_mg
        return f"{_mg(amount or 0.0)} elemental magnesium"
    if compound_mg is not None:
        magnesium_mg = compound_mg * spec.elemental_fraction
        return f"{_mg(compound_mg)} {spec.label} = {_mg(magnesium_mg)} elemental"
    assert elemental_mg is not None  # noqa: S101 - narrowed by the check above
    salt_mg = elemental_mg / spec.elemental_fraction
    return f"{_mg(elemental_mg)} elemental magnesium = {_mg(salt_mg)} {spec.label}"
