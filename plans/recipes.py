"""Recipes as plain values: per-serving arithmetic, scaling into a meal, preparation gains,
and the schema.org Recipe JSON used for import and export. Imports no Django.

A recipe reaches the engine as its ingredients (so each one's phytate, oxalate and calcium
count, and preparing one differently changes the score), each scaled by
servings eaten / servings the recipe makes.
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from foods.values import MAX_PORTION_GRAMS, grams_text
from plans import scoring, swaps
from plans.targets import Person

# Bounds shared with plans.models (kept here too: this module imports no Django).
MAX_SERVINGS = 100
MAX_INGREDIENTS = 60
MAX_MEASURE_QUANTITY = 1000  # how many of a household measure one line may count
MAX_COOKED_GRAMS = 20000
MAX_NAME_CHARS = 120
MAX_STEPS_CHARS = 10000

# What a recipe's preparation suggestions say, by preparation.
PREPARATION_VERBS = {"soaked": "Soak", "sprouted": "Sprout", "fermented": "Ferment"}
# A suggestion worth showing gains at least this much effective magnesium per serving.
MIN_SUGGESTION_GAIN_MG = 0.5
# Marks the extension inside a schema.org Recipe: what a generic reader ignores.
EXTENSION_KEY = "mgplanner"
EXTENSION_VERSION = 1
# The key of a problem with the document as a whole (not a recipe object): the import shows
# it on the field the document came from, the file or the pasted text.
DOCUMENT_KEY = "document"
# An imported line's grams agree with its household measure when within 1 % or 0.5 g of
# quantity × the measure's grams: the export rounds grams to 0.01 g and quantities to 0.001.
MEASURE_GRAMS_TOLERANCE = 0.01
MEASURE_GRAMS_TOLERANCE_G = 0.5


@dataclass(frozen=True, slots=True)
class Nutrients:
    """Amounts (not per 100 g) that add up; phytate is as eaten (after preparation)."""

    kcal: float = 0.0
    protein_g: float = 0.0
    fat_g: float = 0.0
    carbohydrate_g: float = 0.0
    fibre_g: float = 0.0
    magnesium_mg: float = 0.0
    calcium_mg: float = 0.0
    phytate_mg: float = 0.0
    oxalate_mg: float = 0.0

    def __add__(self, other: "Nutrients") -> "Nutrients":
        return Nutrients(
            *(getattr(self, name) + getattr(other, name) for name in self.__slots__)  # type: ignore[attr-defined]
        )

    def scaled(self, factor: float) -> "Nutrients":
        return Nutrients(*(getattr(self, name) * factor for name in self.__slots__))  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class Ingredient:
    """One line of a recipe with its food's values per 100 g."""

    name: str
    grams: float
    magnesium_mg_per_100g: float
    phytate_mg_per_100g: float = 0.0
    oxalate_mg_per_100g: float = 0.0
    calcium_mg_per_100g: float = 0.0
    kcal_per_100g: float = 0.0
    protein_g_per_100g: float = 0.0
    fat_g_per_100g: float = 0.0
    carbohydrate_g_per_100g: float = 0.0
    fibre_g_per_100g: float = 0.0
    preparation: str = "none"
    code: str | None = None
    key: str | None = None
    # The food's role for swaps ("legume", "grain", ...; plans.swaps.role_for), which says
    # which preparations make sense; "" reads it from the name.
    role: str = ""
    phytate_basis: str = ""
    oxalate_basis: str = ""

    def nutrients(self) -> Nutrients:
        per_gram = self.grams / 100.0
        phytate_factor = scoring.PREPARATION_PHYTATE_FACTOR.get(self.preparation, 1.0)
        return Nutrients(
            kcal=self.kcal_per_100g * per_gram,
            protein_g=self.protein_g_per_100g * per_gram,
            fat_g=self.fat_g_per_100g * per_gram,
            carbohydrate_g=self.carbohydrate_g_per_100g * per_gram,
            fibre_g=self.fibre_g_per_100g * per_gram,
            magnesium_mg=self.magnesium_mg_per_100g * per_gram,
            calcium_mg=self.calcium_mg_per_100g * per_gram,
            phytate_mg=self.phytate_mg_per_100g * per_gram * phytate_factor,
            oxalate_mg=self.oxalate_mg_per_100g * per_gram,
        )


