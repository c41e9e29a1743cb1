"""Food search, food detail, and people's own custom foods."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from foods.forms import CustomFoodForm, SearchForm
from foods.models import Food
from foods.nutrients import NUTRIENTS, nutrient_rows, per_portion
from foods.selectors import (
    SORTS,
    antinutrient_entered,
    custom_food_get_for,
    custom_foods_of,
    food_get_for,
    food_groups,
    food_search_page,
)
from foods.services import custom_food_create, custom_food_delete, custom_food_update
from mgplanner.forms import apply_validation_error
from mgplanner.rendering import render_page

PAGE_SIZE = 30

# Portions shown as columns of the detail table; the rest are listed below it.
PORTION_COLUMNS = 4


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None, groups=food_groups(user=request.user))
    query = form.value("q", "").strip()
    group = form.value("group", "")
    sort = form.value("sort", "relevance")
    offset = form.value("offset", 0)
    page = food_search_page(
        user=request.user,
        query=query,
        group=group or None,
        sort=sort,
        limit=PAGE_SIZE,
        offset=offset,
    )
    params = {k: v for k, v in {"q": query, "group": group, "sort": sort}.items() if v}
    if params.get("sort") == "relevance":
        del params["sort"]
    more_url = (
        f"{reverse('foods:search')}?{urlencode({**params, 'offset': page.next_offset})}"
        if page.has_more
        else None
    )
    context = {
        "form": form,
        "query": query,
        "group": group,
        "sort": sort,
        "sort_label": SORTS[sort],
        "page": page,
        "more_url": more_url,
        "show_more": request.htmx and request.htmx.target == "food-more",
    }
    # "More" appends the next rows only; every other request swaps the whole results region.
    block = "more_rows" if context["show_more"] else "results"
    return render_page(request, "foods/search.html", context, block=block)


@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    food = food_get_for(user=request.user, pk=pk)
    portions = list(food.portions.all())
    first = portions[0] if portions else None
    entered = {prefix: antinutrient_entered(food, prefix) for prefix in ("phytate", "oxalate")}
    context = {
        "food": food,
        "portions": portions,
        "columns": portions[:PORTION_COLUMNS],
        "rows": nutrient_rows(
            {nutrient.field: getattr(food, nutrient.field) for nutrient in NUTRIENTS},
            [portion.grams for portion in portions[:PORTION_COLUMNS]],
        ),
        "first_portion": first,
        "is_owner": food.owner_id is not None and food.owner_id == request.user.pk,
        # A blank is shown as not entered, never as a value of 0 mg that someone gave.
        "phytate_entered": entered["phytate"],
        "oxalate_entered": entered["oxalate"],
        "phytate_per_portion_mg": (
            per_portion(food.phytate_mg_per_100g, first.grams)
            if first is not None and entered["phytate"]
            else None
        ),
        "oxalate_per_portion_mg": (
            per_portion(food.oxalate_mg_per_100g, first.grams)
            if first is not None and entered["oxalate"]
            else None
        ),
    }
    return render_page(request, "foods/detail.html", context)


@login_required
@require_safe
def custom_food_list(request: HttpRequest) -> HttpResponse:
    return render_page(
        request, "foods/custom_list.html", {"foods": custom_foods_of(user=request.user)}
    )


def _saved(request: HttpRequest, food: Food, message: str) -> HttpResponse:
    messages.success(request, message)
    url = reverse("foods:detail", args=[food.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _form_page(request: HttpRequest, form: CustomFoodForm, food: Food | None) -> HttpResponse:
    status = 422 if form.is_bound and form.errors else 200
    return render_page(
        request,
        "foods/custom_form.html",
        {"form": form, "food": food},
        block="food_form",
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def custom_food_new(request: HttpRequest) -> HttpResponse:
    form = CustomFoodForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            food = custom_food_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _saved(request, food, f"Added “{food.description}” to your foods.")
    return _form_page(request, form, None)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def custom_food_edit(request: HttpRequest, pk: int) -> HttpResponse:
    food = custom_food_get_for(user=request.user, pk=pk)
    if request.method == "POST":
        form = CustomFoodForm(request.POST)
        if form.is_valid():
            try:
                custom_food_update(food=food, **form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return _saved(request, food, f"Saved “{food.description}”.")
    else:
        form = CustomFoodForm(initial=CustomFoodForm.initial_for(food))
    return _form_page(request, form, food)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def custom_food_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    food = custom_food_get_for(user=request.user, pk=pk)
    error = None
    if request.method == "POST":
        description = food.description
        try:
            custom_food_delete(food=food)
        except ValidationError as exc:
            error = exc.messages[0]
        else:
            messages.success(request, f"Deleted “{description}”.")
            url = reverse("foods:custom_list")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    # 409: the food is in use; the page says where, and nothing was deleted.
    return render_page(
        request,
        "foods/custom_delete.html",
        {"food": food, "error": error},
        block="delete_form",
        status=409 if error else 200,
    )
