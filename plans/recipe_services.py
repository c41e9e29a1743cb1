"""Writes for recipes, recipes eaten in meals, and shopping-list ticks; each in one transaction."""

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone

from accounts.models import User
from foods.models import Food, FoodSource, Portion
from mgplanner.page_cache import user_stamps_bump_on_commit
from plans import recipes
from plans.models import (
    MAX_RECIPE_INGREDIENTS,
    MAX_RECIPE_SERVINGS,
    DayTemplateRecipe,
    Meal,
    MealRecipe,
    MealTemplateRecipe,
    Preparation,
    Recipe,
    RecipeIngredient,
    ServingsFields,
    ShoppingTick,
)
from plans.recipe_selectors import MAX_SHOPPING_DAYS, pure_recipe, recipes_usable_in_plan
from plans.services import (
    FoodSwap,
    _amount,
    _next_position,
    _preparation,
    _recipes_usable_by,
    _touch,
    day_get_or_create,
    meal_add,
)

# A copy's name says it is one, within the name's length.
COPY_SUFFIX = " (copy)"
# The servings column's precision (ServingsFields.servings): servings worked out from grams
# of the dish are kept to it, so they weigh the grams entered (within 0.00015 g).
SERVINGS_STEP = Decimal("1e-9")
# How many of a household measure, as AmountFields.portion_quantity keeps it.
QUANTITY_STEP = Decimal("0.001")
MIN_SERVINGS = Decimal("0.01")

# Every row that plans servings of a recipe, with the path to the person it belongs to and
# how a message names it.
RECIPE_USES: tuple[tuple[type[ServingsFields], str, str], ...] = (
    (MealRecipe, "meal__day__plan__owner", "planned in a meal"),
    (MealTemplateRecipe, "template__owner", "saved in a meal template"),
    (DayTemplateRecipe, "template__owner", "saved in a day template"),
)


@transaction.atomic
def recipe_create(
    *,
    owner: User,
    name: str,
    servings: int,
    cooked_weight_grams: float | None = None,
    steps: str = "",
    shared: bool = False,
) -> Recipe:
    recipe = Recipe(
        owner=owner,
        name=name.strip(),
        servings=servings,
        cooked_weight_grams=cooked_weight_grams,
        steps=steps.strip(),
        shared=shared,
    )
    recipe.full_clean()
    recipe.save()
    return recipe


@transaction.atomic
def recipe_update(
    *,
    recipe: Recipe,
    name: str,
    servings: int,
    cooked_weight_grams: float | None,
    steps: str,
    shared: bool,
) -> Recipe:
    """Save the recipe; what others plan with it follows in the same transaction.

    A new yield (servings, cooked weight) keeps every use entered in grams at its grams
    (`_grams_eaten_follow_the_yield`). Un-sharing gives everyone else whose meals or
    templates use it their own copy (`_hand_over_uses`). Otherwise a shared recipe is live:
    the owner's edits change the days of the people who eat it.
    """
    losing = _people_who_lose_it(recipe) if recipe.shared and not shared else []
    yield_before = (recipe.servings, recipe.cooked_weight_grams)
    recipe.name = name.strip()
    recipe.servings = servings
    recipe.cooked_weight_grams = cooked_weight_grams
    recipe.steps = steps.strip()
    recipe.shared = shared
    recipe.full_clean()
    recipe.save()
    changed: set[int] = set()
    if (recipe.servings, recipe.cooked_weight_grams) != yield_before:
        field = "servings" if recipe.servings != yield_before[0] else "cooked_weight_grams"
        changed |= _grams_eaten_follow_the_yield(recipe, field=field)
    _hand_over_uses(recipe, losing)
    _pages_changed_for(recipe, changed | {person.pk for person in losing} | _eaters(recipe))
    return recipe


def _eaters(recipe: Recipe) -> set[int]:
    """The people whose days eat `recipe`: a shared recipe is live, so its owner's edit
    changes their scores and their cached pages must go (one query)."""
    return set(
        MealRecipe.objects.filter(recipe=recipe).values_list("meal__day__plan__owner_id", flat=True)
    )


