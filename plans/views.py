"""Week and day planning pages, and the writes of the day page.

Every write is a form POST: without JavaScript it redirects back to the day (PRG); with
htmx it returns the day's meals block plus the score panel swapped out of band, so the
score updates with every change. Invalid input re-renders the meals block, the failing
form bound with its errors, with status 422: nothing already saved is lost.
"""

import math
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from accounts.decorators import profile_required
from accounts.models import Profile
from accounts.request_user import request_user
from accounts.selectors import person_on, profile_for, target_line_of
from foods.selectors import food_picked_by
from foods.values import MAX_PORTION_GRAMS
from mgplanner.forms import apply_validation_error, parse_id
from mgplanner.page_cache import cached_page, day_scoped_write
from mgplanner.rendering import render_blocks_response, render_page
from plans import charts_panel, recipes, reports, scoring, services
from plans.client_scope import (
    date_problem_response,
    plan_client,
    plan_owner,
    plan_profile,
    plan_read_only,
    plan_reverse,
    scope_to_client,
    scope_to_day,
)
from plans.concurrency import NotesChangedError
from plans.fill_undo import FILL_UNDO_PARAM, fill_undo_bar
from plans.forms import (
    AmountForm,
    DayCopyForm,
    DayNotesForm,
    MealCopyForm,
    MealItemAddForm,
    MealMoveForm,
    MealNameForm,
    MealTemplateInsertForm,
    MealTemplateSaveForm,
    SupplementDoseEditForm,
    SupplementDoseFields,
    SupplementLogForm,
    amount_kwargs,
    supplement_amount_kwargs,
)
from plans.models import (
    AmountBasis,
    Day,
    Meal,
    MealItem,
    MealRecipe,
    Preparation,
    SupplementDose,
    SupplementKind,
    SupplementProduct,
)
from plans.recipe_selectors import recipes_openable_by
from plans.report_views import notes_context
from plans.selectors import (
    day_date_error,
    day_get_for,
    day_to_engine,
    engine_meal_names,
    foods_for_picker,
    live_meal_recipes,
    meal_get_for,
    meal_item_get_for,
    meal_template_get_for,
    meal_templates_for,
    monday_of,
    supplement_dose_get_for,
    supplement_product_get_for,
    supplement_products_for,
    unplanned_day,
    week_dates_in_plan,
    week_summary,
)
from plans.supplements import FORMS as SUPPLEMENT_FORMS
from plans.supplements import compound_unknown, describe_amount
from plans.targets import TargetError

DAY_TEMPLATE = "plans/day.html"
# The score panel's "Top sources": foods and products, each once (`reports.source_lines`).
TOP_SOURCES = 5
# What the amount fields need in every fragment that renders them.
FORM_CONSTANTS = {"preparations": Preparation.choices, "max_grams": MAX_PORTION_GRAMS}


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _date_or_404(value: str) -> date:
    on = _parse_date(value)
    if on is None:
        raise Http404("Not a date.")
    return on


def _day_url(request: HttpRequest, on: date, **query: Any) -> str:
    url = plan_reverse(request, "day", on.isoformat())
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


# ---------------------------------------------------------------- week


@require_safe
def plan_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return HttpResponseRedirect(reverse("plans:week", args=[monday_of(today).isoformat()]))


def _neighbour_week(profile: Profile, start: date, weeks: int) -> date | None:
    """The Monday of the week `weeks` from `start`'s, linked when one of its days can be
    planned (not before the date of birth, not beyond two years, not off the calendar)."""
    dates = week_dates_in_plan(profile=profile, week_start=start, weeks=weeks)
    return monday_of(dates[0]) if dates else None


