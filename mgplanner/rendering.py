"""One place that renders a page, or named blocks of it for an HTMX request."""

from typing import Any

from django.forms.renderers import DjangoTemplates, Jinja2
from django.http import HttpRequest, HttpResponse
from django.template import TemplateDoesNotExist, engines
from django.template.backends.utils import csrf_input_lazy, csrf_token_lazy
from jinja2_fragments import render_block, render_blocks


def render_page(
    request: HttpRequest,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render the whole template, or only `block` when htmx asks for a fragment.

    A history restore (`HX-History-Restore-Request`) gets the whole page, so a
    back button never shows a bare fragment.
    """
    engine = engines["jinja2"]
    htmx = getattr(request, "htmx", None)
    wants_fragment = block is not None and bool(htmx) and not htmx.history_restore_request
    if not wants_fragment:
        template = engine.get_template(template_name)
        return HttpResponse(template.render(context or {}, request), status=status)
    html = render_block(engine.env, template_name, block, **_full_context(request, context))
    return HttpResponse(html, status=status)


def render_blocks_response(
    request: HttpRequest,
    template_name: str,
    blocks: list[str],
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """Several named blocks of one template in one response: the first swaps the target, the
    others swap out of band (their roots carry `hx-swap-oob` when the context asks)."""
    html = render_blocks(
        engines["jinja2"].env, template_name, blocks, **_full_context(request, context)
    )
    return HttpResponse(html, status=status)


def _full_context(request: HttpRequest, context: dict[str, Any] | None) -> dict[str, Any]:
    """What Django's Jinja2 backend adds to a whole-page render, which a block render skips."""
    engine = engines["jinja2"]
    full_context: dict[str, Any] = {
        "request": request,
        "csrf_input": csrf_input_lazy(request),
        "csrf_token": csrf_token_lazy(request),
    }
    for processor in engine.template_context_processors:
        full_context.update(processor(request))
    full_context.update(context or {})
    return full_context


class FormRenderer(Jinja2):
    """Form widgets and errors render with Jinja2, from Django's own Jinja2 widget
    templates: rendering them with the Django template language took about a fifth of the
    day page's CPU. Templates only the Django template language has (the admin's widgets)
    still come from it. FORM_RENDERER names this class."""

    fallback = DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return self.fallback.get_template(template_name)