def _people_who_lose_it(recipe: Recipe) -> list[User]:
    """The other people whose meals or templates name `recipe` and who may open it now (it
    is shared with them): un-sharing it would leave them a name they get a 404 for, scored
    by a recipe its owner can still change. Someone whose link has ended could not open it
    before either, and gets no newer version of it by its un-sharing.
    """
    ids: set[int] = set()
    for model, owner_path, _ in RECIPE_USES:
        ids.update(
            model.objects.filter(recipe=recipe)
            .exclude(**{owner_path: recipe.owner_id})
            .values_list(owner_path, flat=True)
        )
    return [
        person
        for person in User.objects.filter(pk__in=ids).order_by("pk")
        if Recipe.objects.visible_to(person).filter(pk=recipe.pk).exists()
    ]


def _hand_over_uses(recipe: Recipe, people: Sequence[User]) -> None:
    """Point each person's uses of `recipe` (now private) at their own copy of it, as
    deleting an account does for its shared recipes: an identical recipe of theirs when
    they have one, else a new copy with their own copies of its owner's custom foods
    (`_recipes_usable_by`). Removed uses too, so an Undo brings back what was eaten.
    """
    for person in people:
        _uses_moved(person, _recipes_usable_by(person, {recipe.pk}, editor=recipe.owner))


def _uses_moved(person: User, usable: dict[int, int]) -> bool:
    """Point `person`'s meals and templates (removed uses too) from each recipe to the one
    `usable` gives them (`_recipes_usable_by`); whether any use moved."""
    moved = {old: new for old, new in usable.items() if old != new}
    for model, owner_path, _ in RECIPE_USES:
        for old, new in moved.items():
            model.objects.filter(recipe_id=old, **{owner_path: person.pk}).update(recipe_id=new)
    return bool(moved)


@transaction.atomic
def recipes_handed_over_at_link_end(*, dietitian: User, client: User) -> set[int]:
    """Called as their link ends: each of the two gets their own copy of every recipe of
    the other's that their meals (removed ones too, for Undo) and templates use and that
    they may no longer open, as un-sharing gives it (`_hand_over_uses`). Returns the ids
    of the people whose uses moved.

    Otherwise their days would stay scored by a recipe they get a 404 for, and its owner's
    later edits would still change them. Only shared recipes: the others were never theirs
    to open, so no private recipe reaches them. A recipe they may still open (through
    another link with its owner) stays itself, and the recipes of people on their other
    links are not touched.
    """
    changed: set[int] = set()
    for owner, person in ((dietitian, client), (client, dietitian)):
        used: set[int] = set()
        for model, owner_path, _ in RECIPE_USES:
            used.update(
                model.objects.filter(
                    recipe__owner=owner, recipe__shared=True, **{owner_path: person.pk}
                ).values_list("recipe_id", flat=True)
            )
        if used and _uses_moved(person, _recipes_usable_by(person, used, editor=owner)):
            changed.add(person.pk)
    # The request's middleware refreshes the writer's pages only (and a dietitian's clients').
    user_stamps_bump_on_commit(changed)
    return changed


@transaction.atomic
def recipes_handed_over_for_ended_links() -> set[int]:
    """`recipes_handed_over_at_link_end` for every pair whose link ended before ending a
    link did it (26 Nov 2026), and who have no live link now: the repair behind
    `manage.py repair_link_recipe_uses`. Returns the ids of the people whose uses moved;
    a second run moves nothing."""
    from accounts.models import DietitianLink

    ended = set(
        DietitianLink.objects.filter(revoked_at__isnull=False).values_list(
            "dietitian_id", "client_id"
        )
    )
    live = set(DietitianLink.objects.active().values_list("dietitian_id", "client_id"))
    people = User.objects.in_bulk({pk for pair in ended - live for pk in pair})
    changed: set[int] = set()
    for dietitian_id, client_id in sorted(ended - live):
        changed |= recipes_handed_over_at_link_end(
            dietitian=people[dietitian_id], client=people[client_id]
        )
    return changed