@profile_required
@require_safe
def week(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    owner = scope_to_client(request, client_id)
    start = _date_or_404(on)
    if start.weekday() != 0:
        return HttpResponseRedirect(plan_reverse(request, "week", monday_of(start).isoformat()))

    def render() -> HttpResponse:
        profile = profile_for(user=owner)
        in_plan = week_dates_in_plan(profile=profile, week_start=start)
        if not in_plan:
            raise Http404("That week is outside the plan.")
        summary = week_summary(user=owner, week_start=start, profile=profile)
        today = timezone.localdate()
        return render_page(
            request,
            "plans/week.html",
            {
                "summary": summary,
                "in_plan": set(in_plan),
                "previous_week": _neighbour_week(profile, start, -1),
                "next_week": _neighbour_week(profile, start, 1),
                "today": today,
                "this_week": monday_of(today),
                "status_labels": scoring.STATUS_LABELS,
                "plan_client": plan_client(request),
            },
            block="week_body",
        )

    try:
        week_dates = [start + timedelta(days=n) for n in range(7)]
    except OverflowError:
        raise Http404("That week runs off the calendar.") from None
    return cached_page(request, owner=owner, render=render, dates=week_dates)


# ---------------------------------------------------------------- day


def _score_context(day: Day, profile: Profile) -> dict[str, Any]:
    """The score panel: score, waterfall, per-meal, top sources; or why there is none."""
    try:
        score = scoring.score_day(day_to_engine(day, person_on(profile, day.date)))
    except (TargetError, ValueError) as error:
        return {"score": None, "score_problem": str(error)}
    steps = scoring.waterfall(score)
    sources = [item for occasion in score.occasions for item in occasion.items]
    names = engine_meal_names([meal.name for meal in day.ordered_meals])  # type: ignore[attr-defined]
    by_name = {occasion.name: occasion for occasion in score.occasions}
    meal_scores = {
        meal.pk: by_name.get(name)
        for meal, name in zip(day.ordered_meals, names, strict=True)  # type: ignore[attr-defined]
    }
    occasions = [
        {
            "label": occasion.name.removeprefix("supplement:")
            + ("" if occasion.is_meal else " (supplement)"),
            "magnesium_mg": occasion.magnesium_mg,
            "effective_mg": occasion.effective_mg,
        }
        for occasion in score.occasions
        # A calcium tablet taken on its own is an occasion with no magnesium: not a row of
        # the magnesium table (its calcium shows in the waterfall's calcium step).
        if occasion.is_meal or occasion.magnesium_mg > 0
    ]
    return {
        "score": score,
        "score_problem": None,
        "target_line": target_line_of(profile, score.target, on=day.date),
        "meal_scores": meal_scores,
        "occasions": occasions,
        "status_label": scoring.STATUS_LABELS[score.status],
        "gauge": charts_panel.gauge(score.percent_of_target),
        "waterfall": charts_panel.waterfall_bars([tuple(step) for step in steps]),
        "top_sources": reports.source_lines([(day.date, score)])[:TOP_SOURCES],
        "item_scores": {item.key: item for item in sources if item.key},
        "recipe_scores": recipes.meal_recipe_scores(sources),
    }


def _day_context(
    request: HttpRequest,
    day: Day,
    *,
    profile: Profile | None = None,
    forms: dict[str, Any] | None = None,
    oob: bool = False,
    edit_dose: int | None = None,
    supplements: bool = True,
) -> dict[str, Any]:
    """The day page's context. An open dose edit form comes from `edit_dose` (htmx) or the
    page's `?edit_dose=` (the no-JS "Edit" link). Without `supplements`, of the supplement
    panel only its vitamin D note (for a response that redraws just that)."""
    # Foods, pickers and profile are the plan owner's: a dietitian plans with the client's.
    user = plan_owner(request)
    profile = profile or plan_profile(request)
    meals: list[Meal] = day.ordered_meals  # type: ignore[attr-defined]
    search_meal = parse_id(request.GET.get("meal"))
    query = request.GET.get("q", "").strip()[:100]
    picked_food = None
    picked_pk = parse_id(request.GET.get("food"))
    if search_meal is not None and picked_pk is not None:
        picked_food = food_picked_by(user=user, pk=picked_pk)
    undo_item = None
    undo_pk = parse_id(request.GET.get("undo"))
    if undo_pk is not None:
        undo_item = (
            MealItem.objects.filter(pk=undo_pk, meal__day=day, deleted_at__isnull=False)
            .select_related("food")
            .first()
        )
    undo_recipe = None
    undo_recipe_pk = parse_id(request.GET.get("undo_recipe"))
    if undo_recipe_pk is not None:
        undo_recipe = (
            MealRecipe.objects.filter(pk=undo_recipe_pk, meal__day=day, deleted_at__isnull=False)
            .select_related("recipe", "meal")
            .first()
        )
    undo_meal_pk = parse_id(request.GET.get("undo_meal"))
    undo_meal = (
        Meal.all_objects.filter(pk=undo_meal_pk, day=day, deleted_at__isnull=False).first()
        if undo_meal_pk is not None
        else None
    )
    context: dict[str, Any] = {
        "day": day,
        "meals": meals,
        "undo_meal": undo_meal,
        "forms": forms or {},
        "search_meal": search_meal,
        "query": query,
        "suggestions": (
            foods_for_picker(user=user, query=query) if search_meal is not None else []
        ),
        "picked_food": picked_food,
        "picked_form": (
            MealItemAddForm(user=user, food=picked_food, prefix=f"add-{search_meal}")
            if picked_food
            else None
        ),
        "undo_item": undo_item,
        "undo_recipe": undo_recipe,
        "openable_recipes": recipes_openable_by(
            user=request_user(request),
            recipes_used=[used.recipe for meal in meals for used in meal.live_recipes],  # type: ignore[attr-defined]
        ),
        # After "Fill my day" was accepted: its Undo bar (plans/fill_undo.py).
        "undo_fill": fill_undo_bar(request.GET.get(FILL_UNDO_PARAM, ""), day),
        # The one item whose edit form is open without JavaScript (the "Edit" link).
        "edit_item": parse_id(request.GET.get("edit")),
        "notes_form": (forms or {}).get("notes") or DayNotesForm(initial={"notes": day.notes}),
        "add_meal_form": (forms or {}).get("add_meal") or MealNameForm(),
        "previous_day": day.date.fromordinal(day.date.toordinal() - 1),
        "next_day": day.date.fromordinal(day.date.toordinal() + 1),
        "week_start": monday_of(day.date),
        "plan_client": plan_client(request),
        "oob": oob,
        **FORM_CONSTANTS,
    }
    context.update(_score_context(day, profile))
    if supplements:
        if edit_dose is None:
            edit_dose = parse_id(request.GET.get("edit_dose"))
        context.update(
            _supplements_context(
                request, day, context, forms=forms or {}, oob=oob, edit_dose=edit_dose
            )
        )
    else:
        context["vitamin_d_note"] = _vitamin_d_note(day, context.get("score"))
    # Notes from a dietitian (plans/report_views.py).
    context.update(notes_context(request, day))
    return context


def _load_day(request: HttpRequest, on: date) -> Day:
    """The day with everything prefetched, as it stands: one not planned yet is an unsaved
    day without meals (`unplanned_day`). Never writes: a refused write renders from this,
    and must leave no day behind (`services.day_planned_with` plans one with the write itself)."""
    user = plan_owner(request)
    return day_get_for(user=user, on=on) or unplanned_day(user=user, on=on)


def _open_day(request: HttpRequest, on: date) -> Day:
    """The day a page opens (the day, its suggestions, fill my day), created on first visit
    (with the default meals) by someone who may plan it; a read-only dietitian sees it
    unplanned and unsaved."""
    user = plan_owner(request)
    day = day_get_for(user=user, on=on)
    if day is None:
        if plan_read_only(request):
            return unplanned_day(user=user, on=on)
        services.day_get_or_create(user=user, on=on, editor=request_user(request))
        day = day_get_for(user=user, on=on)
    assert day is not None  # noqa: S101 - created just above
    return day


@profile_required
@require_safe
def day_page(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    owner = scope_to_client(request, client_id)
    the_date = _date_or_404(on)

    def render() -> HttpResponse:
        profile = profile_for(user=owner)
        if day_date_error(profile=profile, on=the_date):
            raise Http404("That day is outside your plan.")
        day = _open_day(request, the_date)
        return render_page(request, DAY_TEMPLATE, _day_context(request, day, profile=profile))

    return cached_page(request, owner=owner, render=render, dates=[the_date])


def _render_day_blocks(
    request: HttpRequest,
    day_date: date,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
    panel: bool = True,
) -> HttpResponse:
    """The meals block and, out of band, the score panel: the response of every day write.

    The supplement panel follows too: a renamed or deleted meal changes its doses' labels.
    After a write to items only (`panel=False`) just its vitamin D note follows, the one
    part of it that depends on the foods; the panel's log form is a tenth of a day's render.
    """
    day = _load_day(request, day_date)
    context = _day_context(request, day, forms=forms, oob=True, supplements=panel)
    context["vitamin_d_oob"] = not panel
    blocks = ["day_meals", "day_score", "day_supplements" if panel else "day_vitamin_d"]
    return render_blocks_response(request, DAY_TEMPLATE, blocks, context, status=status)


def _render_item_day_blocks(request: HttpRequest, day_date: date) -> HttpResponse:
    """`_render_day_blocks` after an item was deleted or restored: no meal changed."""
    return _render_day_blocks(request, day_date, panel=False)


def _render_meal_blocks(
    request: HttpRequest,
    day_date: date,
    meal_pk: int,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """One meal, and out of band the other meals' figures, the score and the supplement
    panel's vitamin D note (it depends on the day's score): the htmx response to an item
    added or saved, a tenth of the whole meals block."""
    day = _load_day(request, day_date)
    meal = next((meal for meal in day.ordered_meals if meal.pk == meal_pk), None)  # type: ignore[attr-defined]
    if meal is None:
        return _render_day_blocks(request, day_date, forms=forms, status=status, panel=False)
    context = _day_context(request, day, forms=forms, oob=True, supplements=False)
    context.update(meal=meal, changed_meal_pk=meal_pk, figures_oob=True, vitamin_d_oob=True)
    return render_blocks_response(
        request,
        DAY_TEMPLATE,
        ["day_meal", "day_figures", "day_score", "day_vitamin_d"],
        context,
        status=status,
    )


def _after_write(
    request: HttpRequest,
    day_date: date,
    *,
    undo: int | None = None,
    undo_param: str = "undo",
    anchor: str = "",
    render: Callable[[HttpRequest, date], HttpResponse] = _render_day_blocks,
) -> HttpResponse:
    """Every day write's response: htmx gets `render`'s blocks, a plain form post a redirect
    to the day; `undo` (the removed row, named by `undo_param`) shows the Undo bar."""
    if request.htmx:  # type: ignore[attr-defined]
        request.GET = request.GET.copy()  # type: ignore[assignment]
        if undo is not None:
            request.GET[undo_param] = str(undo)
        return render(request, day_date)
    url = _day_url(request, day_date, **{undo_param: undo})
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _invalid(
    request: HttpRequest, day_date: date, forms: dict[str, Any], block: str = "day_meals"
) -> HttpResponse:
    """422: the page (no JS) or the meals block (htmx) with the failing form bound."""
    if request.htmx:  # type: ignore[attr-defined]
        return _render_day_blocks(request, day_date, forms=forms, status=422)
    day = _load_day(request, day_date)
    return render_page(request, DAY_TEMPLATE, _day_context(request, day, forms=forms), status=422)


@profile_required
@require_POST
def meal_add(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    form = MealNameForm(request.POST, prefix="add-meal")
    the_date = _parse_date(on)
    if the_date is None:
        raise Http404("Not a date.")
    problem = day_date_error(profile=profile_for(user=owner), on=the_date, viewer=user)
    if problem:
        return date_problem_response(request, problem)
    if form.is_valid():
        try:
            with services.day_planned_with(_load_day(request, the_date), editor=user) as day:
                meal = services.meal_add(day=day, name=form.cleaned_data["name"], editor=user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_write(request, the_date, anchor=f"meal-{meal.pk}")
    return _invalid(request, the_date, {"add_meal": form})


@profile_required
@require_POST
def meal_rename(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    form = MealNameForm(request.POST, prefix=f"meal-{meal.pk}")
    if form.is_valid():
        try:
            services.meal_rename(meal=meal, name=form.cleaned_data["name"], editor=user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_write(request, meal.day.date, anchor=f"meal-{meal.pk}")
    return _invalid(request, meal.day.date, {f"rename-{meal.pk}": form})


@profile_required
@require_POST
def meal_move(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    form = MealMoveForm(request.POST)
    if not form.is_valid():
        return _invalid(request, meal.day.date, {f"rename-{meal.pk}": form})
    services.meal_move(meal=meal, direction=form.cleaned_data["direction"], editor=user)
    return _after_write(request, meal.day.date, anchor=f"meal-{meal.pk}")


@profile_required
@require_POST
def meal_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    services.meal_delete(meal=meal, editor=user)
    return _after_write(request, meal.day.date, undo=meal.pk, undo_param="undo_meal", anchor="undo")


@profile_required
@require_POST
def meal_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk, include_deleted=True)
    scope_to_day(request, meal.day)
    try:
        services.meal_restore(meal=meal, editor=user)
    except ValidationError as error:
        # The day filled up meanwhile: said where meals are added, nothing changed.
        form = MealNameForm({"add-meal-name": meal.name}, prefix="add-meal")
        form.is_valid()
        apply_validation_error(form, error)
        return _invalid(request, meal.day.date, {"add_meal": form})
    return _after_write(request, meal.day.date, anchor=f"meal-{meal.pk}")


def _item_write(request: HttpRequest, day: Day) -> None:
    """A meal item's write changes its day alone: the page cache replaces only that date's
    stamp of the day's owner (mgplanner/page_cache.py)."""
    day_scoped_write(request, owner_id=day.plan.owner_id, on=day.date)


@profile_required
@require_POST
def meal_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    _item_write(request, meal.day)
    form = MealItemAddForm(request.POST, user=plan_owner(request), prefix=f"add-{meal.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = services.meal_item_add(
                meal=meal,
                food=data["food"],
                editor=user,
                **amount_kwargs(data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return _render_meal_blocks(request, meal.day.date, meal.pk)
            return _after_write(request, meal.day.date, anchor=f"meal-item-{item.pk}")
    if request.htmx:  # type: ignore[attr-defined]
        forms = {f"add-{meal.pk}": form}
        return _render_meal_blocks(request, meal.day.date, meal.pk, forms=forms, status=422)
    return _invalid(request, meal.day.date, {f"add-{meal.pk}": form})


@profile_required
@require_POST
def meal_item_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = meal_item_get_for(user=user, pk=pk)
    scope_to_day(request, item.meal.day)
    _item_write(request, item.meal.day)
    form = AmountForm(request.POST, food=item.food, prefix=f"item-{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.meal_item_update(
                item=item,
                editor=user,
                **amount_kwargs(data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return _render_meal_blocks(request, item.meal.day.date, item.meal_id)
            return _after_write(request, item.meal.day.date, anchor=f"meal-item-{item.pk}")
    forms = {f"item-{item.pk}": form}
    if request.htmx:  # type: ignore[attr-defined]
        return _render_meal_blocks(
            request, item.meal.day.date, item.meal_id, forms=forms, status=422
        )
    return _invalid(request, item.meal.day.date, forms)


@profile_required
@require_safe
def meal_item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One item's row with its edit form open (`?cancel=1`: closed again), for htmx; without
    JavaScript the "Edit" link opens the form on the day page instead."""
    user = request_user(request)
    item = meal_item_get_for(user=user, pk=pk)
    scope_to_day(request, item.meal.day, planning=True)
    day_date = item.meal.day.date
    editing = request.GET.get("cancel") != "1"
    if not request.htmx:  # type: ignore[attr-defined]
        url = _day_url(request, day_date, edit=item.pk if editing else None)
        return HttpResponseRedirect(f"{url}#meal-item-{item.pk}")
    day = _load_day(request, day_date)
    loaded = next(
        (
            live
            for meal in day.ordered_meals  # type: ignore[attr-defined]
            for live in meal.live_items
            if live.pk == item.pk
        ),
        item,
    )
    context = _day_context(request, day)
    context.update(item=loaded, meal=loaded.meal, edit_item=item.pk if editing else None)
    return render_page(request, DAY_TEMPLATE, context, block="meal_item")


@profile_required
@require_POST
def meal_item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = meal_item_get_for(user=user, pk=pk)
    scope_to_day(request, item.meal.day)
    _item_write(request, item.meal.day)
    services.meal_item_delete(item=item, editor=user)
    return _after_write(
        request, item.meal.day.date, undo=item.pk, anchor="undo", render=_render_item_day_blocks
    )


@profile_required
@require_POST
def meal_item_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    item = meal_item_get_for(user=user, pk=pk, include_deleted=True)
    scope_to_day(request, item.meal.day)
    _item_write(request, item.meal.day)
    services.meal_item_restore(item=item, editor=user)
    return _after_write(
        request, item.meal.day.date, anchor=f"meal-item-{item.pk}", render=_render_item_day_blocks
    )


@profile_required
@require_POST
def day_notes(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    the_date = _parse_date(on)
    form = DayNotesForm(request.POST)
    if the_date is None:
        raise Http404("Not a date.")
    problem = day_date_error(profile=profile_for(user=owner), on=the_date, viewer=user)
    if problem:
        return date_problem_response(request, problem)
    status, stored = 422, None
    if form.is_valid():
        try:
            with services.day_planned_with(_load_day(request, the_date), editor=user) as day:
                day = services.day_notes_update(
                    day=day,
                    notes=form.cleaned_data["notes"],
                    notes_seen=form.cleaned_data["notes_seen"],
                    editor=user,
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        except NotesChangedError as changed:
            # Saved elsewhere meanwhile: both texts are shown, the typed one still in the
            # box, and the stored one is what the next save is checked against.
            status, stored = 409, changed.stored
            form = DayNotesForm({"notes": form.data.get("notes", ""), "notes_seen": stored})
        else:
            if request.htmx:  # type: ignore[attr-defined]
                return render_page(
                    request,
                    DAY_TEMPLATE,
                    {
                        "day": day,
                        "notes_form": DayNotesForm(initial={"notes": day.notes}),
                        "notes_saved": True,
                    },
                    block="day_notes",
                )
            return HttpResponseRedirect(_day_url(request, the_date) + "#day-notes")
    day = _load_day(request, the_date)
    if request.htmx:  # type: ignore[attr-defined]
        context = {"day": day, "notes_form": form, "notes_stored": stored}
        return render_page(request, DAY_TEMPLATE, context, block="day_notes", status=status)
    context = _day_context(request, day, forms={"notes": form})
    context["notes_stored"] = stored
    return render_page(request, DAY_TEMPLATE, context, status=status)


# ---------------------------------------------------------------- add-food picker


@profile_required
@require_safe
def food_picker(request: HttpRequest, pk: int) -> HttpResponse:
    """The as-you-type results for one meal's add-food box (a listbox fragment)."""
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day, planning=True)
    query = request.GET.get("q", "").strip()[:100]
    if not request.htmx:  # type: ignore[attr-defined]
        # A fragment endpoint: without htmx, the day page shows the same results.
        return HttpResponseRedirect(
            _day_url(request, meal.day.date, meal=meal.pk, q=query) + f"#add-{meal.pk}"
        )
    return render_page(
        request,
        DAY_TEMPLATE,
        {
            "meal": meal,
            "day": meal.day,
            "query": query,
            "suggestions": foods_for_picker(user=plan_owner(request), query=query),
            "search_meal": meal.pk,
        },
        block="food_results",
    )


@profile_required
@require_safe
def food_amount_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The amount form for the food just picked: grams or one of its household measures."""
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day, planning=True)
    owner = plan_owner(request)
    food = food_picked_by(user=owner, pk=parse_id(request.GET.get("food")))
    if food is None:
        raise Http404("No such food.")
    if not request.htmx:  # type: ignore[attr-defined]
        return HttpResponseRedirect(
            _day_url(request, meal.day.date, meal=meal.pk, food=food.pk) + f"#add-{meal.pk}"
        )
    return render_page(
        request,
        DAY_TEMPLATE,
        {
            "meal": meal,
            "day": meal.day,
            "picked_food": food,
            "picked_form": MealItemAddForm(user=owner, food=food, prefix=f"add-{meal.pk}"),
            "search_meal": meal.pk,
            "forms": {},
            **FORM_CONSTANTS,
        },
        block="add_form",
    )


# ---------------------------------------------------------------- supplements


def _dose_text(product: SupplementProduct, quantity: Decimal | float = 1) -> str:
    """What a dose holds, both ways for magnesium: "500 mg magnesium citrate = 81 mg elemental",
    and a combined tablet's calcium, which counts in the day's calcium as a calcium tablet's."""
    count = float(quantity)
    calcium = f"{(product.calcium_mg or 0) * count:,.0f} mg calcium, counted in the day's calcium"
    if product.kind == SupplementKind.MAGNESIUM and product.amount_mg:
        amount = float(product.amount_mg) * count
        if product.amount_basis == AmountBasis.COMPOUND:
            text = describe_amount(product.form, compound_mg=amount)
        else:
            text = describe_amount(product.form, elemental_mg=amount)
        return f"{text}; {calcium}" if product.calcium_mg else text
    if product.kind == SupplementKind.CALCIUM:
        return calcium
    return f"{product.vitamin_d_iu * count:,.0f} IU vitamin D"


def _conversion_text(form: str, amount_mg: float | None, basis: str) -> str:
    if form not in SUPPLEMENT_FORMS or not amount_mg or amount_mg <= 0:
        return ""
    if basis == AmountBasis.COMPOUND:
        return compound_unknown(form) or describe_amount(form, compound_mg=amount_mg)
    return describe_amount(form, elemental_mg=amount_mg)


def _float_or_none(value: str | None) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _client_name(request: HttpRequest) -> str | None:
    """The client whose day a dietitian works on, by name; None on one's own day."""
    client = plan_client(request)
    return client.name if client is not None else None


def _supplements_context(
    request: HttpRequest,
    day: Day,
    context: dict[str, Any],
    *,
    forms: dict[str, Any],
    oob: bool,
    edit_dose: int | None,
) -> dict[str, Any]:
    """The day's supplement panel: doses, "my supplements", the log form and its notes."""
    user = plan_owner(request)
    doses: list[SupplementDose] = day.live_doses  # type: ignore[attr-defined]
    meals: list[Meal] = day.ordered_meals  # type: ignore[attr-defined]
    form = forms.get("supplement") or SupplementLogForm(
        meals=meals, prefix="supplement", client_name=_client_name(request)
    )
    undo_dose = None
    undo_pk = parse_id(request.GET.get("undo_dose"))
    if undo_pk is not None:
        undo_dose = (
            SupplementDose.objects.filter(pk=undo_pk, day=day, deleted_at__isnull=False)
            .select_related("product")
            .first()
        )
    data = form.data if form.is_bound else {}
    return {
        "supplement_doses": [(dose, _dose_text(dose.product, dose.quantity)) for dose in doses],
        "my_products": [
            (product, _dose_text(product)) for product in supplement_products_for(user=user)
        ],
        "supplement_form": form,
        # An unbound log form shows only the meals' names and, on a client's day, the
        # client's name (mgplanner/jinja2.FragmentCache).
        "supplement_log_key": (
            None
            if form.is_bound
            else (
                "supplement-log",
                tuple((m.pk, m.name) for m in meals),
                _client_name(request),
            )
        ),
        "supplement_conversion": _conversion_text(
            data.get("supplement-form", ""),
            _float_or_none(data.get("supplement-amount_mg")),
            data.get("supplement-amount_basis", ""),
        ),
        "dose_meal_choices": [(meal.pk, meal.name) for meal in meals],
        # The edit forms open: the one whose "Edit" was followed, and one that failed.
        "dose_edit_forms": {
            dose.pk: forms.get(f"dose-{dose.pk}") or _dose_edit_form(dose, meals)
            for dose in doses
            if f"dose-{dose.pk}" in forms or dose.pk == edit_dose
        },
        "undo_dose": undo_dose,
        "vitamin_d_note": _vitamin_d_note(day, context.get("score")),
        "supplements_oob": oob,
    }


def _vitamin_d_note(day: Day, score: Any) -> bool:
    """Vitamin D is activated by magnesium-dependent enzymes (Uwitonze & Razzaque 2018), so a
    day short of magnesium is worth pointing out to someone taking it."""
    doses: list[SupplementDose] = day.live_doses  # type: ignore[attr-defined]
    takes_vitamin_d = any(dose.product.kind == SupplementKind.VITAMIN_D for dose in doses)
    return bool(takes_vitamin_d and score is not None and score.effective_mg < score.target_mg)


def _render_supplement_blocks(
    request: HttpRequest, day_date: date, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    """The supplement panel, with the meals (their per-meal mg include doses taken with
    them) and the score panel swapped out of band."""
    day = _load_day(request, day_date)
    context = _day_context(request, day, forms=forms, oob=True)
    context.update(supplements_oob=False, meals_oob=True)
    return render_blocks_response(
        request, DAY_TEMPLATE, ["day_supplements", "day_meals", "day_score"], context, status=status
    )


def _after_supplement_write(
    request: HttpRequest, day_date: date, *, undo_dose: int | None = None
) -> HttpResponse:
    return _after_write(
        request,
        day_date,
        undo=undo_dose,
        undo_param="undo_dose",
        anchor="day-supplements",
        render=_render_supplement_blocks,
    )


def _supplement_invalid(
    request: HttpRequest, day_date: date, forms: dict[str, Any]
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        return _render_supplement_blocks(request, day_date, forms=forms, status=422)
    day = _load_day(request, day_date)
    return render_page(request, DAY_TEMPLATE, _day_context(request, day, forms=forms), status=422)


def _writable_date(
    request: HttpRequest, on: str, profile: Profile | None = None
) -> tuple[date, str | None]:
    """The date of a write from the URL (404 when it is no date), and why the planner does
    not take that day (None when it does): the caller answers `date_problem_response`, the
    422 every day write gives, before anything is read or written. `profile`: the plan
    owner's, when the caller has it already."""
    the_date = _parse_date(on)
    if the_date is None:
        raise Http404("Not a date.")
    problem = day_date_error(
        profile=profile or profile_for(user=plan_owner(request)),
        on=the_date,
        viewer=request_user(request),
    )
    return the_date, problem


@profile_required
@require_POST
def supplement_log(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    """Log a supplement as its label states it (saved to "my supplements" unless unticked)."""
    scope_to_client(request, client_id)
    user = request_user(request)
    the_date, problem = _writable_date(request, on)
    if problem:
        return date_problem_response(request, problem)
    day = _load_day(request, the_date)
    form = SupplementLogForm(
        request.POST,
        meals=day.ordered_meals,  # type: ignore[attr-defined]
        prefix="supplement",
        client_name=_client_name(request),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            with services.day_planned_with(day, editor=user) as planned:
                services.supplement_log(
                    day=planned,
                    editor=user,
                    kind=data["kind"],
                    name=data["name"],
                    form=data["form"],
                    quantity=data["quantity"],
                    meal=data["meal"],
                    taken_at=data["taken_at"],
                    save_product=data["save_product"],
                    **supplement_amount_kwargs(data),
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_supplement_write(request, the_date)
    return _supplement_invalid(request, the_date, {"supplement": form})


@profile_required
@require_POST
def supplement_dose_add(
    request: HttpRequest, on: str, pk: int, client_id: int | None = None
) -> HttpResponse:
    """One click: a saved product onto the day, with a meal or on its own."""
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    product = supplement_product_get_for(user=owner, pk=pk)
    the_date, problem = _writable_date(request, on)
    if problem:
        return date_problem_response(request, problem)
    day = _load_day(request, the_date)
    form = SupplementDoseFields(request.POST, meals=day.ordered_meals, prefix=f"product-{pk}")  # type: ignore[attr-defined]
    if form.is_valid():
        data = form.cleaned_data
        try:
            with services.day_planned_with(day, editor=user) as planned:
                services.supplement_dose_add(
                    day=planned,
                    product=product,
                    editor=user,
                    quantity=data["quantity"],
                    meal=data["meal"],
                    taken_at=data["taken_at"],
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_supplement_write(request, the_date)
    return _supplement_invalid(request, the_date, {"one_click": form})


@profile_required
@require_POST
def supplement_dose_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    dose = supplement_dose_get_for(user=user, pk=pk)
    scope_to_day(request, dose.day)
    services.supplement_dose_delete(dose=dose, editor=user)
    return _after_supplement_write(request, dose.day.date, undo_dose=dose.pk)


@profile_required
@require_POST
def supplement_dose_restore(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    dose = supplement_dose_get_for(user=user, pk=pk, include_deleted=True)
    scope_to_day(request, dose.day)
    services.supplement_dose_restore(dose=dose, editor=user)
    return _after_supplement_write(request, dose.day.date)


def _dose_edit_form(dose: SupplementDose, meals: list[Meal], data: Any = None) -> Any:
    """The edit form of one dose, bound to `data` or filled with the dose as logged."""
    product = dose.product
    initial = {
        "quantity": dose.quantity.normalize(),
        "meal": dose.meal_id or "",
        "taken_at": dose.taken_at,
        # As the label prints them: "250", not "250.0".
        "amount_mg": f"{product.amount_mg:g}" if product.amount_mg is not None else None,
        "amount_basis": product.amount_basis,
        "calcium_mg": f"{product.calcium_mg:g}" if product.calcium_mg else None,
        "vitamin_d_iu": f"{product.vitamin_d_iu:g}" if product.vitamin_d_iu else None,
    }
    return SupplementDoseEditForm(
        data, meals=meals, kind=product.kind, prefix=f"dose-{dose.pk}", initial=initial
    )


@profile_required
@require_safe
def supplement_dose_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The supplement panel with one dose's edit form open (`?cancel=1`: closed), for htmx;
    without JavaScript the "Edit" link opens the form on the day page instead."""
    dose = supplement_dose_get_for(user=request_user(request), pk=pk)
    scope_to_day(request, dose.day, planning=True)
    day_date = dose.day.date
    editing = request.GET.get("cancel") != "1"
    if not request.htmx:  # type: ignore[attr-defined]
        url = _day_url(request, day_date, edit_dose=dose.pk if editing else None)
        return HttpResponseRedirect(f"{url}#dose-{dose.pk}")
    day = _load_day(request, day_date)
    # Closed (cancel) is 0: no dose has that id, and None would read the page's query.
    context = _day_context(request, day, edit_dose=dose.pk if editing else 0)
    return render_page(request, DAY_TEMPLATE, context, block="day_supplements")


@profile_required
@require_POST
def supplement_dose_update(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    dose = supplement_dose_get_for(user=user, pk=pk)
    scope_to_day(request, dose.day)
    day = _load_day(request, dose.day.date)
    form = _dose_edit_form(dose, day.ordered_meals, request.POST)  # type: ignore[attr-defined]
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.supplement_dose_update(
                dose=dose,
                editor=user,
                quantity=data["quantity"],
                meal=data["meal"],
                taken_at=data["taken_at"],
                **supplement_amount_kwargs(data),
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _after_supplement_write(request, dose.day.date)
    return _supplement_invalid(request, dose.day.date, {f"dose-{dose.pk}": form})


@profile_required
@require_safe
def supplement_conversion(request: HttpRequest) -> HttpResponse:
    """Both weights of what the log form holds, as the person types (htmx)."""
    text = _conversion_text(
        request.GET.get("supplement-form", ""),
        _float_or_none(request.GET.get("supplement-amount_mg")),
        request.GET.get("supplement-amount_basis", ""),
    )
    return render_page(
        request,
        "plans/supplements.html",
        {"supplement_conversion": text, "products": [], "standalone_conversion": True},
        block="supplement_conversion",
    )


@profile_required
@require_safe
def supplement_products(request: HttpRequest) -> HttpResponse:
    """My supplements: the saved products offered on every day."""
    return _supplement_products_page(request)


def _supplement_products_page(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    products = [(product, _dose_text(product)) for product in supplement_products_for(user=user)]
    return render_page(
        request,
        "plans/supplements.html",
        {"products": products, "today": timezone.localdate()},
        block="supplement_products",
    )


@profile_required
@require_POST
def supplement_product_archive(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    product = supplement_product_get_for(user=user, pk=pk)
    services.supplement_product_archive(product=product)
    if request.htmx:  # type: ignore[attr-defined]
        return _supplement_products_page(request)
    flash.success(request, f"{product.name} is off your list; days that logged it keep it.")
    return HttpResponseRedirect(reverse("plans:supplements"))


# ---------------------------------------------------------------- copy a day


def _offered_copy_days(source: date) -> list[date]:
    """The days of the source's week and the next, without the source itself."""
    start = monday_of(source)
    return [start + timedelta(days=n) for n in range(14) if start + timedelta(days=n) != source]


@profile_required
@require_http_methods(["GET", "HEAD", "POST"])
def day_copy(request: HttpRequest, on: str, client_id: int | None = None) -> HttpResponse:
    owner = scope_to_client(request, client_id)
    user = request_user(request)
    the_date = _date_or_404(on)
    if day_date_error(profile=profile_for(user=owner), on=the_date):
        raise Http404("That day is outside your plan.")
    day = _load_day(request, the_date)
    offered = _offered_copy_days(the_date)
    form = DayCopyForm(request.POST or None, offered=offered, initial={"mode": "append"})
    if form.is_bound and form.is_valid():
        try:
            with services.day_planned_with(day, editor=user) as source:
                copies = services.day_copy(
                    source=source,
                    dates=form.cleaned_data["targets"],
                    mode=form.cleaned_data["mode"],
                    editor=user,
                )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            verb = "Replaced" if form.cleaned_data["mode"] == "replace" else "Copied onto"
            names = ", ".join(copy.date.strftime("%a %-d %b") for copy in copies)
            flash.success(
                request,
                f"{verb} {names}: the food, recipes and supplements of {the_date:%a %-d %b}.",
            )
            # The source's week when a copy landed in it, so the week shows both days.
            weeks = [monday_of(copy.date) for copy in copies]
            week = monday_of(the_date) if monday_of(the_date) in weeks else weeks[0]
            return HttpResponseRedirect(plan_reverse(request, "week", week.isoformat()))
    meals = day.ordered_meals  # type: ignore[attr-defined]
    return render_page(
        request,
        "plans/copy_day.html",
        {
            "day": day,
            "form": form,
            "item_count": sum(len(meal.live_items) for meal in meals),
            "recipe_count": sum(len(meal.live_recipes) for meal in meals),
            "dose_count": len(day.live_doses),  # type: ignore[attr-defined]
            "week_start": monday_of(the_date),
        },
        block="copy_form",
        status=422 if form.errors else 200,
    )


# ---------------------------------------------------------------- a meal: copy, templates


def _meal_tools_page(
    request: HttpRequest, meal: Meal, *, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    # A meal's templates are its plan owner's, also when their dietitian opens the tools.
    user = plan_owner(request)
    forms = forms or {}
    items = list(
        meal.items.filter(deleted_at__isnull=True)
        .select_related("food", "portion")
        .order_by("position", "id")
    )
    # Copies and templates carry the meal's recipes too, so the page lists them.
    recipes_used = list(live_meal_recipes().filter(meal=meal))
    return render_page(
        request,
        "plans/templates.html",
        {
            "meal": meal,
            "day": meal.day,
            "items": items,
            "recipes_used": recipes_used,
            "copy_form": forms.get("copy")
            or MealCopyForm(
                initial={"date": meal.day.date + timedelta(days=1), "meal_name": meal.name}
            ),
            "save_form": forms.get("save") or MealTemplateSaveForm(initial={"name": meal.name}),
            "insert_form": forms.get("insert") or MealTemplateInsertForm(user=user),
            "templates": meal_templates_for(user=user),
        },
        block="meal_tools",
        status=status,
    )


@profile_required
@require_safe
def meal_tools(request: HttpRequest, pk: int) -> HttpResponse:
    """Copy a meal to another day, save it as a template, or insert a template into it."""
    meal = meal_get_for(user=request_user(request), pk=pk)
    scope_to_day(request, meal.day)
    return _meal_tools_page(request, meal)


def _meal_done(request: HttpRequest, meal: Meal, message: str) -> HttpResponse:
    flash.success(request, message)
    url = f"{_day_url(request, meal.day.date)}#meal-{meal.pk}"
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


@profile_required
@require_POST
def meal_copy(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    form = MealCopyForm(request.POST)
    if form.is_valid():
        try:
            into = services.meal_copy(
                meal=meal,
                on=form.cleaned_data["date"],
                meal_name=form.cleaned_data["meal_name"],
                editor=user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            into = meal_get_for(user=user, pk=into.pk)
            return _meal_done(
                request, into, f"Copied {meal.name} of {meal.day.date:%a %-d %b} into this meal."
            )
    return _meal_tools_page(request, meal, forms={"copy": form}, status=422)


@profile_required
@require_POST
def meal_template_save(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    form = MealTemplateSaveForm(request.POST)
    if form.is_valid():
        try:
            template = services.meal_template_create(
                meal=meal, name=form.cleaned_data["name"], owner=plan_owner(request), editor=user
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _meal_done(
                request, meal, f"Saved {meal.name} as the template “{template.name}”."
            )
    return _meal_tools_page(request, meal, forms={"save": form}, status=422)


@profile_required
@require_POST
def meal_template_insert(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meal = meal_get_for(user=user, pk=pk)
    scope_to_day(request, meal.day)
    form = MealTemplateInsertForm(request.POST, user=plan_owner(request))
    if form.is_valid():
        template = form.cleaned_data["template"]
        try:
            services.meal_template_insert(template=template, meal=meal, editor=user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _meal_done(request, meal, f"Added “{template.name}” to {meal.name}.")
    return _meal_tools_page(request, meal, forms={"insert": form}, status=422)


@profile_required
@require_safe
def meal_templates(request: HttpRequest) -> HttpResponse:
    return _templates_page(request)


def _templates_page(request: HttpRequest) -> HttpResponse:
    return render_page(
        request,
        "plans/templates.html",
        {"templates": meal_templates_for(user=request_user(request)), "meal": None},
        block="template_list",
    )


@profile_required
@require_POST
def meal_template_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    template = meal_template_get_for(user=user, pk=pk)
    name = template.name
    services.meal_template_delete(template=template)
    if request.htmx:  # type: ignore[attr-defined]
        return _templates_page(request)
    flash.success(request, f"Deleted the template “{name}”; meals made from it keep their food.")
    return HttpResponseRedirect(reverse("plans:templates"))
