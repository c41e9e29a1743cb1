"""Recipe pages (list, detail with per-serving scores, edit, import/export), recipes in
meals, and the shopping list.

Every write is a form POST that redirects (PRG) and so works without JavaScript; invalid
input re-renders the page with the form's field errors and status 422.
"""

import json
from datetime import date, timedelta
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.decorators import profile_required
from accounts.models import User
from accounts.request_user import request_user
from accounts.selectors import person_on, profile_for
from foods.selectors import food_picked_by, food_search
from mgplanner import csv_safe
from mgplanner.forms import apply_validation_error, parse_id
from mgplanner.rendering import render_blocks_response, render_page
from plans import recipe_services, recipes, scoring
from plans import views as day_views
from plans.client_scope import plan_client, plan_owner, plan_reverse, scope_to_day
from plans.forms import AmountForm, MealItemAddForm, amount_kwargs
from plans.models import Recipe
from plans.recipe_forms import (
    ImportForm,
    PlanRecipeForm,
    RecipeForm,
    ServingsForm,
    ShoppingRangeForm,
)
from plans.recipe_selectors import (
    meal_recipe_get_for,
    pure_recipe,
    recipe_get_for,
    recipe_ingredient_get_for,
    recipe_scoring_profile_for,
    recipes_for,
    recipes_to_plan_for,
    shopping_list_for,
)
from plans.selectors import meal_get_for, monday_of
from plans.targets import TargetError

# The recipe page holds two forms with a servings field ("Add to a day" and "Edit"): each
# has its own prefix, so their ids (and the labels pointing at them) differ.
PLAN_PREFIX = "plan"
RECIPE_PREFIX = "recipe"


def _detail_url(recipe: Recipe, anchor: str = "") -> str:
    url = reverse("recipes:detail", args=[recipe.pk])
    return f"{url}#{anchor}" if anchor else url


# ---------------------------------------------------------------- list, create, import


def _list_page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    user = request_user(request)
    return render_page(
        request,
        "plans/recipes.html",
        {
            "recipes": list(recipes_for(user=user)),
            "user": user,
            "new_form": forms.get("new_form") or RecipeForm(initial={"servings": 4}),
            "import_form": forms.get("import_form") or ImportForm(),
            "import_errors": forms.get("import_errors") or {},
        },
        status=status,
    )


@profile_required
@require_safe
def recipe_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@profile_required
@require_POST
def recipe_new(request: HttpRequest) -> HttpResponse:
    form = RecipeForm(request.POST)
    if form.is_valid():
        try:
            recipe = recipe_services.recipe_create(owner=request_user(request), **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            flash.success(request, f"Recipe “{recipe.name}” created: now add its foods.")
            return HttpResponseRedirect(_detail_url(recipe, "add-ingredient"))
    return _list_page(request, status=422, new_form=form)


@profile_required
@require_POST
def recipe_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            recipe = recipe_services.recipe_import(
                owner=request_user(request), data=form.cleaned_data["document"]
            )
        except recipes.RecipeImportError as error:
            errors = dict(error.errors)
            form.add_document_errors(errors.pop(recipes.DOCUMENT_KEY, []))
            return _list_page(request, status=422, import_form=form, import_errors=errors)
        except ValidationError as error:
            return _list_page(
                request, status=422, import_form=form, import_errors=error.message_dict
            )
        flash.success(request, f"Imported “{recipe.name}”.")
        return HttpResponseRedirect(_detail_url(recipe))
    return _list_page(request, status=422, import_form=form)


# ---------------------------------------------------------------- one recipe


def _per_serving(recipe: Recipe, viewer: User) -> dict[str, Any]:
    pure = pure_recipe(recipe)
    context: dict[str, Any] = {
        "pure": pure,
        "per_serving": pure.per_serving() if pure.ingredients else None,
        "serving_grams": pure.serving_grams if pure.ingredients else None,
    }
    if not pure.ingredients:
        return context
    try:
        profile = recipe_scoring_profile_for(recipe=recipe, viewer=viewer)
        person = person_on(profile, timezone.localdate())
        score = recipes.score_as_meal(pure, person)
        gains = recipes.preparation_gains(pure, person)
    except (TargetError, ValueError) as error:
        context["score_problem"] = str(error)
        return context
    context.update(
        score=score,
        waterfall=scoring.waterfall(score),
        gains=gains,
        ingredient_scores={
            item.key: item for occasion in score.occasions for item in occasion.items
        },
    )
    return context


def _detail_page(
    request: HttpRequest, recipe: Recipe, *, status: int = 200, **forms: Any
) -> HttpResponse:
    user = request_user(request)
    is_owner = recipe.owner_id == user.pk
    query = request.GET.get("q", "").strip()[:100]
    picked = None
    food_pk = parse_id(request.GET.get("food"))
    if is_owner and food_pk is not None:
        picked = food_picked_by(user=user, pk=food_pk)
    today = timezone.localdate()
    context = {
        "recipe": recipe,
        "lines": recipe.ordered_ingredients,  # type: ignore[attr-defined]
        "is_owner": is_owner,
        "query": query,
        "results": food_search(user=user, query=query, limit=12) if is_owner and query else [],
        "picked": picked,
        "add_form": forms.get("add_form")
        or (MealItemAddForm(user=user, prefix="ing") if picked else None),
        "edit_forms": forms.get("edit_forms") or {},
        "recipe_form": forms.get("recipe_form")
        or RecipeForm(
            prefix=RECIPE_PREFIX,
            initial={
                "name": recipe.name,
                "servings": recipe.servings,
                "cooked_weight_grams": recipe.cooked_weight_grams,
                "steps": recipe.steps,
                "shared": recipe.shared,
            },
        ),
        "plan_form": forms.get("plan_form")
        or PlanRecipeForm(prefix=PLAN_PREFIX, initial={"date": today, "meal": "Lunch"}),
        "delete_error": forms.get("delete_error"),
        "status_message": forms.get("status_message"),
        "steps": recipes.split_steps(recipe.steps),
        **day_views.FORM_CONSTANTS,
        **_per_serving(recipe, user),
    }
    # htmx (food search, ingredient writes) swaps the ingredients and the figures per serving.
    return render_page(request, "plans/recipe.html", context, block="recipe_body", status=status)


@profile_required
@require_safe
def recipe_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, recipe_get_for(user=request_user(request), pk=pk))


