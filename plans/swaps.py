"""Suggestions that raise a day's effective magnesium: add, replace, prepare, split (pure).

Kind "split" is the issue's kind 4, "move or split a supplement dose": half of a large dose
taken at another time, or (`Suggestion.move`) a whole dose taken away from a meal whose
phytate or oxalate binds it.

Every suggestion is scored by the engine on the changed day: `gain_mg` is
`score_day(changed).effective_mg - score_day(today).effective_mg`, never a rule of thumb, and a
change whose day carries a warning today's day does not (supplement above the UL, any
supplement under CKD stage 3 or more, very high calcium...) is never proposed.

Ranking (documented in the README):
- without a kcal goal: `rank = gain_mg - KCAL_PENALTY_MG_PER_100KCAL x max(kcal_delta, 0) / 100`,
  a gentle penalty so that of two equal gains the one costing less energy comes first;
- with a kcal goal: a change that takes the day over the goal (and adds energy) is not
  proposed; within the goal, energy is what the goal allows, so the rank is the gain.
"""

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from foods.antinutrients import SALTED, salt_twin_key
from foods.diet import allowed
from foods.values import FoodValues
from plans import scoring
from plans.scoring import (
    PREPARATION_PHYTATE_FACTOR,
    Day,
    DayScore,
    Item,
    Meal,
    Supplement,
    food_item,
)
from plans.supplements import opening

KINDS = ("add", "replace", "prepare", "split")
JSON_KEYS = (
    "kind",
    "meal",
    "food",
    "grams",
    "food_name",
    "replaces",
    "gain_mg",
    "kcal_delta",
    "why",
)
# mg of effective magnesium one added 100 kcal costs in the rank without a kcal goal.
KCAL_PENALTY_MG_PER_100KCAL = 5.0
# Below this a change is noise, not advice.
MIN_GAIN_MG = 1.0
# A dose taken with a meal is proposed to be taken on its own when the meal's phytate and
# oxalate together keep less than this share of its magnesium. Any dose gains a little
# away from a meal (two smaller loads saturate the gut less), so without this bar every
# dose with a meal would be told to leave it; 0.9 asks for a meal that binds a tenth or
# more: about 190 mg of phytic acid (two slices of wholemeal bread) or 220 mg of oxalic acid
# (a cup of raw spinach).
MOVE_MAX_BINDING_FACTOR = 0.9
# An item carrying at least this much phytic acid (mg) is worth soaking/sprouting/fermenting.
PREPARE_MIN_PHYTATE_MG = 50.0
# Fewer curated adds than this fitting the person: automatic adds fill the gap.
MIN_CURATED_ADDS = 8
# Replacements offered per replaced item, and automatic replacements kept per role.
REPLACEMENTS_PER_ITEM = 2
SAME_ROLE_PER_ROLE = 8
# Adds are also offered as a snack between meals (the planner's default meal of that name)
# when the day has no snack yet: a snack's magnesium is not bound by a meal's phytate.
DEFAULT_MEAL = "Snacks"
# Roles whose members stand in for each other in a meal; the group fallbacks
# ("group:Vegetables...") and fruit are too broad for a gram-for-gram swap (carrot -> dock).
AUTO_REPLACE_ROLES = frozenset(
    {
        "snack-sweet",
        "snack-salty",
        "nut-seed",
        "breakfast-cereal",
        "bread",
        "pasta",
        "grain",
        "legume",
        "green",
    }
)

# An automatic replacement may carry at most this times the replaced food's kcal per 100 g
# (+ 50 kcal, so that very lean foods can still be replaced).
REPLACE_KCAL_DENSITY_RATIO = 1.5
# SR28's greens are either high in oxalate (spinach 970, chard 645, beet greens 610,
# vinespinach 170 mg per 100 g) or low (kale 20, collards 9, cabbage 3, mustard greens 2):
# no green with a known value lies between 21 and 169. A green above this line is replaced
# only by one below it: the swap is there to free the meal's magnesium from oxalate, and
# spinach -> chard only trades one binder for another (issue 6: "spinach -> kale").
HIGH_OXALATE_GREEN_MG_PER_100G = 100.0
# A pair curated for a database food fits an inline item of that name only in a like state:
# its kcal per 100 g within this factor either way (dry rice is no stand-in for cooked).
PAIR_NAME_KCAL_RATIO = 2.0

# Which preparations make sense for a food, by its role (kitchen practice, not chemistry:
# nobody sprouts bread; Gupta et al. 2015 for the reductions the engine applies).
SENSIBLE_PREPARATIONS: dict[str, tuple[str, ...]] = {
    "legume": ("sprouted", "soaked"),
    "grain": ("soaked", "fermented"),
    "breakfast-cereal": ("soaked",),
    "bread": ("fermented",),
    "nut-seed": ("soaked",),
}
# Forms of a seed that cannot be soaked, sprouted or fermented in a kitchen any more: the
# seed was pressed, ground to a paste or made into a drink ("Nuts, coconut milk", "Peanut
# butter", "Soymilk"). Flour is not among them: sourdough ferments it.
# Whole words: "boiled" holds "oil".
_PROCESSED = re.compile(
    r"\b(milk|soymilk|butter|oil|cream|juice|beverage|drink|paste)s?\b", re.IGNORECASE
)


def sensible_preparations(description: str, role: str) -> tuple[str, ...]:
    """The preparations worth proposing for a food of `role` ("soak the lentils"), none for
    a processed form of a seed."""
    if _PROCESSED.search(description):
        return ()
    return SENSIBLE_PREPARATIONS.get(role, ())


