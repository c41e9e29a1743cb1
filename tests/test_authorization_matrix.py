"""Authorization over the whole URL configuration (issue 8).

Every named URL is requested as each of seven roles: anonymous, person A (who owns the
objects in the path), person B, a dietitian linked to A, an unlinked dietitian, a food
editor (staff, "Food editors" group) and an administrator (superuser). Path parameters are
filled with real objects of A's (her day's date, meal, item, dose, recipe, template, custom
food ...), so the table answers "who may reach A's things". A URL missing from EXPECTED
fails `test_every_url_has_an_expectation`, so a new view cannot ship without a row here.

Requests run in a savepoint that is rolled back, so a POST (delete, revoke ...) leaves the
world as it was for the next URL. The Django test client re-raises a view's exception, so a
500 fails the test with its traceback. The admin's own URLs are checked separately from
the admin registry (test_admin_matrix). Client-scoped behaviour in depth (revoked links,
the /plan/ twins, POST bodies) stays in tests/test_access_matrix.py.
"""

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.link_services import invitation_create
from accounts.models import InvitationDirection, User
from foods.models import FoodSource
from plans.models import DayNote, DayTemplate, WeekTemplate
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
    RecipeIngredientFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

ROLES = ("anon", "a", "b", "linked", "unlinked", "editor", "admin")
FOOD_EDITORS = "Food editors"


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = ":".join(part for part in (namespace, entry.namespace or "") if part)
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield (
                (f"{namespace}:{entry.name}" if namespace else entry.name),
                prefix + str(entry.pattern),
            )


def app_urls() -> dict[str, str]:
    """Every named URL outside the admin: qualified name -> route."""
    return {
        name: route
        for name, route in walk(get_resolver().url_patterns)
        if not name.startswith("admin:")
    }


@dataclass
class World:
    users: dict[str, User | None]
    objects: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError as error:
            raise AttributeError(name) from error


@pytest.fixture
def world(db) -> World:
    a = ProfileFactory(user__email="a@example.org").user
    b = ProfileFactory(user__email="b@example.org").user
    link = DietitianLinkFactory(client=a)
    unlinked = DietitianFactory()
    editor = ProfileFactory(user__is_staff=True).user
    editor.groups.add(Group.objects.get(name=FOOD_EDITORS))
    superuser = ProfileFactory(user__is_staff=True, user__is_superuser=True).user
    food = FoodFactory(source=FoodSource.USDA_SR28)
    custom_food = FoodFactory(source=FoodSource.CUSTOM, owner=a, code="")
    day = DayFactory(plan__owner=a, date=timezone.localdate())
    meal = MealFactory(day=day, name="Lunch", position=0)
    item = MealItemFactory(meal=meal, food=food)
    deleted_item = MealItemFactory(meal=meal, food=food, deleted_at=timezone.now())
    product = SupplementProductFactory(owner=a)
    dose = SupplementDoseFactory(day=day, product=product)
    recipe = RecipeFactory(owner=a)
    ingredient = RecipeIngredientFactory(recipe=recipe, food=food)
    meal_recipe = MealRecipeFactory(meal=meal, recipe=recipe)
    meal_template = MealTemplateFactory(owner=a)
    MealTemplateItemFactory(template=meal_template, food=food)
    note = DayNote.objects.create(day=day, author=link.dietitian, text="Note")
    day_template = DayTemplate.objects.create(owner=link.dietitian, name="Day")
    week_template = WeekTemplate.objects.create(owner=link.dietitian, name="Week")
    invitation, token = invitation_create(
        sender=link.dietitian,
        addressee_email="new@example.org",
        direction=InvitationDirection.DIETITIAN_INVITES_CLIENT,
    )
    return World(
        users={
            "anon": None,
            "a": a,
            "b": b,
            "linked": link.dietitian,
            "unlinked": unlinked,
            "editor": editor,
            "admin": superuser,
        },
        objects={
            "a": a,
            "link": link,
            "on": day.date.isoformat(),
            "monday": (day.date - timedelta(days=day.date.weekday())).isoformat(),
            "food": food,
            "custom_food": custom_food,
            "meal": meal,
            "item": item,
            "deleted_item": deleted_item,
            "product": product,
            "dose": dose,
            "recipe": recipe,
            "ingredient": ingredient,
            "meal_recipe": meal_recipe,
            "meal_template": meal_template,
            "note": note,
            "day_template": day_template,
            "week_template": week_template,
            "invitation": invitation,
            "token": token,
        },
    )