@dataclass(frozen=True, slots=True)
class Recipe:
    name: str
    servings: int
    ingredients: tuple[Ingredient, ...] = ()
    cooked_weight_grams: float | None = None

    @property
    def raw_grams(self) -> float:
        return sum(ingredient.grams for ingredient in self.ingredients)

    @property
    def serving_grams(self) -> float:
        """Grams of the finished dish in one serving: of the cooked weight when weighed."""
        total = self.cooked_weight_grams or self.raw_grams
        return total / self.servings

    def total(self) -> Nutrients:
        result = Nutrients()
        for ingredient in self.ingredients:
            result = result + ingredient.nutrients()
        return result

    def per_serving(self) -> Nutrients:
        return self.total().scaled(1.0 / self.servings)

    def line(self, key: str) -> Ingredient | None:
        """The ingredient of that key (its row's id): for a table of the rows, each with the
        figures the score uses (phytate after its preparation)."""
        return next((line for line in self.ingredients if line.key == key), None)


# Servings and grams of the dish both given: which did the person mean?
SERVINGS_OR_GRAMS = "Give the servings or the grams of the dish, not both."


def servings_from_grams(recipe: Recipe, grams: float) -> float:
    """Servings in `grams` of the finished dish (of the cooked weight, else of the raw total)."""
    if grams <= 0:
        raise ValueError("Enter the grams of the dish, above 0.")
    if recipe.serving_grams <= 0:
        raise ValueError(
            "This recipe has no ingredients yet, so grams cannot be turned into servings."
        )
    return grams / recipe.serving_grams


# Servings as people read them: to 0.001, the finest they may type them. Servings worked out
# from grams of the dish are kept finer, so that they weigh those grams (ServingsFields).
SERVINGS_SHOWN_STEP = Decimal("0.001")


def servings_label(servings: Decimal, rounding: str = ROUND_HALF_UP) -> str:
    """ "1.5 servings", "1 serving", "0.024 servings" (of 0.0235): to 0.001, whatever finer
    servings the grams of the dish eaten came to; `rounding` a decimal module mode."""
    shown = servings.quantize(SERVINGS_SHOWN_STEP, rounding=rounding)
    return f"{shown.normalize():f} serving{'' if shown == 1 else 's'}"


def grams_to_buy(grams: float) -> int:
    """Whole grams to buy of a summed, scaled amount: rounded up, but first to a milligram,
    so float noise (200 g × 1.1 servings is 220.00000000000003) buys no gram more."""
    return math.ceil(round(grams, 3))


def meal_recipe_key(meal_recipe_pk: int) -> str:
    """The key prefix of a planned recipe's ingredients in the engine: `recipe-<id>`."""
    return f"recipe-{meal_recipe_pk}"


_MEAL_RECIPE_KEY = re.compile(r"^recipe-(\d+)-")


def meal_recipe_scores(
    item_scores: Iterable[scoring.ItemScore],
) -> dict[int, tuple[float, float]]:
    """Each planned recipe's (mg on the plate, mg effective): the sum of its ingredients'."""
    totals: dict[int, tuple[float, float]] = {}
    for item in item_scores:
        match = _MEAL_RECIPE_KEY.match(item.key or "")
        if match:
            pk = int(match.group(1))
            plate, effective = totals.get(pk, (0.0, 0.0))
            totals[pk] = (plate + item.magnesium_mg, effective + item.effective_mg)
    return totals


def engine_items(recipe: Recipe, servings: float, *, key_prefix: str) -> tuple[scoring.Item, ...]:
    """The recipe's ingredients as engine items for `servings` eaten, keyed `<prefix>-<n>`."""
    factor = servings / recipe.servings
    return tuple(
        scoring.Item(
            name=ingredient.name,
            grams=ingredient.grams * factor,
            magnesium_mg_per_100g=ingredient.magnesium_mg_per_100g,
            phytate_mg_per_100g=ingredient.phytate_mg_per_100g,
            oxalate_mg_per_100g=ingredient.oxalate_mg_per_100g,
            calcium_mg_per_100g=ingredient.calcium_mg_per_100g,
            kcal_per_100g=ingredient.kcal_per_100g,
            preparation=ingredient.preparation,
            code=ingredient.code,
            key=f"{key_prefix}-{ingredient.key or index}",
        )
        for index, ingredient in enumerate(recipe.ingredients)
        if ingredient.grams * factor > 0
    )