# Words that say how a food is kept, cooked, cut, salted or packed, not which food it is
# ("Spinach, frozen, chopped or leaf, cooked, boiled, drained, without salt" is spinach).
# Not sprouted, soaked or fermented: those change the food's phytate (sprouted wheat bread
# for wheat bread is a change the engine counts), and not "plain", which SR28 sets against
# a variety ("Crackers, matzo, plain" and "..., whole-wheat").
_STATE_WORD = re.compile(
    r"""
    raw|cooked|boiled|drained|frozen|canned|fresh|dried|dry|roasted|toasted|steamed|baked
    |broiled|braised|fried|pan-fried|grilled|poached|stewed|simmered|microwaved|blanched
    |heated|unheated|prepared|unprepared|uncooked|chopped|leaf|leaves|whole|sliced|diced
    |shredded|mashed|regular|pack|solids|liquids|salt|salted|unsalted|sodium|low|reduced
    |added|with|without|no|not|and|or|in|oil|water|enriched|unenriched|fortified|unfortified
    |instant|quick|refrigerated|fresh-refrigerated|stored|commercially|purchased|as|from
    |recipe|made|ready-to-serve|reconstituted|condensed|moist|heat
    """,
    re.VERBOSE,
)


@lru_cache(maxsize=16384)  # ~9,000 database foods; a day's suggestions ask for each often
def base_food(description: str) -> tuple[str, ...]:
    """Which food a description names, whatever its state: its comma-separated parts, lower
    case, without notes in brackets and without the words of `_STATE_WORD`; parts left
    empty are dropped ("Spinach, canned, regular pack, drained solids" -> ("spinach",)).
    """
    text = re.sub(r"\([^)]*\)", " ", description.lower())
    parts = []
    for part in text.split(","):
        words = [w for w in re.findall(r"[a-z0-9%'-]+", part) if not _STATE_WORD.fullmatch(w)]
        if words:
            parts.append(" ".join(words))
    return tuple(parts)


def same_food(description: str, other: str) -> bool:
    """True when two descriptions name one food in two states (raw and cooked spinach).

    Gram for gram, the same food in another state is water gained or lost, not advice.
    SR28 names the food, then its variety, then its state ("Rice, white, long-grain,
    regular, enriched, cooked"); with the state words dropped (`base_food`) the rest names
    the food, so two listings are one food when all of it agrees. The first part alone
    would not do: SR28 often puts a category there, and white and brown rice, white and
    whole-wheat bread, iceberg and romaine lettuce share it and are the swaps worth making.
    """
    mine = base_food(description)
    return bool(mine) and mine == base_food(other)


PREPARATION_WORDS = {
    "soaked": "Soaking",
    "sprouted": "Sprouting",
    "fermented": "Fermenting (sourdough)",
}


@dataclass(frozen=True, slots=True)
class Candidate:
    """A food that may be added, or swapped in."""

    food: FoodValues
    portion_grams: float
    portion_label: str
    tags: frozenset[str]
    role: str


@dataclass(frozen=True, slots=True)
class SwapPair:
    """Curated: replace `from_code` by `to_code`, with the reason in words."""

    from_code: str
    to_code: str
    why: str


@dataclass(frozen=True, slots=True)
class CandidatePool:
    adds: tuple[Candidate, ...]
    by_code: Mapping[str, Candidate]
    pairs: Mapping[str, tuple[SwapPair, ...]]
    same_role: Mapping[str, tuple[Candidate, ...]]
    # The role of every food in the database, for the items of a day (codes only).
    roles: Mapping[str, str] = field(default_factory=dict)
    # Codes of the curated adds (the first entries of `adds`).
    curated_adds: frozenset[str] = frozenset()
    # The foods curated pairs replace, by code: an inline item (no code) of the same food
    # gets their pairs.
    pair_foods: Mapping[str, FoodValues] = field(default_factory=dict)
    # The best greens low in oxalate, as `same_role["green"]` (whose best are spinach, chard
    # and beet greens): what replaces a green high in oxalate.
    low_oxalate_greens: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: str  # "add" | "replace" | "prepare" | "split"
    meal: str
    food: str | None
    food_name: str
    grams: float | None
    replaces: str | None
    gain_mg: float
    kcal_delta: float
    why: str
    target_key: str | None = None
    preparation: str | None = None
    portion_label: str | None = None
    # Kind "split" only: True when the whole dose moves away from its meal (taken on its own)
    # instead of half of it; the `suggest` contract names both "split" (kind 4).
    move: bool = False

    @property
    def gain_per_100kcal(self) -> float | None:
        """Effective mg per 100 added kcal; None when the change adds no energy."""
        if self.kcal_delta <= 0.0:
            return None
        return 100.0 * self.gain_mg / self.kcal_delta


# ---------------------------------------------------------------------------- roles


def _has(text: str, *words: str) -> bool:
    return any(word in text for word in words)