def _servings_in(pure: recipes.Recipe, grams: float) -> Decimal:
    """Servings in `grams` of the finished dish, as the column keeps them: finer than they
    are shown, so the day, the score, the shopping list and the reports all count the grams
    entered. ValueError when the dish weighs nothing (no foods, no cooked weight)."""
    value = recipes.servings_from_grams(pure, grams)
    return Decimal(str(value)).quantize(SERVINGS_STEP, rounding=ROUND_HALF_UP)


def _servings_range_error(grams: float, servings: Decimal, where: str) -> str | None:
    if MIN_SERVINGS <= servings <= MAX_RECIPE_SERVINGS:
        return None
    where = f" {where}" if where else ""
    # Rounded away from the range, so the servings shown are outside it too (0.009, not 0.01).
    shown = recipes.servings_label(
        servings, rounding=ROUND_FLOOR if servings < MIN_SERVINGS else ROUND_CEILING
    )
    return (
        f"{grams:g} g of this dish{where} would be {shown}, and "
        f"a meal takes {MIN_SERVINGS} to {MAX_RECIPE_SERVINGS} servings of a recipe."
    )


def _grams_eaten_follow_the_yield(recipe: Recipe, *, field: str) -> set[int]:
    """Uses of `recipe` entered in grams of the finished dish keep their grams: their
    servings are worked out again from the recipe as saved now (its servings, its cooked
    weight, else its foods' raw weight), so the "(211 g)" a day shows is what the engine
    scores, the shopping list buys and the reports list. Uses entered in servings keep
    their servings (and show no grams).

    Returns the ids of the people whose rows changed. Raises ValidationError on `field`
    when a use would fall outside the servings a meal takes; the caller's transaction then
    writes nothing.
    """
    # Fetched again: the caller's instance may hold its foods as they were before this write.
    pure = pure_recipe(Recipe.objects.get(pk=recipe.pk))
    if pure.serving_grams <= 0:
        # No foods and no cooked weight: nothing to eat whatever the servings; the next
        # food added works them out again.
        return set()
    people: set[int] = set()
    for model, owner_path, where in RECIPE_USES:
        rows = model.objects.filter(recipe=recipe, grams__isnull=False).values_list(
            "pk", "grams", "servings", owner_path
        )
        changed = []
        for pk, grams, servings, owner_id in rows:
            try:
                now = _servings_in(pure, grams)
            except ValueError:
                continue  # no grams to keep (a row written before grams were checked)
            if now == servings:
                continue
            problem = _servings_range_error(grams, now, where)
            if problem:
                raise ValidationError({field: problem})
            changed.append(model(pk=pk, servings=now))
            people.add(owner_id)
        model.objects.bulk_update(changed, ["servings"])
    return people


def _pages_changed_for(recipe: Recipe, people: set[int]) -> None:
    """`user_stamps_bump_on_commit` for the people other than the recipe's owner (the writer)."""
    user_stamps_bump_on_commit(people - {recipe.owner_id})


@transaction.atomic
def recipe_delete(*, recipe: Recipe) -> None:
    """Refused while planned meals use it: deleting would silently empty those meals."""
    uses = (
        MealRecipe.objects.live()
        .filter(recipe=recipe)
        .values_list("meal__day__date", flat=True)
        .distinct()
    )
    dates = sorted(uses)
    if dates:
        shown = ", ".join(f"{on:%-d %b %Y}" for on in dates[:3])
        more = f" and {len(dates) - 3} more" if len(dates) > 3 else ""
        raise ValidationError(
            {"recipe": f"Planned on {shown}{more}: remove it from those meals first."}
        )
    # Removed-and-not-restored uses (and those of deleted meals) only kept it for Undo;
    # they go with it.
    MealRecipe.objects.filter(recipe=recipe).delete()
    recipe.delete()


def _copy_name(name: str) -> str:
    return name[: 120 - len(COPY_SUFFIX)] + COPY_SUFFIX


