"""Read a day in the `score_day` JSON format (scoring-model.md section 7) into engine inputs.

Pure: foods named by code are resolved through the `lookup_food` callable the caller passes
(the command passes `foods.selectors.food_values_by_code`). Every problem is a DayInputError
whose message is one line naming where in the input it is, e.g.
`occasions[0].items[1].grams: must be a number of 0 or more, not -5`.
"""

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from foods.diet import DIETS, EXCLUSIONS
from foods.values import FoodValues
from plans.scoring import PREPARATIONS, Day, Item, Meal, Supplement, food_item, standalone_name
from plans.supplements import FORMS
from plans.targets import (
    CKD_STAGES,
    MEDICATIONS,
    MIN_CUSTOM_TARGET_MG,
    SEXES,
    Person,
    TargetError,
    target_for,
)

# Generous physical bounds: they keep the arithmetic finite without refusing any real meal.
MAX_GRAMS = 10_000.0  # one item of a day, 10 kg
MAX_MG_PER_100G = 100_000.0  # nothing is more than 100 g of anything per 100 g
MAX_KCAL_PER_100G = 1_000.0
MAX_SUPPLEMENT_MG = 100_000.0
MAX_TARGET_MG = 10_000.0
MAX_KCAL_GOAL = 100_000.0  # a day's energy goal; any goal above the day's kcal changes nothing

PROFILE_KEYS = frozenset(
    {
        "sex",
        "age_years",
        "pregnant",
        "lactating",
        "ckd_stage",
        "medications",
        "target_mg",
        "diet",  # shared with `suggest`; ignored for scoring
        "exclusions",  # shared with `suggest`; ignored for scoring
    }
)
# `suggest` ranks by the kcal goal (issue 6); `score_day` has no use for one and refuses it.
SUGGEST_PROFILE_KEYS = PROFILE_KEYS | {"kcal_goal"}
NUTRIENT_KEYS = (
    "magnesium_mg_per_100g",
    "phytate_mg_per_100g",
    "oxalate_mg_per_100g",
    "calcium_mg_per_100g",
    "kcal_per_100g",
)
ITEM_KEYS = frozenset({"name", "grams", "food", "preparation", *NUTRIENT_KEYS})
OCCASION_KEYS = frozenset({"name", "items"})
SUPPLEMENT_KEYS = frozenset(
    {"form", "compound_mg", "elemental_mg", "name", "with", "calcium_mg", "bioavailability"}
)
# The spec's form table (scoring-model.md section 3) writes "L-threonate"; the catalogue's key
# is "threonate". Form keys are matched without regard to case, as labels print them.
FORM_ALIASES = {"l-threonate": "threonate"}

FoodLookup = Callable[[Iterable[str]], Mapping[str, FoodValues]]


class DayInputError(ValueError):
    """The input is not a day the engine can score; the message is one line for people."""


def _fail(where: str, problem: str) -> DayInputError:
    return DayInputError(f"{where}: {problem}" if where else problem)