def role_for(description: str, food_group: str = "") -> str:
    """The food's role in a meal: what it can be swapped with (keywords, then the SR28 group)."""
    text = description.lower()
    group = food_group
    if _has(text, "chocolate", "cocoa", "candies", "candy"):
        return "snack-sweet"
    if group == "Snacks" or _has(text, "chips", "crisps", "popcorn", "pretzel"):
        return "snack-salty"
    if text.startswith("peanut") or group == "Nut and Seed Products":
        return "nut-seed"
    if group == "Legumes and Legume Products":
        return "legume"
    # SR28 names dry beans "mature seeds" and pods "with seeds": the keywords are for names
    # without a group (inline items) only.
    if not group and _has(text, "nuts,", "seeds,", "almond", "cashew", "walnut", "pumpkin seed"):
        return "nut-seed"
    if group == "Breakfast Cereals" or _has(text, "cornflakes", "corn flakes", "oatmeal", "muesli"):
        return "breakfast-cereal"
    if _has(text, "cracker"):
        return "snack-salty"
    if text.startswith(("bread", "rolls", "bagel", "english muffin", "pita")):
        return "bread"
    if _has(text, "pasta", "spaghetti", "macaroni", "noodle"):
        return "pasta"
    if _has(
        text, "rice", "quinoa", "buckwheat", "millet", "barley", "bulgur", "couscous", "amaranth"
    ) and group in ("Cereal Grains and Pasta", ""):
        return "grain"
    # Keywords only for names without a group (inline items): SR28 files sprouted beans and
    # green pods under Vegetables, and they are no gram-for-gram stand-in for cooked beans.
    if group == "Legumes and Legume Products" or (
        not group and _has(text, "beans", "lentil", "chickpea", "tofu", "edamame")
    ):
        return "legume"
    if _has(
        text,
        "spinach",
        "kale",
        "chard",
        "lettuce",
        "collard",
        "arugula",
        "rocket",
        "beet greens",
        "mustard greens",
        "turnip greens",
        "cabbage",
        "bok choy",
        "watercress",
    ):
        return "green"
    if _has(text, "potato") and group in ("Vegetables and Vegetable Products", ""):
        return "starch-veg"
    if group == "Fruits and Fruit Juices":
        return "fruit-juice" if "juice" in text else "fruit"
    if group == "Dairy and Egg Products":
        if "cheese" in text:
            return "cheese"
        if text.startswith("egg"):
            return "egg"
        return "dairy"
    if group:
        return f"group:{group}"
    return ""


# ---------------------------------------------------------------------------- pool


def effective_mg_alone(food: FoodValues, grams: float) -> float:
    """Effective mg of a portion eaten with nothing else, on a reference (dose-neutral) day.

    Used only to pick candidates, never to report a gain: phytate and oxalate of the portion
    itself, no dose or calcium factor.
    """
    scale = grams / 100.0
    return (
        scale
        * food.magnesium_mg_per_100g
        * scoring.phytate_factor(scale * food.phytate_mg_per_100g)
        * scoring.oxalate_factor(scale * food.oxalate_mg_per_100g)
    )


def effective_mg_per_kcal(food: FoodValues, grams: float) -> float:
    kcal = grams * food.kcal_per_100g / 100.0
    if kcal <= 0.0:
        return 0.0
    return effective_mg_alone(food, grams) / kcal


@dataclass(frozen=True, slots=True)
class PoolFood:
    """One food of the database as the pool builder sees it."""

    food: FoodValues
    tags: frozenset[str]
    portions: tuple[tuple[float, str], ...]  # (grams, label) in the source's order
    role: str = ""
    # False when the oxalate value is a group estimate, not a measurement or citation.
    oxalate_known: bool = True


# Auto candidates come from foods people eat as such, in household portions.
AUTO_GROUPS = frozenset(
    {
        "Nut and Seed Products",
        "Legumes and Legume Products",
        "Cereal Grains and Pasta",
        "Breakfast Cereals",
        "Vegetables and Vegetable Products",
        "Fruits and Fruit Juices",
        "Sweets",
        "Snacks",
        "Baked Products",
        "Dairy and Egg Products",
        "Finfish and Shellfish Products",
    }
)
AUTO_MIN_PORTION_GRAMS = 15.0
OXALATE_VARIABLE_GROUPS = frozenset({"Vegetables and Vegetable Products"})
AUTO_MAX_PORTION_GRAMS = 300.0
AUTO_MIN_PORTION_MG = 25.0
AUTO_ADDS_PER_GROUP = 2
# Uncooked staples and ingredients nobody eats by the cup.
_NOT_EATEN_AS_IS = (
    "raw",
    "dry",
    "uncooked",
    "flour",
    "meal,",
    "powder",
    "dehydrated",
    "mature seeds, raw",
    "unprepared",
    "concentrate",
    "baby",
    "formula",
    "dried",
    "crude",
    "supplement",
    "whey",
)


def household_portion(portions: Sequence[tuple[float, str]]) -> tuple[float, str] | None:
    """The first source portion of a sensible size (the source lists the common one first)."""
    for grams, label in portions:
        if AUTO_MIN_PORTION_GRAMS <= grams <= AUTO_MAX_PORTION_GRAMS:
            return grams, label
    return None


# Brand names are upper case in SR28 ("KELLOGG'S"); the database's generic foods are the ones
# a suggestion can name without advertising.
_BRAND = re.compile(r"\b[A-Z][A-Z'&]{3,}\b")


def _eaten_as_is(food: FoodValues) -> bool:
    if _BRAND.search(food.name):
        return False
    text = food.name.lower()
    if food.food_group in ("Vegetables and Vegetable Products", "Fruits and Fruit Juices"):
        return not _has(text, "dehydrated", "powder", "concentrate", "baby", "dry")
    return not _has(text, *_NOT_EATEN_AS_IS)


