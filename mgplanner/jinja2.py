"""The Jinja2 environment for app pages: the few Django helpers templates need."""

from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django_htmx.jinja import django_htmx_script, htmx_script
from jinja2 import Environment

from plans.client_scope import plan_url


def url(name: str, *args: Any, **kwargs: Any) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def messages(request: HttpRequest) -> list[Any]:
    return list(get_messages(request))


def number(value: float | None, digits: int = 0) -> str:
    """A figure for people: thousands separated, fixed decimals, an en dash when unknown."""
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def environment(**options: Any) -> Environment:
    env = Environment(**options)  # noqa: S701 - Django's backend sets autoescape=True
    env.globals.update(
        static=static,
        url=url,
        plan_url=plan_url,
        get_messages=messages,
        htmx_script=htmx_script,
        django_htmx_script=django_htmx_script,
    )
    env.filters["number"] = number
    return env
