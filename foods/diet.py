"""Diet and allergen tags of a food, from its SR28 food group and description (pure, no Django).

Suggestions must never propose what a person excludes, so every rule errs towards tagging:
a food that merely might contain an allergen (a cake may hold egg and milk, oats are often
milled with wheat) carries the tag. Tags use the profile's exclusion names (accounts
`Exclusion`), plus "meat" and "animal" for the dietary patterns.
"""

import re
from collections.abc import Iterable

DIETS = ("omnivore", "vegetarian", "vegan")
EXCLUSIONS = ("nuts", "peanuts", "seeds", "dairy", "gluten", "soy", "fish", "shellfish", "egg")
TAGS = frozenset({*EXCLUSIONS, "meat", "animal"})

# What each pattern forbids beyond the person's own exclusions.
DIET_FORBIDS: dict[str, frozenset[str]] = {
    "omnivore": frozenset(),
    "vegetarian": frozenset({"meat", "fish", "shellfish"}),
    "vegan": frozenset({"meat", "fish", "shellfish", "dairy", "egg", "animal"}),
}

MEAT_GROUPS = frozenset(
    {
        "Beef Products",
        "Pork Products",
        "Lamb, Veal, and Game Products",
        "Poultry Products",
        "Sausages and Luncheon Meats",
    }
)
# Groups whose foods are mostly made with flour, milk, butter and egg.
BAKED_GROUP = "Baked Products"


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")", re.IGNORECASE)


SHELLFISH = _words(
    "shrimp",
    "prawn",
    "crab",
    "lobster",
    "clam",
    "mussel",
    "oyster",
    "scallop",
    "crayfish",
    "crawfish",
    "squid",
    "octopus",
    "cuttlefish",
    "calamari",
    "abalone",
    "conch",
    "whelk",
    "snail",
    "crustacean",
    "mollus",
    "seafood",
)
FISH = _words(
    "fish",
    "salmon",
    "tuna",
    "cod\\b",
    "haddock",
    "pollock",
    "anchov",
    "sardine",
    "herring",
    "mackerel",
    "trout",
    "halibut",
    "tilapia",
    "catfish",
    "carp\\b",
    "bass\\b",
    "perch",
    "pike\\b",
    "sole\\b",
    "flounder",
    "roe\\b",
    "caviar",
    "eel\\b",
    "worcestershire",
    "surimi",
    "seafood",
)
MEAT = _words(
    "beef",
    "pork",
    "veal",
    "lamb\\b",
    "mutton",
    "chicken",
    "turkey",
    "duck",
    "goose",
    "ham\\b",
    "bacon",
    "sausage",
    "salami",
    "pepperoni",
    "frankfurter",
    "hot dog",
    "bologna",
    "meat",
    "venison",
    "bison",
    "liver",
    "gelatin",
    "lard\\b",
    "tallow",
    "chorizo",
    "pastrami",
    "broth",
    "bouillon",
    "gravy",
)
# Plant "milks" and butters that are not dairy.
PLANT_MILK = _words(
    "coconut milk",
    "soymilk",
    "soy milk",
    "almond milk",
    "rice milk",
    "oat milk",
    "milk substitute",
    "non-dairy",
    "nondairy",
)
NUT_BUTTER = _words(
    "peanut butter",
    "almond butter",
    "cashew butter",
    "sesame butter",
    "apple butter",
    "cocoa butter",
    "nut butter",
    "seed butter",
    "butternut",
    "butterbur",
    "butterhead",
    "butter beans",
    "butterfish",
)
DAIRY = _words(
    "milk",
    "cheese",
    "butter",
    "cream",
    "yogurt",
    "yoghurt",
    "whey",
    "casein",
    "ghee",
    "lactose",
    "kefir",
    "custard",
    "pudding",
    "ice cream",
    "milkshake",
    "alfredo",
    "au gratin",
    "scalloped",
    "creamed",
    "nougat",
    "caramel",
    "toffee",
    "fudge",
    "latte",
    "cappuccino",
)
EGG = _words(
    "egg\\b",
    "eggs\\b",
    "egg ",
    "mayonnaise",
    "meringue",
    "custard",
    "eggnog",
    "omelet",
    "souffle",
    "quiche",
    "french toast",
    "noodles, egg",
)
EGGPLANT = re.compile(r"eggplant", re.IGNORECASE)
HONEY_ETC = _words("honey", "gelatin", "lard\\b", "tallow", "royal jelly", "carmine")
SWEET_BAKED = _words(
    "cake",
    "cookie",
    "muffin",
    "pancake",
    "waffle",
    "pastry",
    "pastries",
    "doughnut",
    "croissant",
    "brioche",
    "danish",
    "pie\\b",
    "pie,",
    "brownie",
    "biscuit",
    "cheesecake",
    "eclair",
    "cream puff",
    "sweet roll",
    "french toast",
    "coffeecake",
    "strudel",
    "turnover",
)
SEEDS = _words(
    "seed",
    "sesame",
    "tahini",
    "sunflower",
    "flax",
    "chia",
    "hemp",
    "poppy",
    "pumpkin and squash seed",
    "pepitas",
)
TREE_NUTS = _words(
    "nuts?\\b",
    "almond",
    "cashew",
    "walnut",
    "pecan",
    "hazelnut",
    "filbert",
    "pistachio",
    "macadamia",
    "brazilnut",
    "brazil nut",
    "pine nut",
    "pinyon",
    "chestnut",
    "coconut",
    "praline",
    "marzipan",
    "nutella",
    "gianduja",
    "pesto",
    "beechnut",
    "butternuts",
    "hickory",
    "acorn",
    "ginkgo",
)
PEANUTS = _words("peanut", "groundnut", "goober")
GLUTEN = _words(
    "wheat",
    "barley",
    "rye\\b",
    "spelt",
    "semolina",
    "couscous",
    "bulgur",
    "farina",
    "triticale",
    "malt",
    "seitan",
    "kamut",
    "einkorn",
    "emmer",
    "durum",
    "oat",
    "bran\\b",
    "bread",
    "bun\\b",
    "buns\\b",
    "roll\\b",
    "rolls\\b",
    "bagel",
    "pasta",
    "macaroni",
    "spaghetti",
    "noodle",
    "lasagna",
    "ravioli",
    "tortellini",
    "gnocchi",
    "cracker",
    "pretzel",
    "pizza",
    "breaded",
    "batter",
    "flour",
    "crouton",
    "stuffing",
    "dumpling",
    "beer",
    "soy sauce",
    "teriyaki",
    "granola",
    "muesli",
    "wafer",
    "pita",
    "tortilla",
    "sandwich",
    "burger",
    "burrito",
    "taco",
    "breadcrumb",
    "gravy",
    "roux",
)
GLUTEN_FREE = _words("gluten-free", "gluten free", "wheat-free")
# Flours and noodles of grains without gluten: the word "flour"/"noodle" alone does not tag them.
GLUTEN_FREE_GRAIN_PRODUCT = _words(
    "rice flour",
    "rice noodle",
    "corn flour",
    "cornmeal",
    "corn tortilla",
    "tortillas, ready-to-bake or -fry, corn",
    "soy flour",
    "potato flour",
    "chickpea flour",
    "buckwheat flour",
    "arrowroot flour",
    "tapioca",
    "rice cake",
    "peanut flour",
    "almond flour",
    "coconut flour",
    "sesame flour",
    "sunflower seed flour",
    "cottonseed flour",
    "lupin",
)
SOY = _words(
    "soy",
    "tofu",
    "tempeh",
    "miso",
    "edamame",
    "natto",
    "okara",
    "yuba",
    "textured vegetable protein",
    "lecithin",
    "teriyaki",
    "meatless",
    "veggie burger",
)