@dataclass(frozen=True)
class Row:
    method: str
    args: Callable[[World], list[Any]]
    # role -> allowed statuses; roles not named get `others`.
    expect: dict[str, frozenset[int]]
    others: frozenset[int]


class Requester:
    """One logged-in client per role; each request in a savepoint that is rolled back."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.clients: dict[str, Client] = {}

    def status(self, role: str, method: str, path: str) -> int:
        if role not in self.clients:
            http = Client()
            user = self.world.users[role]
            if user is not None:
                http.force_login(user)
            self.clients[role] = http
        http = self.clients[role]
        # Log-out (or a log-in) replaces the session cookie; the rollback brings the session
        # row back, so the cookie is put back as well.
        cookies = copy.deepcopy(http.cookies)
        with transaction.atomic():
            status = getattr(http, method)(path).status_code
            transaction.set_rollback(True)
        http.cookies = cookies
        return status


ARGS: dict[str, Callable[[World], list[Any]]] = {
    "accounts:data": lambda w: [],
    "accounts:data_csv": lambda w: [],
    "accounts:data_json": lambda w: [],
    "accounts:delete": lambda w: [],
    "accounts:dietitian_invite": lambda w: [],
    "accounts:dietitian_request": lambda w: [],
    "accounts:dietitian_revoke": lambda w: [w.link.pk],
    "accounts:dietitian_rights": lambda w: [w.link.pk],
    "accounts:dietitians": lambda w: [],
    "accounts:invitation": lambda w: [w.token],
    "accounts:invitation_by_code": lambda w: [w.invitation.code],
    "accounts:invitation_code": lambda w: [],
    "accounts:login": lambda w: [],
    "accounts:logout": lambda w: [],
    "accounts:password_change": lambda w: [],
    "accounts:password_change_done": lambda w: [],
    "accounts:password_reset": lambda w: [],
    "accounts:password_reset_complete": lambda w: [],
    "accounts:password_reset_confirm": lambda w: ["MQ", "set-password"],
    "accounts:password_reset_done": lambda w: [],
    "accounts:profile": lambda w: [],
    "accounts:profile_step": lambda w: ["about"],
    "accounts:profile_target_drop": lambda w: [],
    "accounts:sign_up": lambda w: [],
    "clients:day": lambda w: [w.a.pk, w.on],
    "clients:day_copy": lambda w: [w.a.pk, w.on],
    "clients:day_notes": lambda w: [w.a.pk, w.on],
    "clients:day_suggestions": lambda w: [w.a.pk, w.on],
    "clients:fill": lambda w: [w.a.pk, w.on],
    "clients:fill_accept": lambda w: [w.a.pk, w.on],
    "clients:fill_undo": lambda w: [w.a.pk, w.on],
    "clients:home": lambda w: [w.a.pk],
    "clients:invite": lambda w: [],
    "clients:list": lambda w: [],
    "clients:meal_add": lambda w: [w.a.pk, w.on],
    "clients:suggestion_apply": lambda w: [w.a.pk, w.on],
    "clients:suggestion_undo": lambda w: [w.a.pk, w.on],
    "clients:supplement_dose_add": lambda w: [w.a.pk, w.on, w.product.pk],
    "clients:supplement_log": lambda w: [w.a.pk, w.on],
    "clients:week": lambda w: [w.a.pk, w.monday],
    "foods:custom_delete": lambda w: [w.custom_food.pk],
    "foods:custom_edit": lambda w: [w.custom_food.pk],
    "foods:custom_list": lambda w: [],
    "foods:custom_new": lambda w: [],
    "foods:detail": lambda w: [w.food.pk],
    "foods:search": lambda w: [],
    "favicon": lambda w: [],
    "health": lambda w: [],
    "health_ready": lambda w: [],
    "home": lambda w: [],
    "model": lambda w: [],
    "plans:day": lambda w: [w.on],
    "plans:day_copy": lambda w: [w.on],
    "plans:day_notes": lambda w: [w.on],
    "plans:day_suggestions": lambda w: [w.on],
    "plans:fill": lambda w: [w.on],
    "plans:fill_accept": lambda w: [w.on],
    "plans:fill_undo": lambda w: [w.on],
    "plans:food_amount_form": lambda w: [w.meal.pk],
    "plans:food_picker": lambda w: [w.meal.pk],
    "plans:home": lambda w: [],
    "plans:meal_add": lambda w: [w.on],
    "plans:meal_copy": lambda w: [w.meal.pk],
    "plans:meal_delete": lambda w: [w.meal.pk],
    "plans:meal_restore": lambda w: [w.meal.pk],
    "plans:meal_item_add": lambda w: [w.meal.pk],
    "plans:meal_item_delete": lambda w: [w.item.pk],
    "plans:meal_item_edit": lambda w: [w.item.pk],
    "plans:meal_item_restore": lambda w: [w.deleted_item.pk],
    "plans:meal_item_update": lambda w: [w.item.pk],
    "plans:meal_move": lambda w: [w.meal.pk],
    "plans:meal_rename": lambda w: [w.meal.pk],
    "plans:meal_template_delete": lambda w: [w.meal_template.pk],
    "plans:meal_template_insert": lambda w: [w.meal.pk],
    "plans:meal_template_save": lambda w: [w.meal.pk],
    "plans:meal_tools": lambda w: [w.meal.pk],
    "plans:suggestion_apply": lambda w: [w.on],
    "plans:suggestion_undo": lambda w: [w.on],
    "plans:supplement_conversion": lambda w: [],
    "plans:supplement_dose_add": lambda w: [w.on, w.product.pk],
    "plans:supplement_dose_delete": lambda w: [w.dose.pk],
    "plans:supplement_dose_edit": lambda w: [w.dose.pk],
    "plans:supplement_dose_update": lambda w: [w.dose.pk],
    "plans:supplement_dose_restore": lambda w: [w.dose.pk],
    "plans:supplement_log": lambda w: [w.on],
    "plans:supplement_product_archive": lambda w: [w.product.pk],
    "plans:supplements": lambda w: [],
    "plans:templates": lambda w: [],
    "plans:week": lambda w: [w.monday],
    "recipes:delete": lambda w: [w.recipe.pk],
    "recipes:detail": lambda w: [w.recipe.pk],
    "recipes:duplicate": lambda w: [w.recipe.pk],
    "recipes:edit": lambda w: [w.recipe.pk],
    "recipes:export": lambda w: [w.recipe.pk],
    "recipes:import": lambda w: [],
    "recipes:ingredient_add": lambda w: [w.recipe.pk],
    "recipes:ingredient_delete": lambda w: [w.ingredient.pk],
    "recipes:ingredient_update": lambda w: [w.ingredient.pk],
    "recipes:list": lambda w: [],
    "recipes:meal_add": lambda w: [w.meal.pk],
    "recipes:meal_delete": lambda w: [w.meal_recipe.pk],
    "recipes:meal_restore": lambda w: [w.meal_recipe.pk],
    "recipes:new": lambda w: [],
    "recipes:plan": lambda w: [w.recipe.pk],
    "reports:client_report": lambda w: [w.a.pk, "days"],
    "reports:client_target": lambda w: [w.a.pk],
    "reports:client_tools": lambda w: [w.a.pk],
    "reports:note_add": lambda w: [w.a.pk, w.on],
    "reports:note_delete": lambda w: [w.a.pk, w.note.pk],
    "reports:own_report": lambda w: ["days"],
    "reports:own_report_page": lambda w: [],
    "reports:template_assign": lambda w: [w.a.pk],
    "reports:template_delete": lambda w: ["day", w.day_template.pk],
    "reports:template_save": lambda w: [w.a.pk],
    "reports:templates": lambda w: [],
    "shopping:csv": lambda w: [],
    "shopping:list": lambda w: [],
    "shopping:tick": lambda w: [],
}


# Query strings some views need to reach past their own validation.
QUERY: dict[str, Callable[[World], str]] = {
    "plans:food_amount_form": lambda w: f"?food={w.food.pk}",
    "reports:own_report": lambda w: f"?start={w.on}&end={w.on}",
    "reports:client_report": lambda w: f"?start={w.on}&end={w.on}",
}

# name: (method, statuses for anon a b linked unlinked editor admin)
EXPECTED: dict[str, tuple[str, str]] = {
    "accounts:data": ("get", "302 200 200 200 200 200 200"),
    "accounts:data_csv": ("get", "302 200 200 200 200 200 200"),
    "accounts:data_json": ("get", "302 200 200 200 200 200 200"),
    "accounts:delete": ("post", "302 422 422 422 422 422 422"),
    "accounts:dietitian_invite": ("post", "302 422 422 422 422 422 422"),
    "accounts:dietitian_request": ("post", "302 422 422 422 422 422 422"),
    "accounts:dietitian_revoke": ("post", "302 302 404 302 404 404 404"),
    # Only the client chooses what their dietitian may do: the dietitian too gets a 404.
    "accounts:dietitian_rights": ("post", "302 302 404 404 404 404 404"),
    "accounts:dietitians": ("get", "302 200 200 200 200 200 200"),
    "accounts:invitation": ("get", "302 403 403 403 403 403 403"),
    "accounts:invitation_by_code": ("get", "302 403 403 403 403 403 403"),
    "accounts:invitation_code": ("get", "302 302 302 302 302 302 302"),
    "accounts:login": ("get", "200 302 302 302 302 302 302"),
    "accounts:logout": ("post", "302 302 302 302 302 302 302"),
    "accounts:password_change": ("get", "302 200 200 200 200 200 200"),
    "accounts:password_change_done": ("get", "302 200 200 200 200 200 200"),
    "accounts:password_reset": ("get", "200 200 200 200 200 200 200"),
    "accounts:password_reset_complete": ("get", "200 200 200 200 200 200 200"),
    "accounts:password_reset_confirm": ("get", "200 200 200 200 200 200 200"),
    "accounts:password_reset_done": ("get", "200 200 200 200 200 200 200"),
    "accounts:profile": ("get", "302 200 200 200 200 200 200"),
    "accounts:profile_step": ("get", "302 200 200 200 200 200 200"),
    # Only ever the requester's own custom target: back to their profile.
    "accounts:profile_target_drop": ("post", "302 302 302 302 302 302 302"),
    "accounts:sign_up": ("get", "200 302 302 302 302 302 302"),
    "clients:day": ("get", "302 404 404 200 404 404 404"),
    "clients:day_copy": ("get", "302 404 404 200 404 404 404"),
    "clients:day_notes": ("post", "302 404 404 302 404 404 404"),
    "clients:day_suggestions": ("get", "302 404 404 200 404 404 404"),
    "clients:fill": ("get", "302 404 404 200 404 404 404"),
    "clients:fill_accept": ("post", "302 404 404 422 404 404 404"),
    # An empty post carries no signed token: 400 for whoever may edit the day.
    "clients:fill_undo": ("post", "302 404 404 422 404 404 404"),
    "clients:home": ("get", "302 404 404 302 404 404 404"),
    "clients:invite": ("post", "302 404 404 422 422 404 404"),
    "clients:list": ("get", "302 404 404 200 200 404 404"),
    "clients:meal_add": ("post", "302 404 404 422 404 404 404"),
    "clients:suggestion_apply": ("post", "302 404 404 422 404 404 404"),
    "clients:suggestion_undo": ("post", "302 404 404 422 404 404 404"),
    "clients:supplement_dose_add": ("post", "302 404 404 422 404 404 404"),
    "clients:supplement_log": ("post", "302 404 404 422 404 404 404"),
    "clients:week": ("get", "302 404 404 200 404 404 404"),
    "foods:custom_delete": ("get", "302 200 404 404 404 404 404"),
    "foods:custom_edit": ("get", "302 200 404 404 404 404 404"),
    "foods:custom_list": ("get", "302 200 200 200 200 200 200"),
    "foods:custom_new": ("get", "302 200 200 200 200 200 200"),
    "foods:detail": ("get", "200 200 200 200 200 200 200"),
    "foods:search": ("get", "200 200 200 200 200 200 200"),
    "favicon": ("get", "302 302 302 302 302 302 302"),
    "health": ("get", "200 200 200 200 200 200 200"),
    "health_ready": ("get", "200 200 200 200 200 200 200"),
    "home": ("get", "200 200 200 200 200 200 200"),
    "model": ("get", "200 200 200 200 200 200 200"),
    "plans:day": ("get", "302 200 200 200 200 200 200"),
    "plans:day_copy": ("get", "302 200 200 200 200 200 200"),
    "plans:day_notes": ("post", "302 302 302 302 302 302 302"),
    "plans:day_suggestions": ("get", "302 200 200 200 200 200 200"),
    "plans:fill": ("get", "302 200 200 200 200 200 200"),
    "plans:fill_accept": ("post", "302 422 422 422 422 422 422"),
    "plans:fill_undo": ("post", "302 422 422 422 422 422 422"),
    "plans:food_amount_form": ("get", "302 302 404 302 404 404 404"),
    "plans:food_picker": ("get", "302 302 404 302 404 404 404"),
    "plans:home": ("get", "302 302 302 302 302 302 302"),
    "plans:meal_add": ("post", "302 422 422 422 422 422 422"),
    "plans:meal_copy": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_delete": ("post", "302 302 404 302 404 404 404"),
    # Restoring a meal not deleted changes nothing and redirects, as an item's restore does.
    "plans:meal_restore": ("post", "302 302 404 302 404 404 404"),
    "plans:meal_item_add": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_item_delete": ("post", "302 302 404 302 404 404 404"),
    "plans:meal_item_edit": ("get", "302 302 404 302 404 404 404"),
    "plans:meal_item_restore": ("post", "302 302 404 302 404 404 404"),
    "plans:meal_item_update": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_move": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_rename": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_template_delete": ("post", "302 302 404 404 404 404 404"),
    "plans:meal_template_insert": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_template_save": ("post", "302 422 404 422 404 404 404"),
    "plans:meal_tools": ("get", "302 200 404 200 404 404 404"),
    "plans:suggestion_apply": ("post", "302 422 422 422 422 422 422"),
    "plans:suggestion_undo": ("post", "302 422 422 422 422 422 422"),
    "plans:supplement_conversion": ("get", "302 200 200 200 200 200 200"),
    "plans:supplement_dose_add": ("post", "302 422 404 404 404 404 404"),
    "plans:supplement_dose_delete": ("post", "302 302 404 302 404 404 404"),
    "plans:supplement_dose_edit": ("get", "302 302 404 302 404 404 404"),
    # An empty post is invalid input: 422 for whoever may edit the day.
    "plans:supplement_dose_update": ("post", "302 422 404 422 404 404 404"),
    "plans:supplement_dose_restore": ("post", "302 302 404 302 404 404 404"),
    "plans:supplement_log": ("post", "302 422 422 422 422 422 422"),
    "plans:supplement_product_archive": ("post", "302 302 404 404 404 404 404"),
    "plans:supplements": ("get", "302 200 200 200 200 200 200"),
    "plans:templates": ("get", "302 200 200 200 200 200 200"),
    "plans:week": ("get", "302 200 200 200 200 200 200"),
    "recipes:delete": ("post", "302 422 404 404 404 404 404"),
    "recipes:detail": ("get", "302 200 404 404 404 404 404"),
    "recipes:duplicate": ("post", "302 302 404 404 404 404 404"),
    "recipes:edit": ("post", "302 422 404 404 404 404 404"),
    "recipes:export": ("get", "302 200 404 404 404 404 404"),
    "recipes:import": ("post", "302 422 422 422 422 422 422"),
    "recipes:ingredient_add": ("post", "302 422 404 404 404 404 404"),
    "recipes:ingredient_delete": ("post", "302 302 404 404 404 404 404"),
    "recipes:ingredient_update": ("post", "302 422 404 404 404 404 404"),
    "recipes:list": ("get", "302 200 200 200 200 200 200"),
    "recipes:meal_add": ("get", "302 200 404 200 404 404 404"),
    "recipes:meal_delete": ("post", "302 302 404 302 404 404 404"),
    "recipes:meal_restore": ("post", "302 302 404 302 404 404 404"),
    "recipes:new": ("post", "302 422 422 422 422 422 422"),
    "recipes:plan": ("post", "302 422 404 404 404 404 404"),
    "reports:client_report": ("get", "302 404 404 200 404 404 404"),
    "reports:client_target": ("post", "302 404 404 422 404 404 404"),
    "reports:client_tools": ("get", "302 404 404 200 404 404 404"),
    "reports:note_add": ("post", "302 404 404 422 404 404 404"),
    "reports:note_delete": ("post", "302 404 404 302 404 404 404"),
    "reports:own_report": ("get", "302 200 200 200 200 200 200"),
    "reports:own_report_page": ("get", "302 200 200 200 200 200 200"),
    "reports:template_assign": ("post", "302 404 404 422 404 404 404"),
    "reports:template_delete": ("post", "302 404 404 302 404 404 404"),
    "reports:template_save": ("post", "302 404 404 422 404 404 404"),
    "reports:templates": ("get", "302 404 404 200 200 404 404"),
    "shopping:csv": ("get", "302 200 200 200 200 200 200"),
    "shopping:list": ("get", "302 200 200 200 200 200 200"),
    "shopping:tick": ("post", "302 404 404 404 404 404 404"),
}


def path_of(name: str, world: World) -> str:
    query = QUERY.get(name)
    return reverse(name, args=ARGS[name](world)) + (query(world) if query else "")


def test_every_url_has_an_expectation() -> None:
    urls = set(app_urls())
    missing = sorted(urls - set(EXPECTED))
    assert not missing, f"Add these URLs to EXPECTED and ARGS (who may reach them?): {missing}"
    assert set(EXPECTED) <= urls, f"Gone from the URLconf: {sorted(set(EXPECTED) - urls)}"
    assert set(ARGS) == set(EXPECTED)
    for name, (method, statuses) in EXPECTED.items():
        assert method in ("get", "post"), name
        assert len(statuses.split()) == len(ROLES), name


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(world: World, role: str) -> None:
    requester = Requester(world)
    column = ROLES.index(role)
    wrong = []
    for name in sorted(app_urls()):
        method, statuses = EXPECTED[name]
        expected = int(statuses.split()[column])
        path = path_of(name, world)
        got = requester.status(role, method, path)
        if got != expected:
            wrong.append(f"{method.upper()} {path} ({name}): expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_only_the_owner_and_her_linked_dietitian_reach_her_objects() -> None:
    """The table's own invariant: a path holding A's objects is 404 (or the log-in redirect)
    for person B, the unlinked dietitian, the food editor and the administrator."""
    for name, (_method, statuses) in EXPECTED.items():
        by_role = dict(zip(ROLES, (int(s) for s in statuses.split()), strict=True))
        if by_role["a"] in (200, 302, 422) and by_role["b"] == 404:
            for role in ("unlinked", "editor", "admin"):
                assert by_role[role] == 404, (name, role)
        assert 500 not in by_role.values(), name


def admin_cases() -> list[tuple[str, str]]:
    """(URL name, model label) for each registered model's list and add pages."""
    cases = [("admin:index", "")]
    for model in admin.site._registry:
        label = f"{model._meta.app_label}_{model._meta.model_name}"
        cases += [(f"admin:{label}_changelist", label), (f"admin:{label}_add", label)]
    return cases


