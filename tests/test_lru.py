"""mgplanner.lru.LRU: bounded, least recently used out first."""

from mgplanner.lru import LRU


def test_the_least_recently_used_goes_first():
    kept: LRU[str, int] = LRU(size=2)
    kept.put("a", 1)
    kept.put("b", 2)
    assert kept.get("a") == 1  # used: "b" is now the oldest
    kept.put("c", 3)
    assert list(kept) == ["a", "c"]
    assert kept.get("b") is None
    kept.clear()
    assert len(kept) == 0