def tags_for(code: str, description: str, food_group: str) -> frozenset[str]:
    """The diet/allergen tags of one food (see the module docstring: when unsure, tag)."""
    del code  # kept in the signature so curated exceptions by NDB number can be added
    text = description
    group = food_group
    tags: set[str] = set()

    if group in MEAT_GROUPS or MEAT.search(text):
        tags.add("meat")
    if group == "Finfish and Shellfish Products":
        tags.add("shellfish" if SHELLFISH.search(text) else "fish")
    else:
        if SHELLFISH.search(text):
            tags.add("shellfish")
        if FISH.search(text) and not _words("fish-free", "catfish sauce").search(text):
            tags.add("fish")

    is_egg_product = group == "Dairy and Egg Products" and text.lower().startswith("egg")
    if is_egg_product:
        tags.add("egg")
    elif group == "Dairy and Egg Products":
        tags.add("dairy")
    without_plant = PLANT_MILK.sub("", NUT_BUTTER.sub("", text))
    if DAIRY.search(without_plant):
        tags.add("dairy")
    if EGG.search(EGGPLANT.sub("", text)):
        tags.add("egg")

    if group == BAKED_GROUP and SWEET_BAKED.search(text):
        # Sweet baked goods are made with butter, milk and egg unless they say otherwise.
        tags.update(("dairy", "egg"))

    if group == "Nut and Seed Products":
        if PEANUTS.search(text):
            tags.add("peanuts")
        elif SEEDS.search(text):
            tags.add("seeds")
        else:
            tags.add("nuts")
        if SEEDS.search(text) and TREE_NUTS.search(text.replace("seeds", "")):
            tags.add("nuts")  # mixes of nuts and seeds
    else:
        if TREE_NUTS.search(text):
            tags.add("nuts")
        # SR28 calls every dry legume "mature seeds": that is botany, not a seed allergen.
        if SEEDS.search(text) and group != "Legumes and Legume Products":
            tags.add("seeds")
    if PEANUTS.search(text):
        tags.add("peanuts")

    gluten_text = GLUTEN_FREE_GRAIN_PRODUCT.sub("", text)
    if not GLUTEN_FREE.search(text) and (
        GLUTEN.search(gluten_text)
        or (group in ("Baked Products", "Breakfast Cereals") and not _corn_or_rice_only(text))
    ):
        tags.add("gluten")
    if group == "Cereal Grains and Pasta" and _words("pasta", "noodle", "macaroni").search(
        gluten_text
    ):
        tags.add("gluten")

    if SOY.search(text):
        tags.add("soy")

    if tags & {"meat", "fish", "shellfish", "dairy", "egg"} or HONEY_ETC.search(text):
        tags.add("animal")
    return frozenset(tags)


def _corn_or_rice_only(text: str) -> bool:
    """Rice cakes and corn tortillas in Baked Products carry no gluten grain."""
    lowered = text.lower()
    return lowered.startswith(("rice cake", "tortillas, ready-to-bake or -fry, corn")) or (
        "corn" in lowered and "tortilla" in lowered and "flour" not in lowered
    )


def allowed(tags: Iterable[str], diet: str, exclusions: Iterable[str]) -> bool:
    """True when a food with `tags` fits the dietary pattern and none of the exclusions."""
    forbidden = DIET_FORBIDS[diet] | frozenset(exclusions)
    return not (frozenset(tags) & forbidden)
