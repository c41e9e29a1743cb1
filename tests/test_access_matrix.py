"""The security bar of issue 7, generated from the URL configuration.

Every URL that carries a `client_id`, or addresses a planner object by `pk`, must be in
CLIENT_SCOPED (reachable by the plan's owner and a linked dietitian; 404 for an unlinked
or revoked dietitian and for another person) or OWNER_ONLY (404 for everyone but the
owner). `test_every_client_scoped_url_is_in_the_matrix` walks the resolver, so a new
URL of that kind fails the suite until it is added here.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.link_services import link_revoke
from accounts.models import User
from plans.fill_undo import fill_undo_token
from plans.models import DayNote
from tests.factories import (
    DayFactory,
    DietitianFactory,
    DietitianLinkFactory,
    FoodFactory,
    MealFactory,
    MealItemFactory,
    MealRecipeFactory,
    MealTemplateFactory,
    MealTemplateItemFactory,
    ProfileFactory,
    RecipeFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

# The namespaces whose pk-addressed URLs reach a plan.
PLANNER_NAMESPACES = {"plans", "clients", "reports"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern)


def client_scoped_urls() -> dict[str, str]:
    """Qualified URL name -> route, for every route with a client_id or a planner pk."""
    found = {}
    for name, route in _walk(get_resolver().url_patterns):
        namespace = name.split(":")[0] if ":" in name else ""
        if (
            "<int:client_id>" in route
            or "<int:meal_pk>" in route
            or (namespace in PLANNER_NAMESPACES and "<int:pk>" in route)
            # Recipes eaten in a meal belong to the meal's plan.
            or (namespace == "recipes" and "in-meal/" in route)
        ):
            found[name] = route
    return found


@dataclass
class World:
    client_user: User
    linked: User
    unlinked: User
    revoked: User
    stranger: User
    day: Any
    meal: Any
    item: Any
    deleted_item: Any
    dose: Any
    product: Any
    food: Any
    meal_recipe: Any

    @property
    def on(self) -> str:
        return self.day.date.isoformat()


@pytest.fixture
def world(db) -> World:
    profile = ProfileFactory()
    person = profile.user
    link = DietitianLinkFactory(client=person)
    revoked_link = DietitianLinkFactory(client=person)
    food = FoodFactory()
    day = DayFactory(plan__owner=person, date=timezone.localdate())
    meal = MealFactory(day=day, name="Lunch", position=0)
    MealFactory(day=day, name="Dinner", position=1)
    item = MealItemFactory(meal=meal, food=food)
    deleted_item = MealItemFactory(meal=meal, food=food, deleted_at=timezone.now())
    product = SupplementProductFactory(owner=person)
    dose = SupplementDoseFactory(day=day, product=product)
    meal_recipe = MealRecipeFactory(meal=meal, recipe=RecipeFactory(owner=person))
    link_revoke(link=revoked_link, by=person)
    return World(
        client_user=person,
        linked=link.dietitian,
        unlinked=DietitianFactory(),
        revoked=revoked_link.dietitian,
        stranger=ProfileFactory().user,
        day=day,
        meal=meal,
        item=item,
        deleted_item=deleted_item,
        dose=dose,
        product=product,
        food=food,
        meal_recipe=meal_recipe,
    )


@dataclass(frozen=True)
class Case:
    method: str
    args: Callable[[World], list[Any]]
    data: Callable[[World, User], dict[str, Any]] = lambda w, u: {}
    # The /plan/ twin the owner uses for a /clients/<id>/ URL; None: the owner uses the same.
    own_twin: str | None = None
    allowed: frozenset[int] = frozenset({200, 302})


def _template_for(world: World, user: User) -> dict[str, Any]:
    # A meal's templates are its plan owner's, whoever opens the meal.
    template = MealTemplateFactory(owner=world.client_user)
    MealTemplateItemFactory(template=template, food=world.food)
    return {"template": template.pk}


def _note_of(world: World, user: User) -> int:
    author = user if user.is_dietitian and user != world.unlinked else world.linked
    return DayNote.objects.create(day=world.day, author=author, text="Note").pk


TOMORROW = lambda w: (w.day.date + timedelta(days=1)).isoformat()  # noqa: E731
MEAL = lambda w: [w.meal.pk]  # noqa: E731
ITEM = lambda w: [w.item.pk]  # noqa: E731
DOSE = lambda w: [w.dose.pk]  # noqa: E731
REPORTS_OK = frozenset({200, 302, 422})

CLIENT_SCOPED: dict[str, Case] = {
    # A meal, its items and its tools, addressed by pk.
    "plans:meal_rename": Case("post", MEAL, lambda w, u: {f"meal-{w.meal.pk}-name": "Brunch"}),
    "plans:meal_move": Case("post", MEAL, lambda w, u: {"direction": "down"}),
    "plans:meal_delete": Case("post", MEAL),
    "plans:meal_restore": Case("post", MEAL),
    "plans:meal_item_add": Case(
        "post",
        MEAL,
        lambda w, u: {
            f"add-{w.meal.pk}-food": w.food.pk,
            f"add-{w.meal.pk}-grams": "30",
            f"add-{w.meal.pk}-preparation": "none",
        },
    ),
    "plans:food_picker": Case("get", MEAL, lambda w, u: {"q": "test"}),
    "plans:food_amount_form": Case("get", MEAL, lambda w, u: {"food": w.food.pk}),
    "plans:meal_item_update": Case(
        "post",
        ITEM,
        lambda w, u: {f"item-{w.item.pk}-grams": "45", f"item-{w.item.pk}-preparation": "none"},
    ),
    "plans:meal_item_edit": Case("get", ITEM),
    "plans:meal_item_delete": Case("post", ITEM),
    "plans:meal_item_restore": Case("post", lambda w: [w.deleted_item.pk]),
    "plans:supplement_dose_delete": Case("post", DOSE),
    "plans:supplement_dose_edit": Case("get", DOSE),
    "plans:supplement_dose_update": Case(
        "post",
        DOSE,
        lambda w, u: {
            f"dose-{w.dose.pk}-quantity": "2",
            f"dose-{w.dose.pk}-amount_mg": "300",
            f"dose-{w.dose.pk}-amount_basis": "elemental",
        },
    ),
    "plans:supplement_dose_restore": Case("post", DOSE),
    "plans:meal_tools": Case("get", MEAL),
    "plans:meal_copy": Case("post", MEAL, lambda w, u: {"date": TOMORROW(w), "meal_name": "Lunch"}),
    "plans:meal_template_save": Case("post", MEAL, lambda w, u: {"name": f"Saved by {u.pk}"}),
    "plans:meal_template_insert": Case("post", MEAL, _template_for),
    # Recipes eaten in a meal.
    "recipes:meal_add": Case("get", MEAL),
    "recipes:meal_delete": Case("post", lambda w: [w.meal_recipe.pk]),
    "recipes:meal_restore": Case("post", lambda w: [w.meal_recipe.pk]),
    # A client's planner pages, and their /plan/ twins for the owner.
    "clients:home": Case("get", lambda w: [], own_twin="plans:home"),
    "clients:week": Case(
        "get",
        lambda w: [(w.day.date - timedelta(days=w.day.date.weekday())).isoformat()],
        own_twin="plans:week",
    ),
    "clients:day": Case("get", lambda w: [w.on], own_twin="plans:day"),
    "clients:meal_add": Case(
        "post", lambda w: [w.on], lambda w, u: {"add-meal-name": "Supper"}, "plans:meal_add"
    ),
    "clients:day_notes": Case(
        "post", lambda w: [w.on], lambda w, u: {"notes": "Tired."}, "plans:day_notes"
    ),
    "clients:supplement_log": Case(
        "post",
        lambda w: [w.on],
        lambda w, u: {
            "supplement-kind": "magnesium",
            "supplement-form": "citrate",
            "supplement-amount_mg": "100",
            "supplement-amount_basis": "elemental",
            "supplement-quantity": "1",
            "supplement-name": "Magnesium citrate",
        },
        "plans:supplement_log",
    ),
    "clients:supplement_dose_add": Case(
        "post",
        lambda w: [w.on, w.product.pk],
        lambda w, u: {f"product-{w.product.pk}-quantity": "1"},
        "plans:supplement_dose_add",
    ),
    "clients:day_copy": Case("get", lambda w: [w.on], own_twin="plans:day_copy"),
    # Suggestions and fill my day; a bare POST is refused with 422 once reached.
    "clients:day_suggestions": Case("get", lambda w: [w.on], own_twin="plans:day_suggestions"),
    "clients:suggestion_apply": Case(
        "post", lambda w: [w.on], own_twin="plans:suggestion_apply", allowed=REPORTS_OK
    ),
    "clients:suggestion_undo": Case(
        "post", lambda w: [w.on], own_twin="plans:suggestion_undo", allowed=REPORTS_OK
    ),
    "clients:fill": Case("get", lambda w: [w.on], own_twin="plans:fill"),
    "clients:fill_accept": Case(
        "post", lambda w: [w.on], own_twin="plans:fill_accept", allowed=REPORTS_OK
    ),
    # Undo of an accepted fill: a token signed for the client's day, naming one of its items.
    "clients:fill_undo": Case(
        "post",
        lambda w: [w.on],
        lambda w, u: {"token": fill_undo_token(day_pk=w.day.pk, item_pks=[w.item.pk])},
        "plans:fill_undo",
    ),
    # The dietitian's tools for a client (reports): a bare POST is a 422 once reached.
    "reports:client_tools": Case("get", lambda w: [], allowed=REPORTS_OK),
    "reports:client_target": Case("post", lambda w: [], allowed=REPORTS_OK),
    "reports:note_add": Case("post", lambda w: [w.on], allowed=REPORTS_OK),
    "reports:template_save": Case("post", lambda w: [], allowed=REPORTS_OK),
    "reports:template_assign": Case("post", lambda w: [], allowed=REPORTS_OK),
    "reports:client_report": Case("get", lambda w: ["days"], allowed=REPORTS_OK),
}
# Dietitian-only pages of a client: the client has no twin (they see their own /plan/).
NO_OWN_TWIN = {name for name in CLIENT_SCOPED if name.startswith("reports:")}

# Objects that belong to one account, never shared with a dietitian.
OWNER_ONLY = {
    "plans:supplement_product_archive",
    "plans:meal_template_delete",
    "reports:template_delete",
}


def test_every_client_scoped_url_is_in_the_matrix() -> None:
    found = set(client_scoped_urls())
    # reports:note_delete needs a note of its author: covered by tests/plans/test_notes.py
    # and by test_note_delete_matrix below.
    twins = {case.own_twin for case in CLIENT_SCOPED.values() if case.own_twin}
    missing = found - set(CLIENT_SCOPED) - twins - OWNER_ONLY - {"reports:note_delete"}
    assert not missing, f"Add these client-scoped URLs to the access matrix: {sorted(missing)}"
    assert set(CLIENT_SCOPED) <= found, "The matrix names URLs that no longer exist."


def _path(name: str, world: World, case: Case, *, for_client: bool) -> str:
    args = case.args(world)
    if name.split(":")[0] in {"clients", "reports"} and for_client:
        return reverse(name, args=[world.client_user.pk, *args])
    return reverse(name, args=args)


def _request(user: User, method: str, path: str, data: dict[str, Any]) -> int:
    http = Client()
    http.force_login(user)
    response = getattr(http, method)(path, data)
    return response.status_code


ROLES = ("own", "linked", "unlinked", "revoked", "stranger")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(CLIENT_SCOPED))
def test_access_matrix(world: World, name: str, role: str) -> None:
    """own / linked → reached; unlinked / revoked dietitian and another person → 404."""
    case = CLIENT_SCOPED[name]
    user = {
        "own": world.client_user,
        "linked": world.linked,
        "unlinked": world.unlinked,
        "revoked": world.revoked,
        "stranger": world.stranger,
    }[role]
    if role == "own":
        if name in NO_OWN_TWIN:
            # The client reaching the dietitian's tools for themselves: not theirs to use.
            path = _path(name, world, case, for_client=True)
            assert _request(user, case.method, path, case.data(world, user)) == 404
            return
        twin = case.own_twin or name
        path = (
            reverse(twin, args=case.args(world))
            if case.own_twin
            else _path(name, world, case, for_client=False)
        )
        if twin == "plans:home":
            path = reverse("plans:home")
    else:
        path = _path(name, world, case, for_client=True)
    status = _request(user, case.method, path, case.data(world, user))
    if role in ("own", "linked"):
        assert status in case.allowed, f"{role} got {status} at {path}"
    else:
        assert status == 404, f"{role} got {status} at {path}"


@pytest.mark.parametrize("role", ROLES)
def test_note_delete_matrix(world: World, role: str) -> None:
    """A note's author while linked deletes it; nobody else reaches it."""
    user = getattr(world, {"own": "client_user"}.get(role, role))
    note = _note_of(world, user)
    path = reverse("reports:note_delete", args=[world.client_user.pk, note])
    status = _request(user, "post", path, {})
    assert (status in {200, 302}) if role == "linked" else status == 404, (role, status)


def test_owner_only_objects_are_404_for_a_linked_dietitian(world: World) -> None:
    template = MealTemplateFactory(owner=world.client_user)
    for name, pk in (
        ("plans:supplement_product_archive", world.product.pk),
        ("plans:meal_template_delete", template.pk),
    ):
        path = reverse(name, args=[pk])
        assert _request(world.linked, "post", path, {}) == 404, name
        assert _request(world.stranger, "post", path, {}) == 404, name
        assert _request(world.client_user, "post", path, {}) == 302, name