def build_pool(
    foods: Iterable[PoolFood],
    *,
    pairs: Iterable[SwapPair],
    adds: Iterable[tuple[str, float, str]],
) -> CandidatePool:
    """Curated pairs and adds (code, grams, label) plus automatic candidates from `foods`."""
    every: dict[str, PoolFood] = {}
    roles: dict[str, str] = {}
    for pool_food in foods:
        role = pool_food.role or role_for(pool_food.food.name, pool_food.food.food_group)
        every[pool_food.food.code] = pool_food
        roles[pool_food.food.code] = role

    by_code: dict[str, Candidate] = {}

    def candidate(code: str, portion: tuple[float, str] | None = None) -> Candidate | None:
        pool_food = every.get(code)
        if pool_food is None:
            return None
        if portion is None:
            existing = by_code.get(code)
            if existing is not None:
                return existing
            portion = household_portion(pool_food.portions) or (28.35, "1 oz")
        made = Candidate(pool_food.food, portion[0], portion[1], pool_food.tags, roles[code])
        by_code.setdefault(code, made)
        return made

    add_list: list[Candidate] = []
    curated_codes = list(adds)
    for code, grams, label in curated_codes:
        made = candidate(code, (grams, label))
        if made is not None:
            by_code[code] = made  # the curated portion wins over the source's first one
            add_list.append(made)

    pair_map: dict[str, list[SwapPair]] = {}
    for pair in pairs:
        if pair.from_code in every and candidate(pair.to_code) is not None:
            pair_map.setdefault(pair.from_code, []).append(pair)

    ranked_by_group: dict[str, list[tuple[float, Candidate]]] = {}
    ranked_by_role: dict[str, list[tuple[float, Candidate]]] = {}
    for code, pool_food in every.items():
        food = pool_food.food
        if food.food_group not in AUTO_GROUPS or food.kcal_per_100g <= 0.0:
            continue
        if not _eaten_as_is(food):
            continue
        # Greens range from almost no oxalate (kale) to more than spinach (dock, sorrel,
        # purslane): a group estimate would flatter the worst of them, so an automatic green
        # needs a measured or cited oxalate value.
        if food.food_group in OXALATE_VARIABLE_GROUPS and not pool_food.oxalate_known:
            continue
        portion = household_portion(pool_food.portions)
        if portion is None:
            continue
        per_kcal = effective_mg_per_kcal(food, portion[0])
        if per_kcal <= 0.0:
            continue
        made = Candidate(food, portion[0], portion[1], pool_food.tags, roles[code])
        ranked_by_role.setdefault(made.role, []).append((per_kcal, made))
        if effective_mg_alone(food, portion[0]) >= AUTO_MIN_PORTION_MG:
            ranked_by_group.setdefault(food.food_group, []).append((per_kcal, made))

    def best(entries: list[tuple[float, Candidate]], count: int) -> list[Candidate]:
        entries.sort(key=lambda entry: (-entry[0], entry[1].food.code))
        return [made for _, made in entries[:count]]

    low_oxalate_greens = best(
        [
            entry
            for entry in ranked_by_role.get("green", [])
            if entry[1].food.oxalate_mg_per_100g < HIGH_OXALATE_GREEN_MG_PER_100G
        ],
        SAME_ROLE_PER_ROLE,
    )
    for made in low_oxalate_greens:
        by_code.setdefault(made.food.code, made)
    same_role: dict[str, tuple[Candidate, ...]] = {}
    for role, entries in ranked_by_role.items():
        chosen = best(entries, SAME_ROLE_PER_ROLE)
        for made in chosen:
            by_code.setdefault(made.food.code, made)
        same_role[role] = tuple(chosen)
    seen = {made.food.code for made in add_list}
    for entries in ranked_by_group.values():
        for made in best(entries, AUTO_ADDS_PER_GROUP):
            if made.food.code not in seen:
                seen.add(made.food.code)
                by_code.setdefault(made.food.code, made)
                add_list.append(made)

    return CandidatePool(
        adds=tuple(add_list),
        by_code=by_code,
        pairs={code: tuple(found) for code, found in pair_map.items()},
        same_role=same_role,
        roles=roles,
        curated_adds=frozenset(code for code, _, _ in curated_codes),
        pair_foods={code: every[code].food for code in pair_map},
        low_oxalate_greens=tuple(low_oxalate_greens),
    )


# ---------------------------------------------------------------------------- changes


def _item_for(candidate: Candidate, grams: float, key: str | None = None) -> Item:
    return food_item(candidate.food, grams, key=key)


def _with_meal(day: Day, meal_name: str, change: Callable[[list[Item]], list[Item]]) -> Day:
    meals = list(day.meals)
    for index, meal in enumerate(meals):
        if meal.name == meal_name:
            meals[index] = Meal(meal.name, tuple(change(list(meal.items))))
            return replace(day, meals=tuple(meals))
    meals.append(Meal(meal_name, tuple(change([]))))
    return replace(day, meals=tuple(meals))


def _item_ref(item: Item) -> str:
    return item.code or item.name


def _matches(item: Item, s: Suggestion) -> bool:
    if s.target_key is not None:
        return item.key == s.target_key
    return _item_ref(item) == s.replaces


def replaced_name(day: Day, s: Suggestion) -> str | None:
    """The name of the item a replace suggestion takes out (`replaces` holds its code)."""
    if s.kind != "replace":
        return None
    found = (item for meal in day.meals if meal.name == s.meal for item in meal.items)
    return next((item.name for item in found if _matches(item, s)), s.replaces)


class SuggestionError(ValueError):
    """The suggestion no longer fits the day (the item or meal it changes is gone)."""


def apply_suggestion(day: Day, s: Suggestion, pool: CandidatePool) -> Day:
    """The day with the suggestion applied (what `gain_mg` was scored on)."""
    if s.kind == "add":
        candidate = _candidate(pool, s.food)
        return _with_meal(day, s.meal, lambda items: [*items, _item_for(candidate, s.grams or 0)])
    if s.kind in ("replace", "prepare"):
        meal = next((m for m in day.meals if m.name == s.meal), None)
        if meal is None or not any(_matches(item, s) for item in meal.items):
            raise SuggestionError(f"{s.meal} no longer holds the item it changes.")

        def change(items: list[Item]) -> list[Item]:
            done = False
            result = []
            for item in items:
                if not done and _matches(item, s):
                    done = True
                    if s.kind == "replace":
                        item = _item_for(_candidate(pool, s.food), s.grams or item.grams, item.key)
                    else:
                        item = replace(item, preparation=s.preparation or "none")
                result.append(item)
            return result

        return _with_meal(day, s.meal, change)
    if s.kind == "split":
        return _move(day, s) if s.move else _split(day, s.meal)
    raise SuggestionError(f"Unknown suggestion kind {s.kind!r}.")