def _food_values(food: Food) -> dict[str, Any]:
    """What a custom food is, whoever owns it: every column but its id, code and owner."""
    return {
        field.attname: getattr(food, field.attname)
        for field in Food._meta.concrete_fields
        if field.attname not in ("id", "code", "owner_id")
    }


def _custom_food_copy(food: Food, owner: User) -> tuple[Food, dict[int, int]]:
    """`owner`'s own copy of someone else's custom food (custom foods are private), with its
    household measures; returns the copy and the old-to-new portion ids.
    """
    values = _food_values(food)
    # A random code, as custom_food_create makes: (source, code) stays unique.
    copy = Food(**values, code=f"u{uuid.uuid4().hex[:15]}", owner=owner)
    copy.full_clean()
    copy.save()
    portions = {}
    for portion in food.portions.order_by("seq"):
        new = Portion.objects.create(
            food=copy,
            seq=portion.seq,
            amount=portion.amount,
            unit=portion.unit,
            grams=portion.grams,
        )
        portions[portion.pk] = new.pk
    return copy, portions


def _food_signature(food: Food) -> tuple[Any, ...]:
    # Portions from `.all()`, so a prefetch serves them; `seq` orders them the same way twice.
    portions = sorted(
        (portion.seq, portion.amount, portion.unit, portion.grams)
        for portion in food.portions.all()
    )
    return (*sorted(_food_values(food).items()), *portions)


def _portions_by_seq(food: Food) -> list[int]:
    return [portion.pk for portion in sorted(food.portions.all(), key=lambda each: each.seq)]


@transaction.atomic
def custom_foods_for(*, owner: User, foods: Sequence[Food]) -> FoodSwap:
    """The custom food `owner` uses in place of each of `foods` (someone else's custom foods,
    which `owner` may not see): one of their own with the same values and household measures
    (a copy an earlier template, day or recipe made, or one they entered alike), else a new
    copy. Returns the old-to-new food ids and portion ids.

    Matched by content rather than by a "copied from" link: a copy its owner has edited
    since is theirs now and no longer what was planned, so it is not reused; the original's
    owner editing theirs likewise makes a fresh copy. Two queries to look, and a few per
    food actually copied.
    """
    foods = list({food.pk: food for food in foods}.values())  # rows of one food, once
    if not foods:
        return {}, {}
    prefetch_related_objects(foods, "portions")
    own: dict[tuple[Any, ...], Food] = {}
    for food in (
        Food.objects.filter(owner=owner, description__in={food.description for food in foods})
        .prefetch_related("portions")
        .order_by("id")
    ):
        own.setdefault(_food_signature(food), food)
    food_for: dict[int, int] = {}
    portion_for: dict[int, int] = {}
    for food in foods:
        signature = _food_signature(food)
        same = own.get(signature)
        if same is None:
            copy, portions = _custom_food_copy(food, owner)
            own[signature] = copy
            food_for[food.pk] = copy.pk
            portion_for.update(portions)
        else:
            food_for[food.pk] = same.pk
            portion_for.update(zip(_portions_by_seq(food), _portions_by_seq(same), strict=True))
    return food_for, portion_for


@transaction.atomic
def recipe_duplicate(*, recipe: Recipe, owner: User) -> Recipe:
    """A private copy for `owner` (who may be a linked person reading a shared recipe).

    The sharer's custom foods in it become `owner`'s custom foods (`custom_foods_for`: a
    copy, or the same food copied before): the copy must only use foods its owner can see,
    or it could not be scored, edited or shopped for.
    """
    lines = list(recipe.ingredients.select_related("food").order_by("position", "id"))
    foreign = {
        line.food_id: line.food
        for line in lines
        if line.food.owner_id is not None and line.food.owner_id != owner.pk
    }
    food_for, portion_for = custom_foods_for(owner=owner, foods=list(foreign.values()))
    copy = recipe_create(
        owner=owner,
        name=_copy_name(recipe.name) if recipe.owner_id == owner.pk else recipe.name,
        servings=recipe.servings,
        cooked_weight_grams=recipe.cooked_weight_grams,
        steps=recipe.steps,
    )
    RecipeIngredient.objects.bulk_create(
        RecipeIngredient(
            recipe=copy,
            food_id=food_for.get(line.food_id, line.food_id),
            grams=line.grams,
            portion_id=portion_for.get(line.portion_id, line.portion_id)
            if line.portion_id
            else None,
            portion_quantity=line.portion_quantity,
            preparation=line.preparation,
            position=line.position,
        )
        for line in lines
    )
    return copy


