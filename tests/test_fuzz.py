"""Fuzzing every form and HTMX write endpoint with Hypothesis (issue 8).

The forms are not listed by hand: the owner's pages are fetched and parsed, and every
`<form method=post>` and `hx-post` element found becomes a target with the names of its
inputs (and the values its selects and radios offer). Each example POSTs generated values
(valid choices, text, numbers, huge, negative, unicode, empty; fields left out) as the
owner, with or without the HTMX header, and asserts:

- never a 500 (the test client re-raises a view's exception, which fails the example);
- a rejected input (status 4xx) changed nothing: the row count of every table of ours and
  the day's `score_to_json` are as before. (Checked cheaply first: when every row and
  column of those tables is as before, so are the counts and the score.)

Each example runs in a savepoint that is rolled back, so all start from the same world.
`test_fuzz_quick` runs ~300 examples in the default run; `test_fuzz_thorough` (marked
slow, run by `make test` and CI) runs 10,000 or more, in parts that share out the targets.
"""

import copy
import functools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import Profile, User
from accounts.selectors import person_on, profile_for
from foods.models import FoodSource
from mgplanner.models import new_stamp
from plans.fill_undo import FILL_UNDO_PARAM, fill_undo_token
from plans.models import MealItem
from plans.scoring import score_day, score_to_json
from plans.selectors import day_get_for, day_to_engine
from tests.factories import (
    DayFactory,
    FoodFactory,
    MealFactory,
    MealItemFactory,
    MealRecipeFactory,
    MealTemplateFactory,
    MealTemplateItemFactory,
    PortionFactory,
    ProfileFactory,
    RecipeFactory,
    RecipeIngredientFactory,
    SupplementDoseFactory,
    SupplementProductFactory,
)

OUR_APPS = ("accounts", "foods", "plans")
# Posting these would end the session or the account under test; their refusals are
# covered by tests/accounts. (Account deletion with a wrong password is still fuzzed.)
SKIP_ACTIONS = {"accounts:logout"}


@dataclass
class Target:
    action: str
    # name -> values the page offers (select options, radio/checkbox values, current value)
    fields: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.action


class FormParser(HTMLParser):
    """Collects POST forms and hx-post elements with the names of the inputs inside them."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[Target] = []
        self.open: list[tuple[str, Target]] = []
        self.select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post" and a.get("action"):
            self.open.append((tag, Target(a["action"])))
        elif "hx-post" in a:
            self.open.append((tag, Target(a["hx-post"])))
            if "name" in a:
                self.open[-1][1].fields.setdefault(a["name"], []).append(a.get("value", ""))
        elif tag in ("input", "textarea", "select", "button") and self.open and "name" in a:
            name = a["name"]
            if name == "csrfmiddlewaretoken":
                return
            values = self.open[-1][1].fields.setdefault(name, [])
            if a.get("value"):
                values.append(a["value"])
            if tag == "select":
                self.select = name
        elif tag == "option" and self.select and self.open:
            self.open[-1][1].fields[self.select].append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self.select = None
        if self.open and self.open[-1][0] == tag:
            self.targets.append(self.open.pop()[1])


@dataclass
class World:
    client: Client
    user: Any
    day: Any
    targets: list[Target]
    before: dict[str, Any]
    contents: dict[str, str | None]


def pages(objects: dict[str, Any]) -> Iterator[str]:
    on = objects["day"].date.isoformat()
    meal, recipe, food = objects["meal"], objects["recipe"], objects["food"]
    yield reverse("plans:day", args=[on])
    yield reverse("plans:meal_tools", args=[meal.pk])
    yield reverse("plans:food_amount_form", args=[meal.pk]) + f"?food={food.pk}"
    yield reverse("plans:meal_item_edit", args=[objects["item"].pk])
    yield reverse("plans:supplement_dose_edit", args=[objects["dose"].pk])
    yield reverse("plans:day_copy", args=[on])
    yield reverse("plans:day_suggestions", args=[on])
    yield reverse("plans:fill", args=[on])
    # The day as an accepted "Fill my day" leaves it: with the fill's Undo bar.
    token = fill_undo_token(day_pk=objects["day"].pk, item_pks=[objects["item"].pk])
    yield reverse("plans:day", args=[on]) + f"?{FILL_UNDO_PARAM}={token}"
    yield reverse("plans:supplements")
    yield reverse("plans:templates")
    yield reverse("foods:custom_new")
    yield reverse("foods:custom_edit", args=[objects["custom_food"].pk])
    yield reverse("foods:custom_delete", args=[objects["custom_food"].pk])
    yield reverse("recipes:detail", args=[recipe.pk])
    yield reverse("recipes:list")
    yield reverse("shopping:list")
    yield reverse("reports:own_report_page")
    yield reverse("accounts:dietitians")
    yield reverse("accounts:password_change")
    yield reverse("accounts:data")
    for step in ("about", "health", "food"):
        yield reverse("accounts:profile_step", args=[step])


# The page cache's key (mgplanner/page_cache.py): replaced after every POST, rejected or not,
# by design. Neither the row counts nor the score read it.
CACHE_STAMPS = {("accounts_user", "data_stamp")}


def _rows_as_text(model: Any) -> str:
    """A scalar subquery: every row of `model`'s table as text, in primary-key order."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    columns = [
        quote(f.column)
        for f in model._meta.local_concrete_fields
        if (table, f.column) not in CACHE_STAMPS
    ]
    pk = quote(model._meta.pk.column)
    # Table and column names come from the model registry, never from input.
    if connection.vendor == "postgresql":
        # A row constructor's text tells NULL from '' and quotes what needs it.
        row = f"ROW({', '.join(f't.{c}' for c in columns)})::text"
        return f"(SELECT string_agg({row}, E'\\n' ORDER BY t.{pk}) FROM {quote(table)} t)"  # noqa: S608
    row = " || ',' || ".join(f"quote({c})" for c in columns)
    rows = f"SELECT {row} AS r FROM {quote(table)} ORDER BY {pk}"  # noqa: S608
    return f"(SELECT group_concat(r, char(10)) FROM ({rows}))"  # noqa: S608


