"""axe-core through axe-playwright-python: the serious and critical violations of a page."""

from functools import cache

BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@cache
def _axe() -> object:
    # Imported late: the package reads its bundled axe.min.js on import.
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def blocking_violations(page) -> list[str]:
    """One line per serious or critical violation: rule, impact and the offending elements."""
    results = _axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING_IMPACTS:
            continue
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines
