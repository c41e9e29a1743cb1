"""Suggestions on the day page (apply in one click, undo) and "Fill my day".

Kept apart from plans/views.py, whose day context and block rendering they reuse.

Suggestions are computed only when asked for ("Show suggestions", or a meal's "Suggest for
this meal"): the day page itself never runs them, so its query count and speed are those
of the planner. Once shown, the panel follows every change of the day: it re-asks for itself
when the score panel is swapped (an htmx event), with the undo of the last applied
suggestion carried along while the day is unchanged since.

An applied suggestion is re-checked on the server against the current day, the profile's
diet and exclusions and the engine (no new warning, still a gain); the undo steps it returns
travel in a signed token, offered only while the day's version is the one the apply left.
"""

import logging
from collections.abc import Callable
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect as HttpClientRedirect

from accounts.decorators import profile_required
from accounts.models import Profile, User
from accounts.request_user import request_user
from accounts.selectors import person_on, profile_for
from foods.diet import allowed, tags_for
from foods.models import Food, Portion
from foods.values import MAX_PORTION_GRAMS
from mgplanner.forms import parse_id
from mgplanner.rendering import render_blocks_response, render_page
from plans import fill, scoring, services, suggestion_selectors, swaps
from plans.client_scope import date_problem_response, plan_owner, plan_reverse, scope_to_client
from plans.fill_undo import FILL_UNDO_PARAM, fill_undo_read, fill_undo_token
from plans.models import Day, Meal, MealItem
from plans.selectors import day_date_error, day_get_for, day_to_engine, engine_meal_names
from plans.swap_pool import candidate_pool
from plans.targets import TargetError
from plans.views import (
    DAY_TEMPLATE,
    _after_write,
    _day_context,
    _load_day,
    _open_day,
    _parse_date,
    _writable_date,
)

FILL_TEMPLATE = "plans/fill.html"
FILL_FAILED = (
    "Fill my day could not work out a proposal for this day. The likely cause is a food "
    "with impossible values, on this day or among the foods you usually eat: one of your "
    "own foods, say, with an energy or a nutrient far beyond any real food per 100 g. "
    "Correct that food's values (or remove it from the day) and ask again."
)
UNDO_SALT = "plans.suggestion-undo"
SUGGESTION_LIMIT = 8
FILL_MAX_PORTIONS_PER_FOOD = 2
fault_logger = logging.getLogger("mgplanner.faults")
KIND_LABELS = {
    "add": "Add",
    "replace": "Swap",
    "prepare": "Prepare",
    "split": "Split the dose",
}
# Kind "split" with `move`: the whole dose leaves its meal.
MOVE_LABEL = "Move the dose"


def _page_date(on: str, profile: Profile) -> date:
    """The date of a page (the panel, fill my day's proposal): no date, or a day outside the
    plan, is a 404, as the day page itself is, whose controls these pages are. Their writes
    take `plans.views._writable_date`."""
    the_date = _parse_date(on)
    if the_date is None:
        raise Http404("Not a date.")
    if day_date_error(profile=profile, on=the_date):
        raise Http404("That day is outside your plan.")
    return the_date


def _meal_names(day: Day) -> dict[str, Meal]:
    """Engine meal name -> meal (two meals of one name get "(2)" in the engine)."""
    meals: list[Meal] = day.ordered_meals  # type: ignore[attr-defined]
    return dict(zip(engine_meal_names([m.name for m in meals]), meals, strict=True))


def _preferences(profile: Profile) -> tuple[str, frozenset[str], float | None]:
    return (
        profile.diet,
        frozenset(profile.exclusions or ()),
        float(profile.kcal_goal) if profile.kcal_goal else None,
    )


# ---------------------------------------------------------------- the panel