def recipe_foods_changed(recipe: Recipe) -> None:
    """The recipe's foods or their grams changed (a line edited here, or a household measure
    re-weighed: plans.food_uses): uses by grams of the dish follow the yield, and the pages
    of everyone who eats it are refreshed."""
    recipe.save(update_fields=["updated_at"])
    changed = _eaters(recipe)
    # Without a cooked weight, a serving weighs the foods' raw total over the servings.
    if recipe.cooked_weight_grams is None:
        changed |= _grams_eaten_follow_the_yield(recipe, field="grams")
    _pages_changed_for(recipe, changed)


@transaction.atomic
def recipe_ingredient_add(
    *,
    recipe: Recipe,
    food: Food,
    grams: float | None = None,
    portion: Portion | None = None,
    portion_quantity: Decimal | None = None,
    preparation: str = Preparation.NONE,
) -> RecipeIngredient:
    if recipe.ingredients.count() >= MAX_RECIPE_INGREDIENTS:
        raise ValidationError({"food": f"A recipe holds at most {MAX_RECIPE_INGREDIENTS} foods."})
    amount_grams, portion, portion_quantity = _amount(
        food=food, grams=grams, portion=portion, portion_quantity=portion_quantity
    )
    line = RecipeIngredient(
        recipe=recipe,
        food=food,
        grams=amount_grams,
        portion=portion,
        portion_quantity=portion_quantity,
        preparation=_preparation(food, preparation),
        position=_next_position(recipe.ingredients),
    )
    line.full_clean()
    line.save()
    recipe_foods_changed(recipe)
    return line


@transaction.atomic
def recipe_ingredient_update(
    *,
    line: RecipeIngredient,
    grams: float | None = None,
    portion: Portion | None = None,
    portion_quantity: Decimal | None = None,
    preparation: str = Preparation.NONE,
) -> RecipeIngredient:
    line.grams, line.portion, line.portion_quantity = _amount(
        food=line.food, grams=grams, portion=portion, portion_quantity=portion_quantity
    )
    line.preparation = _preparation(line.food, preparation)
    line.full_clean()
    line.save()
    recipe_foods_changed(line.recipe)
    return line


@transaction.atomic
def recipe_ingredient_delete(*, line: RecipeIngredient) -> None:
    recipe = line.recipe
    line.delete()
    recipe_foods_changed(recipe)


def _import_foods(
    imported: recipes.ImportedRecipe, owner: User
) -> tuple[list[tuple[Food, Portion | None]], dict[str, list[str]]]:
    """The food and household measure of each imported line: database foods by NDB number,
    the owner's own custom foods by their code; every unknown code is an error on its line,
    and so are grams that disagree with the food's measure the line names.
    """
    database_codes = {line.code for line in imported.ingredients if line.source != "custom"}
    custom_codes = {line.code for line in imported.ingredients if line.source == "custom"}
    found = Food.objects.filter(
        Q(source=FoodSource.USDA_SR28, owner__isnull=True, code__in=database_codes)
        | Q(source=FoodSource.CUSTOM, owner=owner, code__in=custom_codes)
    ).prefetch_related("portions")  # for the measures the lines name (`_imported_portion`)
    by_key = {(food.source == FoodSource.CUSTOM, food.code): food for food in found}
    foods: list[tuple[Food, Portion | None]] = []
    errors: dict[str, list[str]] = {}
    for n, line in enumerate(imported.ingredients):
        food = by_key.get((line.source == "custom", line.code))
        if food is None:
            what = "your custom foods" if line.source == "custom" else "the food database"
            named = f" ({line.description})" if line.description else ""
            errors[f"ingredients[{n}].code"] = [f"No food {line.code}{named} in {what}."]
            continue
        portion = _imported_portion(food, line.measure)
        if portion is not None and line.measure is not None:
            problem = recipes.measure_grams_error(
                label=portion.label,
                quantity=float(_quantity(line.measure)),
                measure_grams=portion.grams,
                grams=line.grams,
            )
            if problem:
                errors[f"ingredients[{n}].measure"] = [problem]
        foods.append((food, portion))
    return foods, errors


