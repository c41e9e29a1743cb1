"""The Jinja2 environment for app pages: the few Django helpers templates need."""

import math
from collections.abc import Callable, Hashable
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django_htmx.jinja import django_htmx_script, htmx_script
from jinja2 import Environment
from markupsafe import Markup

from foods.values import grams_text
from mgplanner.lru import LRU
from mgplanner.reverse import cached_reverse, script_prefix
from plans.client_scope import (
    changed_elsewhere_global,
    plan_read_only_global,
    plan_url,
    plan_whose,
)
from plans.concurrency import day_version_attr, day_version_input


def url(name: str, *args: Any, **kwargs: Any) -> str:
    if kwargs:
        return reverse(name, args=args or None, kwargs=kwargs)
    return cached_reverse(name, *args)


def messages(request: HttpRequest) -> list[Any]:
    return list(get_messages(request))


def number(value: float | None, digits: int = 0) -> str:
    """A figure for people: thousands separated, fixed decimals, an en dash when unknown."""
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def short_of(value: float | None, limit: float, met: bool, digits: int = 0) -> str:
    """A figure measured against `limit` (the target in mg, or 100 %), for a day whose
    status says whether it was `met`: a day short of it (319.5 of 320 mg, "Near target")
    whose figure would round up to the limit gets one more decimal, rounded down, so
    "320 of 320 mg: 100 %" never stands beside "Near target". The status is the authority
    (it allows for float noise: plans.scoring), the figure only follows it."""
    text = number(value, digits)
    if value is None or met or value >= limit or round(value, digits) < limit:
        return text
    scale = 10 ** (digits + 1)
    return number(math.floor(value * scale) / scale, digits + 1)


class _OnFirstUse:
    """Text computed when a template first prints it, then reused for the rest of the render.

    Django's own `csrf_input`/`csrf_token` are lazy but not memoised: every `{{ csrf_input }}`
    masks the token afresh, and the day page prints ~85 of them (~5 ms a page). Staying lazy
    keeps pages without a form from setting the CSRF cookie.
    """

    __slots__ = ("_make", "_value")

    def __init__(self, make: Any) -> None:
        self._make = make
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = self._make()
        return self._value

    def __html__(self) -> str:
        # Both values are safe as they are: the token is alphanumeric, the input is built escaped.
        return str(self)

    def __bool__(self) -> bool:
        return True


def csrf(request: HttpRequest) -> dict[str, Any]:
    """Context processor: one masked CSRF token per render, for `csrf_input` and `csrf_token`.

    Processors run after the backend sets its per-call lazy versions, so these replace them.
    """
    token = _OnFirstUse(lambda: get_token(request))
    return {
        "csrf_token": token,
        "csrf_input": _OnFirstUse(
            lambda: str(
                Markup('<input type="hidden" name="csrfmiddlewaretoken" value="{}">').format(
                    str(token)
                )
            )
        ),
    }


class FragmentCache:
    """Rendered HTML of template fragments that are pure functions of a key, kept in the
    process, least recently used out first: `{{ cached_fragment(key, macro, *args) }}`
    prints `macro(*args)`, rendered the first time the key (and script prefix) is seen.

    For fragments that cost far more to render than to identify, such as an unbound form's
    fields, which go through Django's widget templates. The key must name everything the
    fragment shows; the cache lives as long as the code that rendered it.
    """

    def __init__(self, size: int) -> None:
        self._items: LRU[Hashable, Any] = LRU(size)

    def __call__(self, key: Hashable, render: Callable[..., Any], *args: Any) -> Any:
        key = (script_prefix(), key)
        html = self._items.get(key)
        if html is None:
            # A macro returns Markup; anything else is escaped when printed, as usual.
            html = render(*args)
            self._items.put(key, html)
        return html


# About 7 KB a supplement log form: a few MB per process at most.
cached_fragment = FragmentCache(size=512)


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701 - Django's backend sets autoescape=True # nosec B701
    env.globals.update(
        static=static,
        url=url,
        plan_url=plan_url,
        plan_read_only=plan_read_only_global,
        plan_whose=plan_whose,
        changed_elsewhere=changed_elsewhere_global,
        day_version_input=day_version_input,
        day_version_attr=day_version_attr,
        cached_fragment=cached_fragment,
        get_messages=messages,
        htmx_script=htmx_script,
        django_htmx_script=django_htmx_script,
    )
    env.filters["number"] = number
    env.filters["grams"] = grams_text
    env.filters["short_of"] = short_of
    # The form macros as globals too: an htmx request renders one block of a page alone
    # (jinja2-fragments), and a `{% from ... import %}` at the top of the file does not run
    # then, so a block re-rendered with errors (422) would fail on an undefined macro.
    for name in ("field", "fields", "error_summary"):
        env.globals[name] = _form_macro(env, name)
    return env


def _form_macro(env: Environment, name: str) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(env.get_template("macros/forms.html").module, name)(*args, **kwargs)

    return call