@profile_required
@require_POST
def recipe_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    recipe = recipe_get_for(user=user, pk=pk, editable=True)
    form = RecipeForm(request.POST, prefix=RECIPE_PREFIX)
    if form.is_valid():
        try:
            recipe_services.recipe_update(recipe=recipe, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
            # The refused values were set on `recipe` before the write rolled back.
            recipe = recipe_get_for(user=user, pk=pk, editable=True)
        else:
            flash.success(request, "Recipe saved.")
            return HttpResponseRedirect(_detail_url(recipe))
    return _detail_page(request, recipe, status=422, recipe_form=form)


@profile_required
@require_POST
def recipe_delete(request: HttpRequest, pk: int) -> HttpResponse:
    recipe = recipe_get_for(user=request_user(request), pk=pk, editable=True)
    try:
        recipe_services.recipe_delete(recipe=recipe)
    except ValidationError as error:
        return _detail_page(request, recipe, status=422, delete_error=" ".join(error.messages))
    flash.success(request, f"Deleted “{recipe.name}”.")
    return HttpResponseRedirect(reverse("recipes:list"))


@profile_required
@require_POST
def recipe_duplicate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    recipe = recipe_get_for(user=user, pk=pk)
    foreign = {
        line.food.description
        for line in recipe.ordered_ingredients  # type: ignore[attr-defined]
        if line.food.owner_id not in (None, user.pk)
    }
    copy = recipe_services.recipe_duplicate(recipe=recipe, owner=user)
    names = ", ".join(sorted(foreign))
    copied = (
        f" {recipe.owner.name}'s custom foods in it are now yours too: {names}." if foreign else ""
    )
    flash.success(request, f"Made your own copy: “{copy.name}”.{copied}")
    return HttpResponseRedirect(_detail_url(copy))


@profile_required
@require_safe
def recipe_export(request: HttpRequest, pk: int) -> HttpResponse:
    recipe = recipe_get_for(user=request_user(request), pk=pk)
    body = json.dumps(recipe_services.recipe_export(recipe), indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
    slug = "".join(c if c.isalnum() else "-" for c in recipe.name.lower()).strip("-") or "recipe"
    response["Content-Disposition"] = f'attachment; filename="{slug}.json"'
    return response


# ---------------------------------------------------------------- ingredients


def _after_ingredient_write(
    request: HttpRequest, recipe_pk: int, *, anchor: str, message: str
) -> HttpResponse:
    """htmx: the recipe's body again (foods and figures); a plain form post: redirect (PRG)."""
    user = request_user(request)
    if request.htmx:  # type: ignore[attr-defined]
        fresh = recipe_get_for(user=user, pk=recipe_pk, editable=True)
        return _detail_page(request, fresh, status_message=message)
    if anchor == "ingredients":
        flash.success(request, message)
    return HttpResponseRedirect(f"{reverse('recipes:detail', args=[recipe_pk])}#{anchor}")


@profile_required
@require_POST
def ingredient_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    recipe = recipe_get_for(user=user, pk=pk, editable=True)
    form = MealItemAddForm(request.POST, user=user, prefix="ing")
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = recipe_services.recipe_ingredient_add(
                recipe=recipe,
                food=data["food"],
                **amount_kwargs(data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_ingredient_write(
                request,
                recipe.pk,
                anchor=f"ingredient-{line.pk}",
                message=f"Added {line.amount_label} {line.food.description}.",
            )
    recipe = recipe_get_for(user=user, pk=pk, editable=True)
    request.GET = request.GET.copy()  # type: ignore[assignment]
    request.GET["food"] = str(form.food.pk) if form.food else ""
    return _detail_page(request, recipe, status=422, add_form=form)


@profile_required
@require_POST
def ingredient_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    line = recipe_ingredient_get_for(user=user, pk=pk)
    form = AmountForm(request.POST, food=line.food, prefix=f"ing-{line.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            recipe_services.recipe_ingredient_update(
                line=line,
                **amount_kwargs(data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_ingredient_write(
                request,
                line.recipe_id,
                anchor=f"ingredient-{line.pk}",
                message=f"Saved {line.amount_label} {line.food.description}.",
            )
    recipe = recipe_get_for(user=user, pk=line.recipe_id, editable=True)
    return _detail_page(request, recipe, status=422, edit_forms={line.pk: form})


@profile_required
@require_POST
def ingredient_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    line = recipe_ingredient_get_for(user=user, pk=pk)
    try:
        recipe_services.recipe_ingredient_delete(line=line)
    except ValidationError as error:
        # Refused when grams of the dish eaten somewhere would become too many servings.
        recipe = recipe_get_for(user=user, pk=line.recipe_id, editable=True)
        return _detail_page(request, recipe, status=422, status_message=" ".join(error.messages))
    return _after_ingredient_write(
        request, line.recipe_id, anchor="ingredients", message=f"Removed {line.food.description}."
    )


# ---------------------------------------------------------------- recipes in meals


def _day_url(on: date, anchor: str = "") -> str:
    # The user's own day: "Add to a day" on a recipe page plans only their own days (a
    # dietitian plans a client's meal from the client's day, through `meal_recipe_add`).
    url = reverse("plans:day", args=[on.isoformat()])
    return f"{url}#{anchor}" if anchor else url


@profile_required
@require_POST
def recipe_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """From the recipe page: servings of it into a meal of a day (the meal made if missing;
    `recipe_services.recipe_plan_on`)."""
    user = request_user(request)
    recipe = recipe_get_for(user=user, pk=pk)
    form = PlanRecipeForm(request.POST, prefix=PLAN_PREFIX)
    if form.is_valid():
        data = form.cleaned_data
        try:
            used = recipe_services.recipe_plan_on(
                recipe=recipe,
                owner=user,
                on=data["date"],
                meal_name=data["meal"],
                editor=user,
                servings=data["servings"],
                grams=data["grams"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return HttpResponseRedirect(_day_url(data["date"], f"meal-recipe-{used.pk}"))
    return _detail_page(request, recipe, status=422, plan_form=form)


def _pick_page(
    request: HttpRequest, meal: Any, form: ServingsForm | None = None, status: int = 200
) -> HttpResponse:
    usable = recipes_to_plan_for(owner=plan_owner(request), editor=request_user(request))
    return render_page(
        request,
        "plans/recipe_pick.html",
        {
            "meal": meal,
            "recipes": list(usable),
            "form": form or ServingsForm(),
            "chosen": request.POST.get("recipe", ""),
            "plan_client": plan_client(request),
        },
        status=status,
    )


@profile_required
@require_http_methods(["GET", "HEAD", "POST"])
def meal_recipe_add(request: HttpRequest, meal_pk: int) -> HttpResponse:
    """From the day page: pick one of the recipes and how much of it for this meal."""
    user = request_user(request)
    meal = meal_get_for(user=user, pk=meal_pk)
    # A dietitian in a client's meal: a read-only link may look but not write (404), and the
    # list, the redirect and the links stay in the client's plan.
    owner = scope_to_day(request, meal.day)
    if request.method == "GET":
        return _pick_page(request, meal)
    form = ServingsForm(request.POST)
    raw = request.POST.get("recipe", "")
    recipe_pk = parse_id(raw)
    usable = recipes_to_plan_for(owner=owner, editor=user)
    recipe = usable.filter(pk=recipe_pk).first() if recipe_pk else None
    if recipe is None:
        form.is_valid()
        form.add_error(None, "Pick one of the recipes.")
    elif form.is_valid():
        try:
            used = recipe_services.meal_recipe_add(
                meal=meal,
                recipe=recipe,
                editor=user,
                servings=form.cleaned_data["servings"],
                grams=form.cleaned_data["grams"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            url = plan_reverse(request, "day", meal.day.date.isoformat())
            return HttpResponseRedirect(f"{url}#meal-recipe-{used.pk}")
    return _pick_page(request, meal, form, status=422)


@profile_required
@require_POST
def meal_recipe_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    used = meal_recipe_get_for(user=user, pk=pk)
    scope_to_day(request, used.meal.day)
    recipe_services.meal_recipe_delete(used=used, editor=user)
    return day_views._after_write(
        request, used.meal.day.date, undo=used.pk, undo_param="undo_recipe", anchor="undo"
    )


@profile_required
@require_POST
def meal_recipe_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    used = meal_recipe_get_for(user=user, pk=pk, include_deleted=True)
    scope_to_day(request, used.meal.day)
    recipe_services.meal_recipe_restore(used=used, editor=user)
    return day_views._after_write(request, used.meal.day.date, anchor=f"meal-recipe-{used.pk}")


# ---------------------------------------------------------------- shopping list


def _range(request: HttpRequest) -> tuple[ShoppingRangeForm, date, date]:
    """The range asked for, else this week (Monday to Sunday)."""
    start = monday_of(timezone.localdate())
    default = {"start": start, "end": start + timedelta(days=6)}
    source = request.GET if "start" in request.GET or "end" in request.GET else None
    form = ShoppingRangeForm(
        source, initial=default, profile=profile_for(user=request_user(request))
    )
    if source is not None and form.is_valid():
        return form, form.cleaned_data["start"], form.cleaned_data["end"]
    return form, default["start"], default["end"]


@profile_required
@require_safe
def shopping(request: HttpRequest) -> HttpResponse:
    form, start, end = _range(request)
    if form.is_bound and not form.is_valid():
        # The errors at the dates, and no list: not this week's under a refusal.
        if request.htmx:  # type: ignore[attr-defined]
            response = render_blocks_response(
                request,
                "plans/shopping.html",
                ["shopping_form", "shopping_list"],
                {"form": form, "shopping": None, "oob": True},
                status=422,
            )
            # The form sent the request to the list's place; its errors go to the form, the
            # list empties (out of band), and the address bar keeps the last good dates.
            response["HX-Retarget"] = "#shopping-range"
            response["HX-Reswap"] = "outerHTML"
            response["HX-Push-Url"] = "false"
            return response
        return render_page(
            request, "plans/shopping.html", {"form": form, "shopping": None}, status=422
        )
    shopping_list = shopping_list_for(user=request_user(request), start=start, end=end)
    context = {"form": form, "shopping": shopping_list}
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and not htmx.history_restore_request:
        # The list to its place, and the form out of band: a refused range's errors go.
        return render_blocks_response(
            request,
            "plans/shopping.html",
            ["shopping_list", "shopping_form"],
            {**context, "form_oob": True},
        )
    return render_page(request, "plans/shopping.html", context)


@profile_required
@require_safe
def shopping_csv(request: HttpRequest) -> HttpResponse:
    form, start, end = _range(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            " ".join(m for messages in form.errors.values() for m in messages),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    shopping_list = shopping_list_for(user=request_user(request), start=start, end=end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="shopping-{start}-{end}.csv"'
    writer = csv_safe.writer(response)
    writer.writerow(["aisle", "food", "grams", "household measure", "code", "ticked"])
    for aisle in shopping_list.aisles:
        for line in aisle.lines:
            writer.writerow(
                [
                    aisle.name,
                    line.food.description,
                    f"{line.grams:g}",
                    line.measure.removeprefix("≈ "),
                    line.food.code,
                    "yes" if line.ticked else "",
                ]
            )
    return response


@profile_required
@require_POST
def shopping_tick(request: HttpRequest) -> HttpResponse:
    """Tick or untick one food; htmx swaps the line, otherwise back to the list."""
    user = request_user(request)
    form = ShoppingRangeForm(request.POST, profile=profile_for(user=user))
    raw = request.POST.get("food", "")
    food_pk = parse_id(raw)
    food = food_picked_by(user=user, pk=food_pk)
    if food is None:
        raise Http404("No such food.")
    if not form.is_valid():
        return HttpResponse(
            " ".join(m for messages in form.errors.values() for m in messages), status=422
        )
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    ticked = request.POST.get("ticked") == "1"
    recipe_services.shopping_tick_set(owner=user, food=food, start=start, end=end, ticked=ticked)
    url = reverse("shopping:list") + f"?start={start}&end={end}#food-{food.pk}"
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(status=204)
    return HttpResponseRedirect(url)