def _quantity(measure: tuple[str, str, float]) -> Decimal:
    """How many of the measure, as the line keeps it (to 0.001)."""
    return Decimal(str(measure[2])).quantize(QUANTITY_STEP)


def _exported_measure(line: RecipeIngredient) -> tuple[str, str, float] | None:
    """(unit, amount of the measure, how many) of a line entered in a household measure."""
    if line.portion is None or line.portion_quantity is None:
        return None
    return line.portion.unit, _normal(str(line.portion.amount)), float(line.portion_quantity)


def _normal(amount: str) -> str:
    """ "1", "1.0", "1.000" → "1": a measure's amount as the export writes it."""
    try:
        return f"{Decimal(amount).normalize():f}"
    except ArithmeticError:
        return amount


def _imported_portion(food: Food, measure: tuple[str, str, float] | None) -> Portion | None:
    """The food's household measure the file names ("1 cup"), or None: then the grams alone
    (another database's measures, or none given)."""
    if measure is None:
        return None
    unit, amount, _ = measure
    for portion in food.portions.all():
        if portion.unit == unit and _normal(str(portion.amount)) == _normal(amount):
            return portion
    return None


@transaction.atomic
def recipe_import(*, owner: User, data: object) -> Recipe:
    """A recipe from schema.org JSON; RecipeImportError lists every problem by field."""
    imported = recipes.parse_recipe_json(data, preparations=tuple(Preparation.values))
    foods, errors = _import_foods(imported, owner)
    if errors:
        raise recipes.RecipeImportError(errors)
    recipe = recipe_create(
        owner=owner,
        name=imported.name,
        servings=imported.servings,
        cooked_weight_grams=imported.cooked_weight_grams,
        steps=imported.steps,
    )
    for position, (line, (food, portion)) in enumerate(
        zip(imported.ingredients, foods, strict=True)
    ):
        ingredient = RecipeIngredient(
            recipe=recipe,
            food=food,
            grams=line.grams,
            portion=portion,
            portion_quantity=(
                _quantity(line.measure)
                if portion is not None and line.measure is not None
                else None
            ),
            preparation=_preparation(food, line.preparation),
            position=position,
        )
        ingredient.full_clean()
        ingredient.save()
    return recipe


def recipe_export(recipe: Recipe) -> dict[str, Any]:
    """The recipe as schema.org JSON (with `ordered_ingredients` prefetched)."""
    lines = recipe.ordered_ingredients  # type: ignore[attr-defined]
    return recipes.recipe_to_json(
        name=recipe.name,
        servings=recipe.servings,
        cooked_weight_grams=recipe.cooked_weight_grams,
        steps=recipe.steps,
        ingredients=[
            recipes.ExportIngredient(
                code=line.food.code,
                source=line.food.source,
                description=line.food.description,
                grams=line.grams,
                preparation=line.preparation,
                measure=line.amount_label,
                portion=_exported_measure(line),
            )
            for line in lines
        ],
    )


# ---------------------------------------------------------------- recipes in meals