def _panel_context(
    request: HttpRequest,
    day: Day,
    profile: Profile,
    *,
    meal_pk: int | None,
    applied: str = "",
    problem: str = "",
) -> dict[str, Any]:
    """The suggestions panel: ranked suggestions (engine gains), the undo bar, a problem."""
    names = _meal_names(day)
    meal_filter = next((name for name, meal in names.items() if meal.pk == meal_pk), None)
    diet, exclusions, kcal_goal = _preferences(profile)
    entries: list[dict[str, Any]] = []
    score_problem = ""
    try:
        engine_day = day_to_engine(day, person_on(profile, day.date))
        found = swaps.suggest(
            engine_day,
            candidate_pool(),
            diet=diet,
            exclusions=exclusions,
            kcal_goal=kcal_goal,
            meal=meal_filter,
            limit=SUGGESTION_LIMIT,
        )
    except (TargetError, ValueError) as error:
        found, score_problem = [], str(error)
    for suggestion in found:
        meal = names.get(suggestion.meal)
        entries.append(
            {
                "s": suggestion,
                "replaces_name": swaps.replaced_name(engine_day, suggestion),
                "label": MOVE_LABEL if suggestion.move else KIND_LABELS[suggestion.kind],
                "meal_pk": meal.pk if meal else "",
                "by_hand": _by_hand(suggestion),
                "meal_label": suggestion.meal.removeprefix("supplement:"),
            }
        )
    undo = _undo_payload(applied, day) if applied else None
    return {
        "suggestions_open": True,
        "suggestion_entries": entries,
        "suggestion_meal": names.get(meal_filter) if meal_filter else None,
        "suggestion_problem": problem or score_problem,
        "suggestion_applied": undo["text"] if undo else "",
        "suggestion_undo_token": applied if undo else "",
        "suggestion_refresh_url": _panel_url(request, day.date, meal_pk, applied if undo else ""),
        "suggestions_diet": diet,
        "suggestions_exclusions": sorted(exclusions),
        "suggestions_kcal_goal": kcal_goal,
    }


def _by_hand(suggestion: swaps.Suggestion) -> str:
    """Why a suggestion cannot be applied in one click ("" when it can)."""
    # Which time of day the second half of a dose taken on its own goes to is the person's
    # to choose: they log it at that time (its own occasion).
    if suggestion.kind == "split" and suggestion.meal.startswith("supplement:"):
        return "Take half of it at another time of day, when you log it."
    # An ingredient of a recipe eaten in the meal is changed in the recipe, for every meal.
    key = suggestion.target_key or ""
    if suggestion.kind in ("replace", "prepare") and not key.startswith("item-"):
        return "This is an ingredient of a recipe: change it in the recipe."
    return ""


def _panel_url(request: HttpRequest, on: date, meal_pk: int | None, applied: str = "") -> str:
    url = plan_reverse(request, "day_suggestions", on.isoformat())
    query = {k: v for k, v in {"meal": meal_pk, "applied": applied}.items() if v}
    return f"{url}?{urlencode(query)}" if query else url


def _undo_payload(token: str, day: Day) -> dict[str, Any] | None:
    """The undo steps of a token made for this day, while the day is as the apply left it."""
    try:
        payload = signing.loads(token, salt=UNDO_SALT, max_age=60 * 60 * 24)
    except signing.BadSignature:
        return None
    if payload.get("day") != day.pk or payload.get("version") != day.version:
        return None
    return payload


def _render_panel_blocks(
    request: HttpRequest,
    day_date: date,
    panel: Callable[[Day], dict[str, Any]],
    *,
    status: int = 200,
) -> HttpResponse:
    """After an apply or undo: the panel, and out of band the meals, score and supplements."""
    day = _load_day(request, day_date)
    context = _day_context(request, day, oob=True)
    context.update(meals_oob=True, supplements_oob=True, suggestions_oob=False)
    context.update(panel(day))
    return render_blocks_response(
        request,
        DAY_TEMPLATE,
        ["day_suggestions", "day_meals", "day_score", "day_supplements"],
        context,
        status=status,
    )