@pytest.mark.parametrize("role", ROLES)
def test_admin_matrix(world: World, role: str, rf) -> None:
    """Anonymous and non-staff: the admin's log-in redirect; the food editor: the pages her
    group's permissions allow (403 otherwise); the administrator: every page, except an add
    page its ModelAdmin forbids."""
    requester = Requester(world)
    user = world.users[role]
    registry = {
        f"{model._meta.app_label}_{model._meta.model_name}": model_admin
        for model, model_admin in admin.site._registry.items()
    }
    wrong = []
    for name, label in admin_cases():
        if user is None or not user.is_staff:
            expected = 302
        elif not label:
            expected = 200
        else:
            model_admin = registry[label]
            request = rf.get("/")
            request.user = user
            allowed = (
                model_admin.has_add_permission(request)
                if name.endswith("_add")
                else model_admin.has_view_or_change_permission(request)
            )
            expected = 200 if allowed else 403
        got = requester.status(role, "get", reverse(name))
        if got != expected:
            wrong.append(f"{name}: expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_the_food_editor_curates_foods_and_nothing_else(world: World) -> None:
    editor = world.users["editor"]
    assert editor.has_perm("foods.change_food")
    assert not editor.has_perm("accounts.view_user")
    assert not editor.has_perm("plans.view_day")
    requester = Requester(world)
    assert requester.status("editor", "get", reverse("admin:foods_food_changelist")) == 200
    assert requester.status("editor", "get", reverse("admin:accounts_user_changelist")) == 403