def score_as_meal(recipe: Recipe, person: Person, *, servings: float = 1.0) -> scoring.DayScore:
    """`servings` of the recipe eaten as the only meal of a day of `person`.

    Effective magnesium depends on what is eaten with it (calcium, the dose), so a recipe's
    "effective Mg" is this: the dish on its own, as a meal.
    """
    meal = scoring.Meal(name="Recipe", items=engine_items(recipe, servings, key_prefix="ing"))
    return scoring.score_day(scoring.Day(person=person, meals=(meal,) if meal.items else ()))


@dataclass(frozen=True, slots=True)
class PreparationGain:
    ingredient: str
    index: int
    preparation: str
    gain_mg: float  # effective magnesium per serving, eaten as a meal
    # Which line, when the recipe names the food more than once ("200 g, soaked"); else "".
    line: str = ""

    @property
    def text(self) -> str:
        verb = PREPARATION_VERBS[self.preparation]
        which = f" ({self.line})" if self.line else ""
        return f"{verb} the {self.ingredient}{which}: +{self.gain_mg:.1f} mg per serving"


def _line_names(ingredients: tuple[Ingredient, ...]) -> list[str]:
    """Each line's amount and preparation ("200 g, soaked") where its food's name appears
    more than once, else "": two hints for "the Lentils, raw" must say which lines they mean.
    Lines alike in both also get their place ("200 g, soaked, line 3").
    """
    names = [ingredient.name for ingredient in ingredients]
    details = [
        f"{grams_text(ingredient.grams)} g, "
        f"{'as is' if ingredient.preparation == 'none' else ingredient.preparation}"
        if names.count(ingredient.name) > 1
        else ""
        for ingredient in ingredients
    ]
    pairs = list(zip(names, details, strict=True))
    return [
        f"{detail}, line {index + 1}" if detail and pairs.count(pair) > 1 else detail
        for index, (pair, detail) in enumerate(zip(pairs, details, strict=True))
    ]


def preparation_gains(recipe: Recipe, person: Person) -> list[PreparationGain]:
    """For each ingredient with phytate, the best stronger preparation and what it gains,
    per serving eaten as a meal; largest gain first. The engine decides, nothing is guessed.
    """
    base = score_as_meal(recipe, person).effective_mg
    order = scoring.PREPARATIONS
    lines = _line_names(recipe.ingredients)
    gains = []
    for index, ingredient in enumerate(recipe.ingredients):
        if ingredient.phytate_mg_per_100g <= 0:
            continue
        current = scoring.PREPARATION_PHYTATE_FACTOR.get(ingredient.preparation, 1.0)
        # The day's suggestions' rule: soak lentils, ferment dough, never coconut milk.
        sensible = swaps.sensible_preparations(
            ingredient.name, ingredient.role or swaps.role_for(ingredient.name)
        )
        best: PreparationGain | None = None
        for preparation in order:
            if preparation not in sensible:
                continue
            if scoring.PREPARATION_PHYTATE_FACTOR[preparation] >= current:
                continue
            changed = list(recipe.ingredients)
            changed[index] = replace(ingredient, preparation=preparation)
            effective = score_as_meal(replace(recipe, ingredients=tuple(changed)), person)
            gain = effective.effective_mg - base
            # Soaking is the least effort: prefer it unless a stronger step gains clearly more.
            if best is None or gain > best.gain_mg + MIN_SUGGESTION_GAIN_MG:
                best = PreparationGain(ingredient.name, index, preparation, gain, lines[index])
        if best is not None and best.gain_mg >= MIN_SUGGESTION_GAIN_MG:
            gains.append(best)
    return sorted(gains, key=lambda gain: gain.gain_mg, reverse=True)


# ---------------------------------------------------------------- schema.org JSON


@dataclass(frozen=True, slots=True)
class ImportedIngredient:
    code: str
    source: str
    grams: float
    preparation: str
    description: str
    # The household measure it was entered in ("2 × 1 cup"), when the file gives one: unit,
    # amount of the measure ("1"), how many. Matched to the food's measures on import.
    measure: tuple[str, str, float] | None = None


@dataclass(frozen=True, slots=True)
class ImportedRecipe:
    name: str
    servings: int
    cooked_weight_grams: float | None
    steps: str
    ingredients: tuple[ImportedIngredient, ...]