def _candidate(pool: CandidatePool, code: str | None) -> Candidate:
    found = pool.by_code.get(code or "")
    if found is None:
        # The pool holds foods worth suggesting (magnesium-rich, within limits), not all.
        raise SuggestionError("that food is not among the foods suggestions offer.")
    return found


def _occasion_supplements(day: Day, occasion: str) -> list[int]:
    return [
        index
        for index, supplement in enumerate(day.supplements)
        if supplement.occasion_name == occasion
    ]


def supplement_label(supplement: Supplement) -> str:
    """How a suggestion names a supplement: its name, else its form ("magnesium citrate")."""
    return supplement.name or scoring.FORMS[supplement.form].label


def occasion_names(day: Day) -> tuple[str, ...]:
    """Every occasion a suggestion can name, as `score_day` lists them: the meals, then each
    supplement taken on its own ("supplement:pm"), which only a split changes."""
    names = [meal.name for meal in day.meals]
    for supplement in day.supplements:
        if supplement.with_meal is None:
            name = supplement.occasion_name
            if name not in names:
                names.append(name)
    return tuple(names)


def _move(day: Day, s: Suggestion) -> Day:
    """The dose `s` names taken on its own (an occasion of its own, at no time), away from
    the meal whose phytate and oxalate bound it."""
    supplements = list(day.supplements)
    for index, supplement in enumerate(supplements):
        if supplement.with_meal != s.meal:
            continue
        # The planner names a dose by its key; `suggest`'s input has none, only a label.
        if s.target_key:
            named = supplement.key == s.target_key
        else:
            named = supplement_label(supplement) == s.replaces
        if named:
            supplements[index] = replace(supplement, with_meal=None, at=None)
            return replace(day, supplements=tuple(supplements))
    raise SuggestionError(f"{s.meal} no longer has that supplement with it.")


def _second_half_name(day: Day, supplement: Supplement) -> str:
    """A name whose standalone occasion clashes with no existing occasion."""
    taken = {meal.name for meal in day.meals} | {s.occasion_name for s in day.supplements}
    base = f"{supplement_label(supplement)}, second half"
    name, number = base, 2
    while f"supplement:{name}" in taken:
        name, number = f"{base} {number}", number + 1
    return name


def _split(day: Day, occasion: str) -> Day:
    """Half of each supplement of the occasion moves to an occasion of its own.

    The engine's split semantics (scoring.split_gain_mg): the meal keeps its food and half
    the supplement; the other half is taken at another time, away from this meal's phytate.
    """
    indexes = _occasion_supplements(day, occasion)
    if not indexes:
        raise SuggestionError(f"{occasion!r} holds no supplement to split.")
    supplements = list(day.supplements)
    moved: list[Supplement] = []
    for index in indexes:
        supplement = supplements[index]
        half_mg = supplement.elemental_mg / 2
        half_calcium = supplement.calcium_mg / 2
        supplements[index] = replace(supplement, elemental_mg=half_mg, calcium_mg=half_calcium)
        moved.append(
            replace(
                supplement,
                elemental_mg=half_mg,
                calcium_mg=half_calcium,
                name=_second_half_name(day, supplement),
                with_meal=None,
                key=None,
                at=None,
            )
        )
    if len(moved) > 1:
        # Several supplements of one occasion move together, to one new occasion.
        shared = moved[0].name
        moved = [replace(m, name=shared) for m in moved]
    return replace(day, supplements=(*supplements, *moved))


# ---------------------------------------------------------------------------- suggest


@dataclass(slots=True)
class _Scored:
    suggestion: Suggestion
    rank: float


class _Context:
    __slots__ = ("base", "base_codes", "day", "diet", "exclusions", "kcal_goal", "scored")

    def __init__(
        self, day: Day, diet: str, exclusions: frozenset[str], kcal_goal: float | None
    ) -> None:
        self.day = day
        self.base = scoring.score_day(day)
        self.base_codes = set(self.base.warning_codes)
        self.diet = diet
        self.exclusions = exclusions
        self.kcal_goal = kcal_goal
        self.scored: list[_Scored] = []

    def fits(self, candidate: Candidate) -> bool:
        return allowed(candidate.tags, self.diet, self.exclusions)

    def evaluate(self, changed: Day) -> DayScore | None:
        """The changed day's score, or None when it raises a warning today's day has not."""
        try:
            score = scoring.score_day(changed)
        except ValueError:
            return None
        if not set(score.warning_codes) <= self.base_codes:
            return None
        return score

    def offer(
        self, make: Callable[[float, float, DayScore], Suggestion], changed: Day
    ) -> _Scored | None:
        """The scored suggestion for a changed day, or None when it is not worth proposing."""
        score = self.evaluate(changed)
        if score is None:
            return None
        gain = score.effective_mg - self.base.effective_mg
        kcal_delta = score.kcal - self.base.kcal
        if gain < MIN_GAIN_MG:
            return None
        if self.kcal_goal is not None:
            if kcal_delta > 0.0 and score.kcal > self.kcal_goal:
                return None
            rank = gain
        else:
            rank = gain - KCAL_PENALTY_MG_PER_100KCAL * max(kcal_delta, 0.0) / 100.0
        return _Scored(make(gain, kcal_delta, score), rank)