def _describe(value: object) -> str:
    # Containers are named, never printed: str() of a list nested thousands deep recurses.
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, list):
        text = "a list"
    elif isinstance(value, dict):
        text = "an object"
    else:
        text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _object(value: object, where: str, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"must be an object, not {_describe(value)}")
    unknown = sorted(key for key in value if key not in allowed)
    if unknown:
        raise _fail(where, f"unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    return value


def _number(
    value: object, where: str, *, upper: float, positive: bool = False, lower: float = 0.0
) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"must be a number, not {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        # JSON digits are read as an exact int of any size; one past float's range is as
        # unusable as 1e400 (which json reads as inf), and is refused the same way.
        number = math.inf
    if not math.isfinite(number):
        raise _fail(where, f"must be a finite number, not {_describe(value)}")
    if positive and number <= 0:
        raise _fail(where, f"must be more than 0, not {_describe(value)}")
    if number < lower:
        raise _fail(where, f"must be a number of {lower:g} or more, not {_describe(value)}")
    if number > upper:
        raise _fail(where, f"must be at most {upper:,.0f}, not {_describe(value)}")
    return number


def _optional_number(
    data: dict[str, Any], key: str, where: str, *, upper: float, default: float = 0.0
) -> float:
    if key not in data or data[key] is None:
        return default
    return _number(data[key], f"{where}.{key}", upper=upper)


def _text(value: object, where: str, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"must be a string, not {_describe(value)}")
    _check_characters(value, where)
    if required and not value.strip():
        raise _fail(where, "must not be empty")
    return value.strip()


def _check_characters(text: str, where: str) -> None:
    """Refuse half of a UTF-16 surrogate pair: JSON can escape one ("\\ud800") but it is no
    character, so the name could never be written out as UTF-8 (nor sent to the database)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        code = ord(text[error.start])
        raise _fail(
            where, f"has a lone surrogate (\\u{code:04x}), which is not a character"
        ) from None


def _bool(data: dict[str, Any], key: str, where: str) -> bool:
    value = data.get(key, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _fail(f"{where}.{key}", f"must be true or false, not {_describe(value)}")
    return value


def _int(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"must be a whole number, not {_describe(value)}")
    if isinstance(value, float) and not value.is_integer():
        raise _fail(where, f"must be a whole number, not {_describe(value)}")
    return int(value)


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(where, f"must be a list, not {_describe(value)}")
    return value


def _optional_list(data: dict[str, Any], key: str, where: str) -> list[Any]:
    """A list that may be left out or null (empty); any other type is refused, so an object,
    "" or false is never read as "nothing" and the day scored without it."""
    value = data.get(key)
    return [] if value is None else _list(value, where)


def parse_person(
    data: object, where: str = "profile", *, keys: frozenset[str] = PROFILE_KEYS
) -> Person:
    profile = _object(data, where, keys)
    if "sex" not in profile:
        raise _fail(where, "'sex' is required ('female' or 'male')")
    sex = profile["sex"]
    if sex not in SEXES:
        raise _fail(f"{where}.sex", f"must be 'female' or 'male', not {_describe(sex)}")
    if profile.get("age_years") is None:
        raise _fail(where, "'age_years' is required (whole years, 1 or more)")
    age_years = _int(profile["age_years"], f"{where}.age_years")
    if age_years < 1:
        raise _fail(
            f"{where}.age_years",
            "must be at least 1 (there is no RDA for magnesium under 1 year), "
            f"not {_describe(age_years)}",
        )
    if age_years > 130:
        raise _fail(f"{where}.age_years", f"must be at most 130, not {_describe(age_years)}")
    ckd_stage = 0
    if profile.get("ckd_stage") is not None:
        ckd_stage = _int(profile["ckd_stage"], f"{where}.ckd_stage")
        if ckd_stage not in CKD_STAGES:
            raise _fail(f"{where}.ckd_stage", f"must be 0 to 5, not {_describe(ckd_stage)}")
    medications: set[str] = set()
    for index, name in enumerate(_optional_list(profile, "medications", f"{where}.medications")):
        if name not in MEDICATIONS:
            raise _fail(
                f"{where}.medications[{index}]",
                f"unknown medication {_describe(name)} (known: {', '.join(MEDICATIONS)})",
            )
        medications.add(name)
    target_mg = None
    if profile.get("target_mg") is not None:
        target_mg = _number(
            profile["target_mg"],
            f"{where}.target_mg",
            upper=MAX_TARGET_MG,
            positive=True,
            lower=MIN_CUSTOM_TARGET_MG,
        )
    pregnant = _bool(profile, "pregnant", where)
    lactating = _bool(profile, "lactating", where)
    # The web profile refuses these dates unless sex is female (accounts.services); the engine
    # would silently score an ordinary man, so the contradiction is refused here too.
    if sex != "female" and (pregnant or lactating):
        field = "pregnant" if pregnant else "lactating"
        raise _fail(f"{where}.{field}", f"applies only when sex is 'female', not {sex!r}")
    person = Person(
        sex=sex,
        age_years=age_years,
        pregnant=pregnant,
        lactating=lactating,
        ckd_stage=ckd_stage,
        medications=frozenset(medications),
        target_mg=target_mg,
    )
    try:
        target_for(person)
    except TargetError as error:
        raise _fail(where, str(error)) from None
    return person


def _preparation(item: dict[str, Any], where: str) -> str:
    preparation = item.get("preparation", "none")
    if preparation is None:
        return "none"
    if preparation not in PREPARATIONS:
        raise _fail(
            f"{where}.preparation",
            f"unknown preparation {_describe(preparation)} (known: {', '.join(PREPARATIONS)})",
        )
    return preparation


def parse_day(
    data: object, lookup_food: FoodLookup, *, profile_keys: frozenset[str] = PROFILE_KEYS
) -> Day:
    """The engine's Day for a `score_day` JSON document; raises DayInputError.

    `profile_keys` are the profile fields the caller accepts (`suggest` adds `kcal_goal`).
    """
    if not isinstance(data, dict):
        raise _fail("", f"the day must be a JSON object, not {_describe(data)}")
    if "profile" not in data:
        raise _fail("", "'profile' is required")
    person = parse_person(data["profile"], keys=profile_keys)

    raw_occasions = _optional_list(data, "occasions", "occasions")
    names: set[str] = set()
    parsed: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = []
    codes: set[str] = set()
    for o_index, raw in enumerate(raw_occasions):
        where = f"occasions[{o_index}]"
        occasion = _object(raw, where, OCCASION_KEYS)
        if "name" not in occasion:
            raise _fail(where, "'name' is required")
        name = _text(occasion["name"], f"{where}.name")
        if name in names:
            raise _fail(f"{where}.name", f"two occasions are named {name!r}")
        names.add(name)
        items = []
        for i_index, raw_item in enumerate(_optional_list(occasion, "items", f"{where}.items")):
            item_where = f"{where}.items[{i_index}]"
            item = _object(raw_item, item_where, ITEM_KEYS)
            if "food" in item:
                code = item["food"]
                if not isinstance(code, str) or not code.strip():
                    raise _fail(
                        f"{item_where}.food", f"must be a food code string, not {_describe(code)}"
                    )
                _check_characters(code, f"{item_where}.food")
                if "\x00" in code:
                    # PostgreSQL text cannot hold NUL: the lookup would fail as a database
                    # error (exit 1, "unprepared setup") instead of as bad input.
                    raise _fail(f"{item_where}.food", "must not contain a NUL character")
                inline = [key for key in NUTRIENT_KEYS if key in item]
                if inline:
                    raise _fail(
                        item_where, f"give either 'food' or nutrients, not both ({inline[0]})"
                    )
                codes.add(code.strip())
            items.append((item_where, item))
        parsed.append((name, items))

    foods: Mapping[str, FoodValues] = lookup_food(sorted(codes)) if codes else {}

    meals = []
    for name, items in parsed:
        meal_items = []
        for item_where, item in items:
            if "grams" not in item or item["grams"] is None:
                raise _fail(item_where, "'grams' is required")
            grams = _number(item["grams"], f"{item_where}.grams", upper=MAX_GRAMS)
            preparation = _preparation(item, item_where)
            label = None
            if "name" in item and item["name"] is not None:
                label = _text(item["name"], f"{item_where}.name")
            if "food" in item:
                code = item["food"].strip()
                food = foods.get(code)
                if food is None:
                    raise _fail(f"{item_where}.food", f"unknown food code {code!r}")
                meal_items.append(food_item(food, grams, name=label, preparation=preparation))
                continue
            if item.get("magnesium_mg_per_100g") is None:
                raise _fail(item_where, "give 'food' (a food code) or 'magnesium_mg_per_100g'")
            meal_items.append(
                Item(
                    name=label or f"item {len(meal_items) + 1} of {name}",
                    grams=grams,
                    magnesium_mg_per_100g=_number(
                        item["magnesium_mg_per_100g"],
                        f"{item_where}.magnesium_mg_per_100g",
                        upper=MAX_MG_PER_100G,
                    ),
                    phytate_mg_per_100g=_optional_number(
                        item, "phytate_mg_per_100g", item_where, upper=MAX_MG_PER_100G
                    ),
                    oxalate_mg_per_100g=_optional_number(
                        item, "oxalate_mg_per_100g", item_where, upper=MAX_MG_PER_100G
                    ),
                    calcium_mg_per_100g=_optional_number(
                        item, "calcium_mg_per_100g", item_where, upper=MAX_MG_PER_100G
                    ),
                    kcal_per_100g=_optional_number(
                        item, "kcal_per_100g", item_where, upper=MAX_KCAL_PER_100G
                    ),
                    preparation=preparation,
                )
            )
        meals.append(Meal(name=name, items=tuple(meal_items)))

    supplements = []
    raw_supplements = _optional_list(data, "supplements", "supplements")
    for s_index, raw in enumerate(raw_supplements):
        supplements.append(_supplement(raw, f"supplements[{s_index}]", names))
    return Day(person=person, meals=tuple(meals), supplements=tuple(supplements))


def _supplement(raw: object, where: str, occasion_names: set[str]) -> Supplement:
    supplement = _object(raw, where, SUPPLEMENT_KEYS)
    if "form" not in supplement:
        raise _fail(where, f"'form' is required ({', '.join(FORMS)})")
    form_key = _form_key(supplement["form"], f"{where}.form")
    form = FORMS[form_key]
    has_compound = supplement.get("compound_mg") is not None
    has_elemental = supplement.get("elemental_mg") is not None
    if has_compound == has_elemental:
        raise _fail(where, "give exactly one of 'compound_mg' or 'elemental_mg'")
    if has_compound:
        if form.molar_mass_g_per_mol is None:
            raise _fail(
                f"{where}.compound_mg",
                f"form {form_key!r} has no formula: give 'elemental_mg' instead",
            )
        salt_mg = _number(
            supplement["compound_mg"], f"{where}.compound_mg", upper=MAX_SUPPLEMENT_MG
        )
        magnesium_mg = salt_mg * form.elemental_fraction
    else:
        magnesium_mg = _number(
            supplement["elemental_mg"], f"{where}.elemental_mg", upper=MAX_SUPPLEMENT_MG
        )
    name = ""
    if supplement.get("name") is not None:
        name = _text(supplement["name"], f"{where}.name")
    with_meal = None
    if supplement.get("with") is not None:
        with_meal = _text(supplement["with"], f"{where}.with")
        if with_meal not in occasion_names:
            raise _fail(f"{where}.with", f"names no occasion: {with_meal!r}")
    bioavailability = None
    if supplement.get("bioavailability") is not None:
        if form.molar_mass_g_per_mol is not None:
            # The spec's table gives a named form its own bioavailability; only "other" is
            # entered (default 1.0), so oxide cannot be scored as if it were soluble.
            raise _fail(
                f"{where}.bioavailability",
                f"only form 'other' is given a bioavailability; {form_key!r} has its own "
                f"({form.bioavailability:g})",
            )
        bioavailability = _number(
            supplement["bioavailability"], f"{where}.bioavailability", upper=1.0, positive=True
        )
    result = Supplement(
        form=form_key,
        elemental_mg=magnesium_mg,
        name=name,
        with_meal=with_meal,
        calcium_mg=_optional_number(supplement, "calcium_mg", where, upper=MAX_SUPPLEMENT_MG),
        bioavailability=bioavailability,
    )
    if with_meal is None and standalone_name(result) in occasion_names:
        raise _fail(
            where,
            f"its own occasion would be named {standalone_name(result)!r}, "
            "which is already an occasion",
        )
    return result


def _form_key(value: object, where: str) -> str:
    """The catalogue key for a form as written: any case, and the spec's "L-threonate"."""
    if isinstance(value, str):
        key = FORM_ALIASES.get(value.lower(), value.lower())
        if key in FORMS:
            return key
    raise _fail(where, f"unknown supplement form {_describe(value)} (known: {', '.join(FORMS)})")


def parse_preferences(
    profile: Mapping[str, Any], where: str = "profile"
) -> tuple[str, frozenset[str], float | None]:
    """`suggest`'s diet, exclusions and optional daily energy goal (kcal) from a profile that
    parse_day has checked; the kcal goal is passed to the ranking as the web page passes it."""
    diet = profile.get("diet")
    if diet is None:
        diet = "omnivore"
    if diet not in DIETS:
        raise _fail(f"{where}.diet", f"must be one of {', '.join(DIETS)}, not {_describe(diet)}")
    raw = profile.get("exclusions")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise _fail(f"{where}.exclusions", "must be a list of names")
    for index, name in enumerate(raw):
        if name not in EXCLUSIONS:
            raise _fail(
                f"{where}.exclusions[{index}]",
                f"unknown exclusion {_describe(name)} (known: {', '.join(EXCLUSIONS)})",
            )
    kcal_goal = None
    if profile.get("kcal_goal") is not None:
        kcal_goal = _number(
            profile["kcal_goal"], f"{where}.kcal_goal", upper=MAX_KCAL_GOAL, positive=True
        )
    return diet, frozenset(raw), kcal_goal