@profile_required
@require_safe
def day_suggestions(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    """The panel (htmx), or the day page with the panel open (no JavaScript)."""
    owner = scope_to_client(request, client_id)
    profile = profile_for(user=owner)
    the_date = _page_date(on, profile)
    day = _open_day(request, the_date)
    panel = _panel_context(
        request,
        day,
        profile,
        meal_pk=parse_id(request.GET.get("meal")),
        applied=request.GET.get("applied", ""),
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render_page(request, DAY_TEMPLATE, {"day": day, **panel}, block="day_suggestions")
    context = _day_context(request, day, profile=profile)
    context.update(panel)
    return render_page(request, DAY_TEMPLATE, context)


def _refused(
    request: HttpRequest, day_date: date, meal_pk: int | None, problem: str
) -> HttpResponse:
    """422: the suggestion no longer applies; nothing was changed."""
    if request.htmx:  # type: ignore[attr-defined]
        return _render_panel_blocks(
            request,
            day_date,
            lambda day: _panel_context(
                request,
                day,
                profile_for(user=plan_owner(request)),
                meal_pk=meal_pk,
                problem=problem,
            ),
            status=422,
        )
    day = _load_day(request, day_date)
    profile = profile_for(user=plan_owner(request))
    context = _day_context(request, day, profile=profile)
    context.update(_panel_context(request, day, profile, meal_pk=meal_pk, problem=problem))
    return render_page(request, DAY_TEMPLATE, context, status=422)


def _item_pk(key: str, prefix: str) -> int | None:
    return parse_id(key.removeprefix(prefix)) if key.startswith(prefix) else None


@profile_required
@require_POST
def suggestion_apply(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    """Apply one suggestion: re-checked against today's day, then one transaction."""
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    profile = profile_for(user=owner)
    the_date, problem = _writable_date(request, on, profile)
    if problem:
        return date_problem_response(request, problem)
    day = _load_day(request, the_date)
    data = request.POST
    panel_meal = parse_id(data.get("panel_meal"))
    kind = data.get("kind", "")
    if kind not in swaps.KINDS:
        return _refused(request, the_date, panel_meal, "That is not a kind of suggestion.")
    names = _meal_names(day)
    meal_name = data.get("meal", "")
    target_key = data.get("target_key", "") or None
    code = data.get("food", "") or None
    # A move is kind 4 too ("split" in the `suggest` contract), told apart by this field.
    move = kind == "split" and data.get("move") == "1"
    try:
        grams = float(data["grams"]) if data.get("grams") else None
    except ValueError:
        grams = None
    diet, exclusions, _ = _preferences(profile)

    food = None
    if kind in ("add", "replace"):
        food = suggestion_selectors.pool_food_for(code=code or "")
        if food is None:
            return _refused(request, the_date, panel_meal, "That food is not in the database.")
        if grams is None or not 0 < grams <= MAX_PORTION_GRAMS:
            return _refused(
                request,
                the_date,
                panel_meal,
                f"The amount must be above 0 and at most {MAX_PORTION_GRAMS:,} g.",
            )
        if not allowed(tags_for(food.code, food.description, food.food_group), diet, exclusions):
            return _refused(
                request,
                the_date,
                panel_meal,
                f"{food.description} is excluded by your profile's diet or exclusions.",
            )
    try:
        engine_day = day_to_engine(day, person_on(profile, the_date))
        base = scoring.score_day(engine_day)
        suggestion = swaps.Suggestion(
            kind=kind,
            meal=meal_name,
            food=code,
            food_name="",
            grams=grams,
            replaces=None,
            gain_mg=0.0,
            kcal_delta=0.0,
            why="",
            target_key=target_key,
            preparation=data.get("preparation") or None,
            move=move,
        )
        if kind == "add" and meal_name not in names:
            raise swaps.SuggestionError("That meal is no longer on this day.")
        if kind in ("replace", "prepare") and not target_key:
            raise swaps.SuggestionError("Say which item the suggestion changes.")
        if move and not target_key:
            raise swaps.SuggestionError("Say which supplement dose the suggestion moves.")
        changed = scoring.score_day(
            swaps.apply_suggestion(engine_day, suggestion, candidate_pool())
        )
    except (TargetError, ValueError) as error:
        return _refused(
            request, the_date, panel_meal, f"That suggestion no longer applies: {error}"
        )
    before = set(base.warning_codes)
    raised = [w for w in changed.warnings if w.code not in before]
    if raised:
        return _refused(
            request,
            the_date,
            panel_meal,
            f"That change would raise a warning now: {raised[0].message}",
        )
    if changed.effective_mg <= base.effective_mg:
        return _refused(
            request, the_date, panel_meal, "That change no longer adds magnesium to this day."
        )

    item = doses = None
    if kind in ("replace", "prepare"):
        item = suggestion_selectors.day_item_for(
            day=day, pk=_item_pk(target_key or "", "item-") or 0
        )
        if item is None:
            return _refused(
                request, the_date, panel_meal, "The item it changes is no longer on this day."
            )
    if move:
        doses = suggestion_selectors.day_doses_for(
            day=day, pks=[_item_pk(target_key or "", "dose-") or 0]
        )
        meal = names.get(meal_name)
        if len(doses) != 1 or meal is None or doses[0].meal_id != meal.pk:
            return _refused(
                request, the_date, panel_meal, "That supplement dose is no longer on this day."
            )
    elif kind == "split":
        if meal_name.startswith("supplement:"):
            return _refused(
                request,
                the_date,
                panel_meal,
                "Split a dose taken on its own by hand: log half of it with a meal.",
            )
        keys = {s.key for s in engine_day.supplements if s.occasion_name == meal_name and s.key}
        pks = [_item_pk(key, "dose-") for key in keys]
        doses = suggestion_selectors.day_doses_for(day=day, pks=[pk for pk in pks if pk])
    if day.pk is None:
        # Not planned yet, so nothing on it for a suggestion to change (the panel that
        # offered one planned the day): refused before anything is written.
        return _refused(request, the_date, panel_meal, "That suggestion no longer applies.")
    try:
        steps = services.suggestion_apply(
            day=day,
            kind=kind,
            editor=user,
            meal=names.get(meal_name),
            food=food,
            grams=grams,
            item=item,
            preparation=data.get("preparation") or None,
            doses=doses or (),
            move=move,
        )
    except ValidationError as error:
        return _refused(request, the_date, panel_meal, " ".join(error.messages))
    if move and doses:
        text = f"{doses[0].product.name} is now taken on its own, away from {meal_name}."
    else:
        added = _added_by(day, kind, steps)
        text = _applied_text(kind, food, added, item, meal_name, data.get("preparation", ""))
    version = suggestion_selectors.day_version_of(day=day)
    token = signing.dumps(
        {"day": day.pk, "version": version, "steps": steps, "text": text}, salt=UNDO_SALT
    )
    if request.htmx:  # type: ignore[attr-defined]
        return _render_panel_blocks(
            request,
            the_date,
            lambda fresh: _panel_context(
                request, fresh, profile, meal_pk=panel_meal, applied=token
            ),
        )
    url = _panel_url(request, the_date, panel_meal, token)
    return HttpResponseRedirect(f"{url}#day-suggestions")


def _added_by(day: Day, kind: str, steps: list[Any]) -> MealItem | None:
    """The item an "add" suggestion put on the day: its undo step names it."""
    if kind != "add" or not steps or steps[0][0] != "remove_item":
        return None
    return suggestion_selectors.day_item_for(day=day, pk=steps[0][1])


def _applied_text(
    kind: str,
    food: Food | None,
    added: MealItem | None,
    item: MealItem | None,
    meal: str,
    preparation: str,
) -> str:
    if kind == "add" and food is not None and added is not None:
        # The amount as the item shows it ("1 × 1 oz (28 g)"), as a recipe's "Added" does:
        # the service may have matched the grams to a measure (plans.services._added_item).
        return f"Added {added.amount_label} {food.description} to {meal}."
    if kind == "replace" and food is not None and item is not None:
        return f"Swapped {item.food.description} for {food.description} in {meal}."
    if kind == "prepare" and item is not None:
        return f"{item.food.description} is now {preparation}."
    return f"Split the supplement dose taken with {meal} into two."


@profile_required
@require_POST
def suggestion_undo(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    profile = profile_for(user=owner)
    the_date, problem = _writable_date(request, on, profile)
    if problem:
        return date_problem_response(request, problem)
    day = _load_day(request, the_date)
    panel_meal = parse_id(request.POST.get("panel_meal"))
    payload = _undo_payload(request.POST.get("token", ""), day)
    if payload is None:
        return _refused(
            request,
            the_date,
            panel_meal,
            "That change can no longer be undone: the day has changed since.",
        )
    try:
        services.suggestion_undo(day=day, steps=payload["steps"], editor=user)
    except ValidationError as error:
        return _refused(
            request,
            the_date,
            panel_meal,
            f"That change can no longer be undone: {' '.join(error.messages)}",
        )
    if request.htmx:  # type: ignore[attr-defined]
        return _render_panel_blocks(
            request,
            the_date,
            lambda fresh: _panel_context(request, fresh, profile, meal_pk=panel_meal),
        )
    return HttpResponseRedirect(f"{_panel_url(request, the_date, panel_meal)}#day-suggestions")


# ---------------------------------------------------------------- fill my day


def _fill_options(user: User, profile: Profile) -> list[fill.FillOption]:
    diet, exclusions, _ = _preferences(profile)
    return suggestion_selectors.fill_options_for(user=user, diet=diet, exclusions=exclusions)


def _fill_context(request: HttpRequest, day: Day, profile: Profile) -> dict[str, Any]:
    names = _meal_names(day)
    _, _, kcal_goal = _preferences(profile)
    try:
        engine_day = day_to_engine(day, person_on(profile, day.date))
        proposal = fill.fill_day(
            engine_day,
            _fill_options(plan_owner(request), profile),
            max_portions_per_food=FILL_MAX_PORTIONS_PER_FOOD,
            kcal_goal=kcal_goal,
        )
    except TargetError as error:
        return {"day": day, "proposal": None, "fill_problem": str(error)}
    except ValueError as error:
        # The solver's own words ("`c` must be a one-dimensional array of finite
        # numbers") mean nothing to a person; the cause seen so far is a food whose values
        # overflow (a custom food of 1e308 kcal per 100 g saved before values had bounds).
        fault_logger.warning(
            "fill my day failed",
            extra={"path": request.path, "day": day.pk, "error": f"{error}"},
        )
        return {"day": day, "proposal": None, "fill_problem": FILL_FAILED}
    additions = [
        {"addition": addition, "meal": names[addition.meal]}
        for addition in proposal.additions
        if addition.meal in names
    ]
    return {
        "day": day,
        "proposal": proposal,
        "fill_additions": additions,
        "fill_problem": "",
        "kcal_goal": kcal_goal,
        "max_portions": FILL_MAX_PORTIONS_PER_FOOD,
    }


@profile_required
@require_safe
def fill_page(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    """The proposal: what to add, where, the energy it costs and the % of target it reaches."""
    owner = scope_to_client(request, client_id)
    profile = profile_for(user=owner)
    the_date = _page_date(on, profile)
    day = _open_day(request, the_date)
    return render_page(request, FILL_TEMPLATE, _fill_context(request, day, profile), block="fill")


@profile_required
@require_POST
def fill_accept(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    """Add the proposal's items, re-checked: the day's meals, visible foods, allowed foods."""
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    profile = profile_for(user=owner)
    the_date, problem = _writable_date(request, on, profile)
    if problem:
        return date_problem_response(request, problem)
    day = _load_day(request, the_date)
    diet, exclusions, _ = _preferences(profile)
    meals = {meal.pk: meal for meal in day.ordered_meals}  # type: ignore[attr-defined]
    data = request.POST
    count = parse_id(data.get("count")) or 0
    additions: list[tuple[Meal, Food, Portion | None, int, float]] = []
    problem = "" if 0 < count <= 100 else "There is nothing to add."
    indices = range(count if not problem else 0)
    foods, measures = suggestion_selectors.fill_rows_for(
        owner=owner,
        food_pks=[parse_id(data.get(f"food-{index}")) or 0 for index in indices],
        portion_pks=[parse_id(data.get(f"portion-{index}")) or 0 for index in indices],
    )
    for index in indices:
        meal = meals.get(parse_id(data.get(f"meal-{index}")) or 0)
        food = foods.get(parse_id(data.get(f"food-{index}")) or 0)
        portions = parse_id(data.get(f"portions-{index}")) or 0
        try:
            grams = float(data.get(f"grams-{index}", ""))
        except ValueError:
            grams = 0.0
        if meal is None or food is None:
            problem = "A meal or food of the proposal is no longer there; ask again."
            break
        if not allowed(tags_for(food.code, food.description, food.food_group), diet, exclusions):
            problem = f"{food.description} is excluded by your profile's diet or exclusions."
            break
        if not 0 < portions <= FILL_MAX_PORTIONS_PER_FOOD or not 0 < grams <= MAX_PORTION_GRAMS:
            problem = "The proposal's amounts are not valid; ask again."
            break
        portion = None
        if data.get(f"portion-{index}"):
            portion = measures.get(parse_id(data.get(f"portion-{index}")) or 0)
            if portion is None or portion.food_id != food.pk:
                problem = "A measure of the proposal is no longer there; ask again."
                break
        additions.append((meal, food, portion, portions, grams))
    if not problem:
        try:
            added = services.fill_accept(day=day, additions=additions, editor=user)
        except ValidationError as error:
            problem = " ".join(error.messages)
    if problem:
        context = _fill_context(request, day, profile)
        context["fill_problem"] = problem
        return render_page(request, FILL_TEMPLATE, context, block="fill", status=422)
    # The day page shows "Added N foods to your day. Undo" (plans/fill_undo.py).
    token = fill_undo_token(day_pk=day.pk, item_pks=[item.pk for item in added])
    day_url = plan_reverse(request, "day", the_date.isoformat())
    url = f"{day_url}?{urlencode({FILL_UNDO_PARAM: token})}#undo"
    if request.htmx:  # type: ignore[attr-defined]
        return HttpClientRedirect(url)
    return HttpResponseRedirect(url)


FILL_UNDO_REFUSED = (
    "This Undo is no longer valid (an accepted fill can be undone for a day), so nothing was "
    "changed. Each added food can still be deleted on its own."
)


def _fill_undo_refused(request: HttpRequest, on: date) -> HttpResponse:
    """The 422 of an Undo bar whose token does not verify: the reason in the day's prompt
    region (as the 409 prompt, plans/concurrency.py), the meals on screen left as they are."""
    response = render_page(
        request,
        "plans/conflict.html",
        {"message": FILL_UNDO_REFUSED, "reload_url": plan_reverse(request, "day", on.isoformat())},
        block="conflict",
        status=422,
    )
    if request.htmx:  # type: ignore[attr-defined]
        response["HX-Retarget"] = "#day-conflict"
        response["HX-Reswap"] = "innerHTML"
    return response


@profile_required
@require_POST
def fill_undo(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    """The Undo bar of an accepted fill: delete the items it added (services.fill_undo).

    A token that does not verify (edited, made for something else, older than a day) is a
    422 with the reason where the page shows its "not saved" prompts (`_fill_undo_refused`);
    one of another day, or naming items that are not this day's, a 404 (as if there were
    no such fill: another plan's rows are neither touched nor revealed). Undoing a fill
    whose items are all gone already changes nothing. A day now outside the plan is the
    422 of every day write (`plans.views._writable_date`), whatever the token.
    """
    scope_to_client(request, client_id)
    user = request_user(request)
    the_date, problem = _writable_date(request, on)
    if problem:
        return date_problem_response(request, problem)
    undo = fill_undo_read(request.POST.get("token", ""))
    if undo is None:
        return _fill_undo_refused(request, the_date)
    # A day not planned yet has no fill to undo.
    day = day_get_for(user=plan_owner(request), on=the_date)
    if day is None or undo.day_pk != day.pk:
        raise Http404("No such fill on this day.")
    try:
        services.fill_undo(day=day, item_pks=undo.item_pks, editor=user)
    except ValidationError as error:
        raise Http404("No such fill on this day.") from error
    return _after_write(request, the_date, anchor="day-meals")