def _mg(value: float) -> str:
    return f"{value:,.0f}"


def _share(score: DayScore, meal: str, key: str | None, code: str | None, name: str) -> float:
    for occasion in score.occasions:
        if occasion.name != meal:
            continue
        for item in occasion.items:
            if (key is not None and item.key == key) or (
                key is None and (item.code or item.name) == (code or name)
            ):
                return item.effective_mg
    return 0.0


def _ratio_words(new: float, old: float, other: str) -> str:
    if old <= 0.0:
        return f"more absorbable magnesium than {other}"
    ratio = new / old
    if ratio >= 1.95:
        return f"about {ratio:.1f} times the absorbable magnesium of {other}"
    return f"about {100 * (ratio - 1):.0f} % more absorbable magnesium than {other}"


def _add_candidates(ctx: _Context, pool: CandidatePool) -> list[Candidate]:
    """The curated adds the person may eat, topped up from the automatic ones.

    Curated adds come first because their portions are what people really add to a meal;
    the database's best foods per group (whose phytate and oxalate are mostly estimates)
    fill in when the diet and exclusions leave fewer than MIN_CURATED_ADDS curated ones.
    """
    curated = [c for c in pool.adds if c.food.code in pool.curated_adds and ctx.fits(c)]
    missing = MIN_CURATED_ADDS - len(curated)
    if missing <= 0:
        return curated
    automatic = [c for c in pool.adds if c.food.code not in pool.curated_adds and ctx.fits(c)]
    return curated + automatic[:missing]


def _suggest_adds(ctx: _Context, pool: CandidatePool, meals: Sequence[str]) -> None:
    for candidate in _add_candidates(ctx, pool):
        best: _Scored | None = None
        for meal_name in meals:
            meal = next((m for m in ctx.day.meals if m.name == meal_name), None)
            if meal is not None and any(i.code == candidate.food.code for i in meal.items):
                continue
            item = _item_for(candidate, candidate.portion_grams)
            changed = _with_meal(ctx.day, meal_name, lambda items, item=item: [*items, item])

            def make(
                gain: float,
                kcal_delta: float,
                score: DayScore,
                meal_name: str = meal_name,
                candidate: Candidate = candidate,
            ) -> Suggestion:
                food = candidate.food
                plate_mg = candidate.portion_grams * food.magnesium_mg_per_100g / 100
                return Suggestion(
                    kind="add",
                    meal=meal_name,
                    food=food.code,
                    food_name=food.name,
                    grams=candidate.portion_grams,
                    replaces=None,
                    gain_mg=gain,
                    kcal_delta=kcal_delta,
                    why=(
                        f"{candidate.portion_label} of {food.name} brings {_mg(plate_mg)} mg "
                        f"of magnesium, about {_mg(gain)} mg of it counted after absorption "
                        f"at {meal_name}, for {_mg(kcal_delta)} kcal."
                    ),
                    portion_label=candidate.portion_label,
                )

            # Every meal is scored; the one where this food gains most is proposed.
            offered = ctx.offer(make, changed)
            if offered is not None and (best is None or offered.rank > best.rank):
                best = offered
        if best is not None:
            ctx.scored.append(best)


def _own_item(item: Item) -> bool:
    """An item the person logged, not an ingredient of a recipe (changed in the recipe)."""
    return item.key is None or not item.key.startswith("recipe-")


def _role_of(pool: CandidatePool, item: Item) -> str:
    if item.code and item.code in pool.roles:
        return pool.roles[item.code]
    return role_for(item.name)


def _high_oxalate_green(food: Item | FoodValues, role: str) -> bool:
    return role == "green" and food.oxalate_mg_per_100g >= HIGH_OXALATE_GREEN_MG_PER_100G


def _pairs_for(pool: CandidatePool, item: Item, role: str) -> tuple[SwapPair, ...]:
    """The curated pairs for an item: its food's, or for an inline item (no food code) those
    of the database foods it names, in its role and of a like energy density.

    An inline name is the person's words, so it names a database food when either name
    starts with the other, part by part (`base_food`): worked example 03's "spinach, test
    meal" gets the pairs of "Spinach, raw" and "Spinach, cooked" (kale, arugula, collards);
    "rice, brown" does not get those written for white rice.
    """
    if item.code:
        return pool.pairs.get(item.code, ())
    name = base_food(item.name)
    found: list[SwapPair] = []
    for code, food in pool.pair_foods.items():
        other = base_food(food.name)
        shorter = min(len(name), len(other))
        if pool.roles.get(code) != role or not shorter or name[:shorter] != other[:shorter]:
            continue
        if item.kcal_per_100g > 0.0 and food.kcal_per_100g > 0.0:
            ratio = food.kcal_per_100g / item.kcal_per_100g
            if not 1 / PAIR_NAME_KCAL_RATIO <= ratio <= PAIR_NAME_KCAL_RATIO:
                continue
        found.extend(pool.pairs[code])
    return tuple(found)