@functools.cache
def _contents_sql(vendor: str) -> tuple[list[str], str]:
    models = [
        model
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
        if not model._meta.proxy
    ]
    sql = "SELECT " + ", ".join(_rows_as_text(model) for model in models)
    return [model._meta.db_table for model in models], sql


def table_contents() -> dict[str, str | None]:
    """Every row and column of every table of ours (but the cache stamp), in one query.

    Equal contents mean equal row counts and an equal score (the score is computed from
    these tables alone), so after a rejected POST the costlier `snapshot` is only needed
    when the contents differ: it then decides, as it always has.
    """
    tables, sql = _contents_sql(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def snapshot(user: Any, day_date: Any) -> dict[str, Any]:
    """Row counts of every table of ours (one query) and the day's score as JSON."""
    tables = sorted(
        model._meta.db_table
        for label in OUR_APPS
        for model in apps.get_app_config(label).get_models()
        if not model._meta.proxy
    )
    # Table names come from the model registry, never from input.
    counts_sql = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + counts_sql)
        counts = dict(zip(tables, cursor.fetchone(), strict=True))
    day = day_get_for(user=user, on=day_date)
    profile = profile_for(user=user)
    score = score_to_json(score_day(day_to_engine(day, person_on(profile, day.date))))
    return {"counts": counts, "score": json.dumps(score, sort_keys=True)}


@pytest.fixture
def world(db) -> World:
    user = ProfileFactory(user__email="owner@example.org").user
    food = FoodFactory(source=FoodSource.USDA_SR28, magnesium_mg_per_100g=120)
    PortionFactory(food=food, seq=1, unit="cup", grams=100)
    custom_food = FoodFactory(source=FoodSource.CUSTOM, owner=user, code="ufuzz")
    day = DayFactory(plan__owner=user, date=timezone.localdate())
    meal = MealFactory(day=day, name="Lunch", position=0)
    MealFactory(day=day, name="Dinner", position=1)
    item = MealItemFactory(meal=meal, food=food)
    MealItemFactory(meal=meal, food=food, deleted_at=timezone.now())
    product = SupplementProductFactory(owner=user)
    dose = SupplementDoseFactory(day=day, product=product)
    recipe = RecipeFactory(owner=user)
    RecipeIngredientFactory(recipe=recipe, food=food)
    MealRecipeFactory(meal=meal, recipe=recipe)
    template = MealTemplateFactory(owner=user)
    MealTemplateItemFactory(template=template, food=food)
    objects = {
        "day": day,
        "meal": meal,
        "item": item,
        "food": food,
        "custom_food": custom_food,
        "recipe": recipe,
        "dose": dose,
    }
    client = Client()
    client.force_login(user)
    found: dict[str, Target] = {}
    for page in pages(objects):
        # Without JavaScript some fragments redirect to the page that shows them.
        response = client.get(page, follow=True)
        assert response.status_code == 200, page
        parser = FormParser()
        parser.feed(response.content.decode())
        for target in parser.targets:
            known = found.setdefault(target.action, Target(target.action))
            for name, values in target.fields.items():
                known.fields.setdefault(name, []).extend(values)
    skip = {reverse(name) for name in SKIP_ACTIONS}
    targets = [t for path, t in sorted(found.items()) if path.split("?")[0] not in skip]
    return World(client, user, day, targets, snapshot(user, day.date), table_contents())


junk = st.one_of(
    st.just(""),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=60),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["-1", "0", "1e308", "-0", "NaN", "inf", "9" * 400, "1,5", " 2 ", "0x10"]),
    st.sampled_from(["2026-02-30", "0001-01-01", "9999-12-31", "25:61", "\x00", "'; --", "<b>"]),
    # Huge values, built cheaply (drawing kilobytes of text char by char is slow).
    st.tuples(st.sampled_from(["x", "9", "é", "💊", " "]), st.integers(300, 20_000)).map(
        lambda part_count: part_count[0] * part_count[1]
    ),
)


