"""mgplanner.jinja2.FragmentCache, and the supplement log form's fields it keeps."""

import re

import pytest
from django.core.cache import cache
from django.forms.boundfield import BoundField
from django.urls import reverse, set_script_prefix

from mgplanner.jinja2 import FragmentCache, cached_fragment
from plans import services


def test_a_fragment_is_rendered_once_per_key_and_the_oldest_goes_first():
    fragments = FragmentCache(size=2)
    rendered = []

    def render(name):
        rendered.append(name)
        return f"<p>{name}</p>"

    assert fragments("a", render, "A") == "<p>A</p>"
    assert fragments("a", render, "changed") == "<p>A</p>"
    fragments("b", render, "B")
    fragments("a", render, "A")  # used: "b" is now the oldest
    fragments("c", render, "C")
    fragments("b", render, "B again")
    assert rendered == ["A", "B", "C", "B again"]


def test_the_script_prefix_is_part_of_the_key():
    fragments = FragmentCache(size=4)
    try:
        set_script_prefix("/one/")
        assert fragments("k", lambda: "first") == "first"
        set_script_prefix("/two/")
        assert fragments("k", lambda: "second") == "second"
    finally:
        set_script_prefix("/")


def _log_form(html: str) -> str:
    form = html.split('id="supplement-log-form"')[1].split("</form>")[0]
    return re.sub(r'value="[A-Za-z0-9]{32,}"', "", form)  # this request's CSRF token


@pytest.mark.django_db
def test_the_log_forms_fields_render_through_django_once_per_meal_list(
    client, person, day, monkeypatch
):
    url = reverse("plans:day", args=[day.date.isoformat()])
    cached_fragment._items.clear()
    first = _log_form(client.get(url).content.decode())

    widgets = []
    original = BoundField.as_widget

    def as_widget(self, *args, **kwargs):
        widgets.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(BoundField, "as_widget", as_widget)
    cache.clear()  # the page cache: the page is rendered again
    assert _log_form(client.get(url).content.decode()) == first
    assert widgets == []

    # A renamed meal is another key: its new name is offered.
    breakfast = day.meals.get(name="Breakfast")
    services.meal_rename(meal=breakfast, name="Early breakfast", editor=person)
    cache.clear()
    assert "Early breakfast</option>" in _log_form(client.get(url).content.decode())
    assert "meal" in widgets