def _suggest_replacements(ctx: _Context, pool: CandidatePool, meals: Sequence[str]) -> None:
    for meal in ctx.day.meals:
        if meal.name not in meals:
            continue
        for item in meal.items:
            if item.grams <= 0.0 or not _own_item(item):
                continue
            role = _role_of(pool, item)
            options: list[tuple[Candidate, str | None]] = [
                (pool.by_code[pair.to_code], pair.why) for pair in _pairs_for(pool, item, role)
            ]
            curated_codes = {candidate.food.code for candidate, _ in options}
            high_oxalate = _high_oxalate_green(item, role)
            if role in AUTO_REPLACE_ROLES:
                # Swapped gram for gram, so only foods of a like energy density: milk is not
                # replaced by milk powder.
                kcal_ceiling = REPLACE_KCAL_DENSITY_RATIO * item.kcal_per_100g + 50.0
                automatic = (
                    pool.low_oxalate_greens if high_oxalate else pool.same_role.get(role, ())
                )
                options.extend(
                    (candidate, None)
                    for candidate in automatic
                    if candidate.food.kcal_per_100g <= kcal_ceiling
                )
            tried: set[str] = {item.code or ""}
            offered: list[_Scored] = []
            for candidate, why in options:
                code = candidate.food.code
                if code in tried or not ctx.fits(candidate):
                    continue
                if candidate.role == role and same_food(item.name, candidate.food.name):
                    continue  # the same food in another state: water, not advice
                if high_oxalate and _high_oxalate_green(candidate.food, candidate.role):
                    continue
                tried.add(code)
                new_item = _item_for(candidate, item.grams, item.key)
                changed = _with_meal(
                    ctx.day,
                    meal.name,
                    lambda items, old=item, new=new_item: [new if i is old else i for i in items],
                )

                def make(
                    gain: float,
                    kcal_delta: float,
                    score: DayScore,
                    candidate: Candidate = candidate,
                    why: str | None = why,
                    meal: Meal = meal,
                    item: Item = item,
                ) -> Suggestion:
                    food = candidate.food
                    old = _share(ctx.base, meal.name, item.key, item.code, item.name)
                    new = _share(score, meal.name, item.key, food.code, food.name)
                    reason = (
                        why
                        or f"the most magnesium per kcal among foods like {item.name} in the "
                        "food database"
                    )
                    if new > 1.05 * old:
                        lead = f"{food.name}: {_ratio_words(new, old, item.name)}"
                    else:
                        # Less magnesium in the new food, but the meal loses less of the rest.
                        lead = (
                            f"{food.name} in place of {item.name}: {meal.name} keeps more of "
                            "its magnesium"
                        )
                    return Suggestion(
                        kind="replace",
                        meal=meal.name,
                        food=food.code,
                        food_name=food.name,
                        grams=item.grams,
                        replaces=_item_ref(item),
                        gain_mg=gain,
                        kcal_delta=kcal_delta,
                        why=(
                            f"{lead} (+{_mg(gain)} mg for the day, {kcal_delta:+,.0f} kcal); "
                            f"{reason}."
                        ),
                        target_key=item.key,
                        portion_label=f"{item.grams:g} g",
                    )

                scored = ctx.offer(make, changed)
                if scored is not None:
                    offered.append(scored)
            # The best curated pair keeps its place: its reason was written by a person.
            offered.sort(key=lambda entry: -entry.rank)
            curated = [entry for entry in offered if entry.suggestion.food in curated_codes]
            chosen = curated[:1]
            chosen += [e for e in offered if e not in chosen][: REPLACEMENTS_PER_ITEM - len(chosen)]
            ctx.scored.extend(chosen)


def _suggest_preparations(ctx: _Context, pool: CandidatePool, meals: Sequence[str]) -> None:
    for meal in ctx.day.meals:
        if meal.name not in meals:
            continue
        for item in meal.items:
            if item.preparation != "none" or not _own_item(item):
                continue
            if item.grams * item.phytate_mg_per_100g / 100 < PREPARE_MIN_PHYTATE_MG:
                continue
            role = _role_of(pool, item)
            best: _Scored | None = None
            for preparation in sensible_preparations(item.name, role):
                prepared = replace(item, preparation=preparation)
                changed = _with_meal(
                    ctx.day,
                    meal.name,
                    lambda items, old=item, new=prepared: [new if i is old else i for i in items],
                )

                def make(
                    gain: float,
                    kcal_delta: float,
                    score: DayScore,
                    preparation: str = preparation,
                    meal: Meal = meal,
                    item: Item = item,
                ) -> Suggestion:
                    cut = 100 * (1 - PREPARATION_PHYTATE_FACTOR[preparation])
                    return Suggestion(
                        kind="prepare",
                        meal=meal.name,
                        food=None,
                        food_name=f"{item.name}, {preparation}",
                        grams=None,
                        replaces=_item_ref(item),
                        gain_mg=gain,
                        kcal_delta=kcal_delta,
                        why=(
                            f"{PREPARATION_WORDS[preparation]} {item.name} removes about "
                            f"{cut:.0f} % of its phytate (an estimate from published ranges), "
                            f"so {meal.name} yields about {_mg(gain)} mg more magnesium."
                        ),
                        target_key=item.key,
                        preparation=preparation,
                    )

                entry = ctx.offer(make, changed)
                if entry is not None and (best is None or entry.rank > best.rank):
                    best = entry
            if best is not None:
                ctx.scored.append(best)


def _suggest_splits(ctx: _Context, meals: Sequence[str] | None) -> None:
    if "ckd_supplement" in ctx.base_codes:
        # Under CKD stage 3+ the advice is the renal team's agreement to any supplement, not a
        # way to absorb more of it.
        return
    for occasion in ctx.base.occasions:
        if occasion.supplement_elemental_mg <= scoring.SPLIT_DOSE_THRESHOLD_MG:
            continue
        if meals is not None and occasion.name not in meals:
            continue
        indexes = _occasion_supplements(ctx.day, occasion.name)
        if not indexes:
            continue
        first = ctx.day.supplements[indexes[0]]
        label = supplement_label(first)
        changed = _split(ctx.day, occasion.name)

        def make(
            gain: float,
            kcal_delta: float,
            score: DayScore,
            occasion: scoring.OccasionScore = occasion,
            first: Supplement = first,
            label: str = label,
        ) -> Suggestion:
            mg = occasion.supplement_elemental_mg
            return Suggestion(
                kind="split",
                meal=occasion.name,
                food=None,
                food_name=f"{label}: half now, half at another time",
                grams=None,
                replaces=label,
                gain_mg=gain,
                kcal_delta=kcal_delta,
                why=(
                    f"Taking {_mg(mg / 2)} mg of the {_mg(mg)} mg {label} at another time of "
                    f"day adds about {_mg(gain)} mg effective: the gut takes up a smaller share "
                    "of a large single dose."
                ),
                target_key=first.key,
            )

        entry = ctx.offer(make, changed)
        if entry is not None:
            ctx.scored.append(entry)