@dataclass
class RecipeImportError(ValueError):
    """Every problem found, by field ("name", "ingredients[2].grams"), each a clear line."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{key}: {' '.join(messages)}" for key, messages in self.errors.items())


@dataclass(frozen=True, slots=True)
class ExportIngredient:
    code: str
    source: str
    description: str
    grams: float
    preparation: str
    measure: str  # "2 × 1 cup (316 g)" or "150 g": what a person reads
    # (unit, amount of the measure, how many) when entered in a household measure.
    portion: tuple[str, str, float] | None = None


def recipe_to_json(
    *,
    name: str,
    servings: int,
    cooked_weight_grams: float | None,
    steps: str,
    ingredients: list[ExportIngredient],
) -> dict[str, Any]:
    """A schema.org Recipe any reader understands, plus exact foods and grams under
    `mgplanner` so an import rebuilds the same recipe.
    """
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Recipe",
        "name": name,
        "recipeYield": f"{servings} serving{'s' if servings != 1 else ''}",
        "recipeIngredient": [
            f"{line.measure} {line.description}"
            + (f", {line.preparation}" if line.preparation != "none" else "")
            for line in ingredients
        ],
        "recipeInstructions": [{"@type": "HowToStep", "text": step} for step in split_steps(steps)],
        EXTENSION_KEY: {
            "version": EXTENSION_VERSION,
            "servings": servings,
            "cookedWeightGrams": cooked_weight_grams,
            "ingredients": [
                {
                    "code": line.code,
                    "source": line.source,
                    "description": line.description,
                    "grams": round(line.grams, 2),
                    "preparation": line.preparation,
                    **(
                        {
                            "measure": {
                                "unit": line.portion[0],
                                "amount": line.portion[1],
                                "quantity": line.portion[2],
                            }
                        }
                        if line.portion
                        else {}
                    ),
                }
                for line in ingredients
            ],
        },
    }
    return document


def measure_grams_error(
    *, label: str, quantity: float, measure_grams: float, grams: float
) -> str | None:
    """Why an imported line's `grams` are not `quantity` × its measure (`label`, "1 bunch",
    weighing `measure_grams`), or None when they agree within rounding. A file saying
    "3 × 1 bunch" and 340 g would show one amount and score another.
    """
    expected = quantity * measure_grams
    if abs(grams - expected) <= max(MEASURE_GRAMS_TOLERANCE_G, expected * MEASURE_GRAMS_TOLERANCE):
        return None
    return (
        f"{quantity:g} × {label} is {grams_text(expected)} g, not {grams_text(grams)} g: "
        "give one or the other."
    )


def split_steps(steps: str) -> list[str]:
    """One step per non-empty line, without any numbering the person typed."""
    lines = (re.sub(r"^\s*\d+[.)]\s*", "", line).strip() for line in steps.splitlines())
    return [line for line in lines if line]


def _number(value: object) -> float | None:
    """A finite number from JSON (a number or a numeric string), else None; an integer too
    large for a float (JSON allows 1 followed by 400 zeros) is none either."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _servings_of(document: Mapping[str, Any], extension: Mapping[str, Any]) -> object:
    if "servings" in extension:
        return extension["servings"]
    value = document.get("recipeYield")
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, str):
        match = re.search(r"\d+", value)
        return int(match.group()) if match else value
    return value


def _steps_of(value: object, errors: dict[str, list[str]]) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if not isinstance(value, list):
        errors["recipeInstructions"] = ["Give the steps as text or a list of HowToStep."]
        return ""
    steps = []
    for n, step in enumerate(value):
        text = step.get("text") if isinstance(step, Mapping) else step
        if not isinstance(text, str):
            errors[f"recipeInstructions[{n}]"] = ["Each step needs its text."]
            continue
        steps.append(f"{len(steps) + 1}. {text.strip()}")
    return "\n".join(steps)


def _imported_measure(value: object) -> tuple[str, str, float] | None:
    """{"unit": "cup", "amount": "1", "quantity": 2} → ("cup", "1", 2.0); None if not one."""
    if not isinstance(value, Mapping):
        return None
    unit, amount, quantity = value.get("unit"), value.get("amount"), _number(value.get("quantity"))
    if not isinstance(unit, str) or not unit.strip() or quantity is None or quantity <= 0:
        return None
    if not isinstance(amount, str | int | float) or isinstance(amount, bool):
        return None
    return unit.strip(), str(amount), float(quantity)