def _servings(recipe: Recipe, servings: Decimal | None, grams: float | None) -> Decimal:
    """The servings to keep: those given, or those in the grams of the dish given."""
    if servings is not None and grams is not None:
        # Which did they mean? Taking one would drop what the person typed in the other.
        raise ValidationError({"grams": recipes.SERVINGS_OR_GRAMS})
    if servings is None and grams is None:
        raise ValidationError({"servings": "Enter the servings, or the grams of the dish."})
    if servings is not None:
        if not MIN_SERVINGS <= servings <= MAX_RECIPE_SERVINGS:
            raise ValidationError(
                {"servings": f"Enter {MIN_SERVINGS} to {MAX_RECIPE_SERVINGS} servings."}
            )
        return servings
    try:
        value = _servings_in(pure_recipe(recipe), float(grams))  # type: ignore[arg-type]
    except ValueError as error:
        raise ValidationError({"grams": str(error)}) from None
    problem = _servings_range_error(grams, value, "")  # type: ignore[arg-type]
    if problem:
        raise ValidationError({"grams": problem})
    return value


@transaction.atomic
def meal_recipe_add(
    *,
    meal: Meal,
    recipe: Recipe,
    editor: User,
    servings: Decimal | None = None,
    grams: float | None = None,
) -> MealRecipe:
    """Servings (or grams of the finished dish, turned into servings) of a recipe in a meal.

    Only a recipe both the plan's owner and `editor` may open: a dietitian's private recipe
    or another client's would sit on the client's day as a name they get a 404 for.
    """
    usable = recipes_usable_in_plan(owner=meal.day.plan.owner, editor=editor)
    if not usable.filter(pk=recipe.pk).exists():
        raise ValidationError(
            {
                "recipe": "The owner of this plan cannot open that recipe: only their own "
                "recipes and those shared with them go into their meals."
            }
        )
    used = MealRecipe(
        meal=meal,
        recipe=recipe,
        servings=_servings(recipe, servings, grams),
        grams=grams,
        position=_next_position(meal.recipes),
    )
    used.full_clean()
    used.save()
    _touch(meal.day, editor=editor)
    return used


@transaction.atomic
def recipe_plan_on(
    *,
    recipe: Recipe,
    owner: User,
    on: date,
    meal_name: str,
    editor: User,
    servings: Decimal | None = None,
    grams: float | None = None,
) -> MealRecipe:
    """A recipe page's "Add to a day": servings of it into the meal of that name on `on`,
    the day and the meal made if missing. One transaction, so a refusal of the recipe
    (too many servings, say) leaves no day or meal made for it behind."""
    day = day_get_or_create(user=owner, on=on, editor=editor)
    name = meal_name.strip()
    meal = day.meals.filter(name__iexact=name).order_by("position", "id").first()
    if meal is None:
        meal = meal_add(day=day, name=name, editor=editor)
    return meal_recipe_add(meal=meal, recipe=recipe, editor=editor, servings=servings, grams=grams)


@transaction.atomic
def meal_recipe_delete(*, used: MealRecipe, editor: User) -> MealRecipe:
    used.deleted_at = timezone.now()
    used.save(update_fields=["deleted_at"])
    _touch(used.meal.day, editor=editor)
    return used


@transaction.atomic
def meal_recipe_restore(*, used: MealRecipe, editor: User) -> MealRecipe:
    # A second Undo changes nothing, so it must not bump the day's version either
    # (as meal_item_restore): that would make the other editor's next save look stale.
    if used.deleted_at is None:
        return used
    used.deleted_at = None
    used.save(update_fields=["deleted_at"])
    _touch(used.meal.day, editor=editor)
    return used


# ---------------------------------------------------------------- shopping ticks


def shopping_range_error(start: date, end: date) -> str | None:
    if end < start:
        return "The last day is before the first."
    if (end - start).days + 1 > MAX_SHOPPING_DAYS:
        return f"A shopping list covers at most {MAX_SHOPPING_DAYS} days."
    return None


@transaction.atomic
def shopping_tick_set(*, owner: User, food: Food, start: date, end: date, ticked: bool) -> None:
    problem = shopping_range_error(start, end)
    if problem:
        raise ValidationError({"end": problem})
    ticks = ShoppingTick.objects.filter(owner=owner, food=food, start=start, end=end)
    if ticked:
        if not ticks.exists():
            tick = ShoppingTick(owner=owner, food=food, start=start, end=end)
            tick.full_clean()
            tick.save()
    else:
        ticks.delete()