def _suggest_moves(ctx: _Context, meals: Sequence[str]) -> None:
    """Kind 4's "move": a dose taken with a meal whose phytate or oxalate binds a good share
    of it (MOVE_MAX_BINDING_FACTOR) is proposed on its own, away from the meal."""
    if "ckd_supplement" in ctx.base_codes:
        return  # as for splits: the renal team's agreement, not absorbing more
    occasions = {o.name: o for o in ctx.base.occasions if o.is_meal}
    for supplement in ctx.day.supplements:
        occasion = occasions.get(supplement.with_meal or "")
        if occasion is None or occasion.name not in meals or supplement.elemental_mg <= 0.0:
            continue
        phytate, oxalate = occasion.factors["phytate"], occasion.factors["oxalate"]
        if phytate * oxalate >= MOVE_MAX_BINDING_FACTOR:
            continue
        label = supplement_label(supplement)
        move = Suggestion(
            kind="split",
            meal=occasion.name,
            food=None,
            food_name="",
            grams=None,
            replaces=label,
            gain_mg=0.0,
            kcal_delta=0.0,
            why="",
            target_key=supplement.key,
            move=True,
        )
        changed = _move(ctx.day, move)
        binders = " and ".join(
            name for name, factor in (("phytate", phytate), ("oxalate", oxalate)) if factor < 1.0
        )

        def make(
            gain: float,
            kcal_delta: float,
            score: DayScore,
            move: Suggestion = move,
            supplement: Supplement = supplement,
            binders: str = binders,
            bound: float = 1.0 - phytate * oxalate,
        ) -> Suggestion:
            meal, label = move.meal, move.replaces or ""
            return replace(
                move,
                food_name=f"{opening(label)}: on its own, away from {meal}",
                gain_mg=gain,
                kcal_delta=kcal_delta,
                why=(
                    f"{meal}'s {binders} {'bind' if ' and ' in binders else 'binds'} about "
                    f"{100 * bound:.0f} % of the magnesium "
                    f"taken with it: taking the {_mg(supplement.elemental_mg)} mg {label} on "
                    f"its own, away from {meal}, adds about {_mg(gain)} mg effective."
                ),
            )

        entry = ctx.offer(make, changed)
        if entry is not None:
            ctx.scored.append(entry)


def suggest(
    day: Day,
    pool: CandidatePool,
    *,
    diet: str = "omnivore",
    exclusions: frozenset[str] = frozenset(),
    kcal_goal: float | None = None,
    meal: str | None = None,
    limit: int = 10,
) -> list[Suggestion]:
    """The best changes to the day, best first (see the module docstring for the rank)."""
    ctx = _Context(day, diet, frozenset(exclusions), kcal_goal)
    if meal is not None:
        # A supplement taken on its own ("supplement:pm") is an occasion too, with no food
        # to add to or change: only its split applies.
        meals: tuple[str, ...] = (meal,) if meal in {m.name for m in day.meals} else ()
        add_meals = meals
    else:
        meals = tuple(m.name for m in day.meals)
        has_snack = any(name.lower().startswith("snack") for name in meals)
        add_meals = meals if has_snack else (*meals, DEFAULT_MEAL)
    _suggest_adds(ctx, pool, add_meals)
    _suggest_replacements(ctx, pool, meals)
    _suggest_preparations(ctx, pool, meals)
    _suggest_splits(ctx, None if meal is None else (meal,))
    _suggest_moves(ctx, meals)
    ctx.scored.sort(
        key=lambda entry: (
            -entry.rank,
            KINDS.index(entry.suggestion.kind),
            entry.suggestion.meal,
            _salt_twin(entry.suggestion)[1] == SALTED,  # of equal twins, the unsalted first
            entry.suggestion.food or "",
        )
    )
    # SR28 lists many foods twice, with and without salt, with the same values: a change
    # names the food once, not twice with the same gain.
    kept: list[Suggestion] = []
    seen: set[tuple[str, str, str | None, str]] = set()
    for entry in ctx.scored:
        if len(kept) >= limit:
            break
        s = entry.suggestion
        if s.kind in ("add", "replace"):
            same = (s.kind, s.meal, s.target_key, _salt_twin(s)[0])
            if same in seen:
                continue
            seen.add(same)
        kept.append(s)
    return kept


def _salt_twin(s: Suggestion) -> tuple[str, str]:
    return salt_twin_key(s.food_name) if s.kind in ("add", "replace") else ("", "")


def _round(value: float) -> float:
    rounded = round(value, 1) + 0.0
    return 0.0 if math.isclose(rounded, 0.0, abs_tol=1e-9) else rounded


def suggestion_to_json(s: Suggestion) -> dict:
    """The `manage.py suggest` contract: exactly these keys, mg and kcal to 1 decimal."""
    return {
        "kind": s.kind,
        "meal": s.meal,
        "food": s.food,
        "grams": None if s.grams is None else _round(s.grams),
        "food_name": s.food_name,
        "replaces": s.replaces,
        "gain_mg": _round(s.gain_mg),
        "kcal_delta": _round(s.kcal_delta),
        "why": s.why,
    }
