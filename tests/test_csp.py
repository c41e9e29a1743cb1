"""Content-Security-Policy: the header on every page, no inline code in any served template,
and the admin's one relaxation (style attributes) kept to /admin/."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    ROOT / "templates",
    ROOT / "accounts" / "templates",
    ROOT / "foods" / "templates",
    ROOT / "plans" / "templates",
]
# Rendered to a string for WeasyPrint (a PDF), never sent to a browser as a page.
NOT_SERVED = {"plans/report.html"}

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}

INLINE_PATTERNS = {
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on* handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on": re.compile(r"\b(hx|data-hx)-on", re.IGNORECASE),
    # htmx evaluates trigger filters and js: values with eval, which the policy forbids.
    "hx-trigger filter": re.compile(r"hx-trigger=\"[^\"]*\[", re.IGNORECASE),
    "js: value": re.compile(r"hx-vals=['\"]\s*js:", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def policy(header: str) -> dict[str, str]:
    directives = (part.strip() for part in header.split(";") if part.strip())
    return {name: value for name, _, value in (d.partition(" ") for d in directives)}


def served_templates() -> list[Path]:
    found = []
    for base in TEMPLATE_DIRS:
        for path in base.rglob("*.html"):
            relative = path.relative_to(base).as_posix()
            if relative not in NOT_SERVED:
                found.append(path)
    return found


@pytest.mark.parametrize("path", served_templates(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_template_has_no_inline_code(path: Path) -> None:
    source = path.read_text()
    problems = [kind for kind, pattern in INLINE_PATTERNS.items() if pattern.search(source)]
    assert not problems, f"{path}: {problems} (move them to static/js/app.js or app.css)"


def test_python_built_markup_has_no_style_attributes() -> None:
    # Charts and panels build SVG in Python: presentation attributes or classes only.
    for package in ("plans", "foods", "accounts", "mgplanner"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            assert not re.search(r"style=[\"'{]", path.read_text()), path


def test_htmx_neither_injects_styles_nor_evaluates(client) -> None:
    html = client.get(reverse("home")).content.decode()
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'", html)
    assert config, "base.html configures htmx"
    assert '"includeIndicatorStyles": false' in config.group(1)
    assert '"allowEval": false' in config.group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "model", "foods:search", "accounts:login"])
def test_pages_carry_the_strict_policy(client, name: str) -> None:
    response = client.get(reverse(name))
    directives = policy(response["Content-Security-Policy"])
    for directive, value in STRICT.items():
        assert directives.get(directive) == value, directive
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_admin_allows_style_attributes_only(client) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    directives = policy(client.get(reverse("admin:index"))["Content-Security-Policy"])
    assert directives["style-src-attr"] == "'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    # The relaxation stays in the admin.
    assert "style-src-attr" not in policy(client.get(reverse("home"))["Content-Security-Policy"])
