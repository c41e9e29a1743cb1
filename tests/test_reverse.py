import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, reverse

from mgplanner.reverse import _cached, cached_reverse


def test_cached_reverse_answers_what_reverse_answers() -> None:
    assert cached_reverse("plans:meal_item_edit", 7) == reverse("plans:meal_item_edit", args=[7])
    assert cached_reverse("plans:day", "2026-01-02") == reverse("plans:day", args=["2026-01-02"])
    assert cached_reverse("health") == reverse("health")
    hits = _cached.cache_info().hits
    cached_reverse("plans:meal_item_edit", 7)
    assert _cached.cache_info().hits == hits + 1


def test_a_wrong_name_still_raises() -> None:
    with pytest.raises(NoReverseMatch):
        cached_reverse("plans:no_such_page", 1)


def test_changing_the_urlconf_clears_the_cache() -> None:
    cached_reverse("health")
    with override_settings(ROOT_URLCONF="mgplanner.urls"):
        assert _cached.cache_info().currsize == 0