def parse_recipe_json(data: object, *, preparations: tuple[str, ...]) -> ImportedRecipe:
    """Check a schema.org Recipe with the `mgplanner` extension; RecipeImportError lists
    every problem by field. Foods are resolved by the caller (this module knows no database).
    """
    errors: dict[str, list[str]] = {}
    if not isinstance(data, Mapping):
        raise RecipeImportError({DOCUMENT_KEY: ["Expected a JSON object (a schema.org Recipe)."]})
    if data.get("@type") not in (None, "Recipe") and "Recipe" not in (data.get("@type") or []):
        errors["@type"] = ["This is not a schema.org Recipe."]
    extension = data.get(EXTENSION_KEY)
    if not isinstance(extension, Mapping):
        errors[EXTENSION_KEY] = [
            f"Missing the “{EXTENSION_KEY}” part with food codes and grams: only recipes "
            "exported from this site can be imported."
        ]
        extension = {}

    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = ["Give the recipe a name."]
        name = ""
    elif len(name.strip()) > MAX_NAME_CHARS:
        errors["name"] = [f"At most {MAX_NAME_CHARS} characters."]

    servings_value = _number(_servings_of(data, extension))
    servings = 0
    if servings_value is None or servings_value != int(servings_value):
        errors["recipeYield"] = ["Give the number of servings as a whole number."]
    elif not 1 <= servings_value <= MAX_SERVINGS:
        errors["recipeYield"] = [f"Servings must be 1 to {MAX_SERVINGS}."]
    else:
        servings = int(servings_value)

    cooked: float | None = None
    raw_cooked = extension.get("cookedWeightGrams")
    if raw_cooked is not None:
        cooked = _number(raw_cooked)
        if cooked is None or not 1 <= cooked <= MAX_COOKED_GRAMS:
            errors["cookedWeightGrams"] = [f"A weight from 1 to {MAX_COOKED_GRAMS} g, or null."]
            cooked = None

    steps = _steps_of(data.get("recipeInstructions"), errors)
    if len(steps) > MAX_STEPS_CHARS:
        errors["recipeInstructions"] = [f"The steps are over {MAX_STEPS_CHARS} characters."]

    raw_ingredients = extension.get("ingredients", [] if not extension else None)
    ingredients: list[ImportedIngredient] = []
    if not isinstance(raw_ingredients, list):
        if extension:
            errors["ingredients"] = ["Give the ingredients as a list."]
        raw_ingredients = []
    elif extension and not raw_ingredients:
        errors["ingredients"] = ["A recipe needs at least one ingredient."]
    elif len(raw_ingredients) > MAX_INGREDIENTS:
        errors["ingredients"] = [f"At most {MAX_INGREDIENTS} ingredients."]
        raw_ingredients = []
    for n, line in enumerate(raw_ingredients):
        where = f"ingredients[{n}]"
        if not isinstance(line, Mapping):
            errors[where] = ["Each ingredient is an object with a code and grams."]
            continue
        code = line.get("code")
        if not isinstance(code, str | int) or isinstance(code, bool) or not str(code).strip():
            errors[f"{where}.code"] = ["Give the food's code (the USDA NDB number)."]
        grams = _number(line.get("grams"))
        if grams is None or not 0 < grams <= MAX_PORTION_GRAMS:
            errors[f"{where}.grams"] = [f"Grams above 0 and at most {MAX_PORTION_GRAMS}."]
        preparation = line.get("preparation", "none")
        if preparation not in preparations:
            errors[f"{where}.preparation"] = [f"One of: {', '.join(preparations)}."]
        source = line.get("source", "usda_sr28")
        description = line.get("description", "")
        measure = _imported_measure(line.get("measure"))
        if "measure" in line and measure is None:
            errors[f"{where}.measure"] = [
                "A measure is an object with a unit, its amount and how many (above 0)."
            ]
        elif measure is not None and measure[2] > MAX_MEASURE_QUANTITY:
            errors[f"{where}.measure"] = [
                f"At most {MAX_MEASURE_QUANTITY:,} of a measure; check the number."
            ]
        if f"{where}.code" in errors or f"{where}.grams" in errors:
            continue
        ingredients.append(
            ImportedIngredient(
                code=str(code).strip(),
                source=source if isinstance(source, str) else "usda_sr28",
                grams=float(grams),  # type: ignore[arg-type]
                preparation=preparation if preparation in preparations else "none",
                description=description if isinstance(description, str) else "",
                measure=measure,
            )
        )
    if errors:
        raise RecipeImportError(errors)
    return ImportedRecipe(
        name=name.strip(),
        servings=servings,
        cooked_weight_grams=cooked,
        steps=steps,
        ingredients=tuple(ingredients),
    )