def values_for(target: Target) -> st.SearchStrategy[dict[str, list[str]]]:
    """Per field: left out, one of the page's own values, or junk (sometimes repeated)."""
    per_field = {}
    for name, offered in target.fields.items():
        choices = [v for v in offered if len(v) < 200] or [""]
        value = st.one_of(st.sampled_from(choices), junk)
        per_field[name] = st.one_of(st.none(), st.lists(value, min_size=1, max_size=2))
    # A few unexpected fields as well (and so every target, even one without inputs, has
    # more than a handful of distinct examples).
    extra = st.dictionaries(
        st.text(min_size=1, max_size=12), st.lists(junk, max_size=2), max_size=2
    )
    return st.tuples(st.fixed_dictionaries(per_field), extra).map(
        lambda both: {**both[1], **{k: v for k, v in both[0].items() if v is not None}}
    )


def post(world: World, target: Target, data: dict[str, list[str]], htmx: bool) -> int:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    cookies = copy.deepcopy(world.client.cookies)
    with transaction.atomic():
        response = world.client.post(target.action, data, **headers)
        status = response.status_code
        assert status < 500, f"{status} from {target} with {data!r}"
        # Unchanged contents cannot have changed the counts or the score.
        if 400 <= status < 500 and table_contents() != world.contents:
            after = snapshot(world.user, world.day.date)
            assert after == world.before, f"{status} from {target} changed the database"
        transaction.set_rollback(True)
    world.client.cookies = cookies
    return status


def fuzz_target(world: World, target: Target, examples: int, statuses: dict[int, int]) -> None:
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        # The same examples on every run, so CI is reproducible; FUZZ_RANDOM=1 explores anew
        # (what the fuzzer finds that way becomes a test of its own).
        derandomize=os.environ.get("FUZZ_RANDOM") != "1",
        suppress_health_check=list(HealthCheck),
    )
    @given(data=values_for(target), htmx=st.booleans())
    def run(data: dict[str, list[str]], htmx: bool) -> None:
        status = post(world, target, data, htmx)
        statuses[status] = statuses.get(status, 0) + 1

    run()


def fuzz(
    world: World, targets: list[Target], examples_per_target: int
) -> dict[str, dict[int, int]]:
    seen: dict[str, dict[int, int]] = {}
    for target in targets:
        fuzz_target(world, target, examples_per_target, seen.setdefault(target.action, {}))
    return seen


def test_the_pages_expose_the_write_endpoints(world: World) -> None:
    actions = {t.action.split("?")[0] for t in world.targets}
    on = world.day.date.isoformat()
    for expected in (
        reverse("plans:meal_add", args=[on]),
        reverse("plans:supplement_log", args=[on]),
        reverse("plans:supplement_dose_update", args=[world.day.supplement_doses.get().pk]),
        reverse("plans:day_notes", args=[on]),
        reverse("plans:fill_undo", args=[on]),
        reverse("foods:custom_new"),
        reverse("recipes:new"),
        reverse("accounts:profile_step", args=["about"]),
    ):
        assert expected in actions, expected
    assert len(world.targets) >= 25, [t.action for t in world.targets]


def test_table_contents_see_every_counted_table_and_changes_that_keep_the_counts(
    world: World,
) -> None:
    assert set(snapshot(world.user, world.day.date)["counts"]) <= set(world.contents)
    # The page cache's stamp is left out: every POST replaces it.
    User.objects.filter(pk=world.user.pk).update(data_stamp=new_stamp())
    assert table_contents() == world.contents
    # An edit that keeps every row count: only the contents (and here the score) tell.
    MealItem.objects.filter(meal__day=world.day).update(grams=F("grams") + 1)
    changed = table_contents()
    assert [t for t in changed if changed[t] != world.contents[t]] == ["plans_mealitem"]
    assert snapshot(world.user, world.day.date) != world.before
    # A blank (NULL) number and 0 are different contents.
    Profile.objects.filter(user=world.user).update(kcal_goal=None)
    blank = table_contents()
    Profile.objects.filter(user=world.user).update(kcal_goal=0)
    assert table_contents() != blank


def test_fuzz_quick(world: World) -> None:
    seen = fuzz(world, world.targets, examples_per_target=-(-300 // len(world.targets)))
    assert sum(sum(s.values()) for s in seen.values()) >= 300


# The thorough run comes in parts, so that `make test`'s two pytest-xdist workers share it:
# part i fuzzes targets i, i + PARTS, i + 2 * PARTS, ..., so every target is in exactly one
# part, and every target gets its share of the 10,000 examples.
THOROUGH_PARTS = 6


@pytest.mark.slow
@pytest.mark.parametrize("part", range(THOROUGH_PARTS))
def test_fuzz_thorough(world: World, part: int) -> None:
    per_target = -(-10_000 // len(world.targets))
    targets = world.targets[part::THOROUGH_PARTS]
    seen = fuzz(world, targets, examples_per_target=per_target)
    ran = {t.action: sum(seen[t.action].values()) for t in targets}
    short = {action: count for action, count in ran.items() if count < per_target}
    assert not short, f"fewer than {per_target} examples: {short}"
