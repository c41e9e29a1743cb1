"""The dietitian's tools around a client: custom target, notes on days, day and week
templates, and the PDF and CSV reports (which a person may also make of their own plan).

Every client is resolved through `client_get_for`, so an unlinked or revoked dietitian
gets a 404 (existence not revealed); every view or edit of a client's data is logged: a
view (page or report) here, an edit by the service that makes it (accounts/access_log.py).
"""

from datetime import date, timedelta
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts import services as account_services
from accounts.access_log import access_view_record
from accounts.decorators import profile_required
from accounts.models import AccessAction, User
from accounts.request_user import request_user
from accounts.selectors import (
    client_get_for,
    custom_target_changes,
    link_get_for,
    profile_for,
    target_line_of,
    target_on,
    target_periods,
)
from mgplanner import csv_safe
from mgplanner.forms import apply_validation_error
from mgplanner.rendering import render_page
from plans import report_selectors, services
from plans.models import Day, Plan
from plans.report_forms import (
    CustomTargetForm,
    DayNoteForm,
    ReportRangeForm,
    TemplateAssignForm,
    TemplateSaveForm,
)
from plans.scoring import STATUS_LABELS
from plans.selectors import day_get_for, plan_for

CLIENT_TEMPLATE = "plans/client_tools.html"
REPORT_TEMPLATE = "plans/report.html"
OWN_REPORT_TEMPLATE = "plans/own_report.html"


def _client(request: HttpRequest, client_id: int) -> User:
    return client_get_for(dietitian=request_user(request), pk=client_id)


def _plan_owner(request: HttpRequest, client_id: int) -> User:
    """The dietitian's own plan when `client_id` is theirs, else a linked client's (or 404)."""
    user = request_user(request)
    return user if client_id == user.pk else _client(request, client_id)


def _default_range() -> tuple[date, date]:
    today = timezone.localdate()
    return today - timedelta(days=6), today


def _template_choices(user: User) -> list[tuple[str, str]]:
    days = [
        (f"day-{t.pk}", f"Day: {t.name}") for t in report_selectors.day_templates_for(user=user)
    ]
    weeks = [
        (f"week-{t.pk}", f"Week: {t.name}") for t in report_selectors.week_templates_for(user=user)
    ]
    return days + weeks


def _client_context(
    request: HttpRequest, client: User, forms: dict[str, Any] | None = None
) -> dict[str, Any]:
    user = request_user(request)
    forms = forms or {}
    profile = profile_for(user=client)
    start, end = _default_range()
    today = timezone.localdate()
    target = target_on(profile, today)
    return {
        "client": client,
        "profile": profile,
        "target": target,
        "target_line": target_line_of(profile, target, on=today) if target else None,
        "target_changes": custom_target_changes(profile),
        "link": link_get_for(dietitian=user, client=client),
        "target_form": forms.get("target")
        or CustomTargetForm(
            initial={"target_mg": profile.custom_target_mg, "reason": profile.custom_target_reason}
        ),
        "report_form": forms.get("report") or ReportRangeForm(initial={"start": start, "end": end}),
        "save_form": forms.get("save") or TemplateSaveForm(initial={"on": today, "span": "day"}),
        "assign_form": forms.get("assign")
        or TemplateAssignForm(choices=_template_choices(user), initial={"start": today}),
    }


@profile_required
@require_safe
def client_tools(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id)
    access_view_record(request, client=client, detail="target, templates and reports")
    return render_page(request, CLIENT_TEMPLATE, _client_context(request, client))


def _tools_done(
    request: HttpRequest, client: User, anchor: str, *, done: str | None = None
) -> HttpResponse:
    """The panel again after a write. `done` says what the write did: in the panel for
    htmx (a flash message would wait for the next page load), as a flash message on the
    page the plain POST is redirected to."""
    if request.htmx:  # type: ignore[attr-defined]
        context = {**_client_context(request, client), "done": done}
        return render_page(request, CLIENT_TEMPLATE, context, block=anchor)
    if done:
        flash.success(request, done)
    url = reverse("reports:client_tools", args=[client.pk])
    return HttpResponseRedirect(f"{url}#{anchor.replace('_', '-')}")


def _tools_invalid(
    request: HttpRequest, client: User, forms: dict[str, Any], block: str
) -> HttpResponse:
    return render_page(
        request, CLIENT_TEMPLATE, _client_context(request, client, forms), block=block, status=422
    )


@profile_required
@require_POST
def client_target(request: HttpRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id)
    if request.POST.get("action") == "clear":
        try:
            account_services.custom_target_clear(dietitian=request_user(request), client=client)
        except ValidationError as error:
            form = CustomTargetForm()
            apply_validation_error(form, error)
            return _tools_invalid(request, client, {"target": form}, "target_panel")
        return _tools_done(request, client, "target_panel")
    form = CustomTargetForm(request.POST)
    if form.is_valid():
        try:
            account_services.custom_target_set(
                dietitian=request_user(request),
                client=client,
                target_mg=form.cleaned_data["target_mg"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _tools_done(request, client, "target_panel")
    return _tools_invalid(request, client, {"target": form}, "target_panel")


# ---------------------------------------------------------------- notes


def _client_day_url(client: User, on: date) -> str:
    """The client's day in the workspace (the clients engineer's URL), or the tools page."""
    try:
        return reverse("clients:day", args=[client.pk, on.isoformat()])
    except NoReverseMatch:
        return reverse("reports:client_tools", args=[client.pk])


def notes_context(
    request: HttpRequest, day: Any, *, form: DayNoteForm | None = None
) -> dict[str, Any]:
    """What the day page's notes block needs: the notes the viewer may read, and a form
    when the viewer is a dietitian linked to the day's owner.
    """
    user = request_user(request)
    # The owner is fetched only for a dietitian: a person's own day page stays in its budget.
    owner = day.plan.owner if day.plan.owner_id != user.pk else user
    can_write = owner.pk != user.pk and link_get_for(dietitian=user, client=owner) is not None
    return {
        "dietitian_notes": (
            list(report_selectors.notes_visible_to(user=user, days=[day]))
            if getattr(day, "has_dietitian_notes", True)
            else []
        ),
        "note_form": (form or DayNoteForm()) if can_write else None,
        "note_client": owner if can_write else None,
    }


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise Http404("No such day.") from error


def _notes_response(
    request: HttpRequest,
    client: User,
    day: Day,
    *,
    form: DayNoteForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"day": day, **notes_context(request, day, form=form)}
    if request.htmx:  # type: ignore[attr-defined]
        return render_page(
            request, "plans/_notes.html", context, block="day_notes_panel", status=status
        )
    if status != 200:
        return render_page(request, "plans/day_notes_page.html", context, status=status)
    return HttpResponseRedirect(f"{_client_day_url(client, day.date)}#dietitian-notes")


def _notes_invalid(request: HttpRequest, client: User, on: date, form: DayNoteForm) -> HttpResponse:
    """The notes with the refused form (422). Only read: a refused note plans no day, and
    a date outside the plan (before birth, over two years ahead) has none to plan."""
    day = day_get_for(user=client, on=on)
    if day is None:
        # An unsaved day carries the date and owner the panel shows; it has no notes.
        day = Day(plan=Plan(owner=client), date=on)
        day.has_dietitian_notes = False  # type: ignore[attr-defined]
    return _notes_response(request, client, day, form=form, status=422)


@profile_required
@require_POST
def note_add(request: HttpRequest, client_id: int, on: str) -> HttpResponse:
    client = _client(request, client_id)
    the_date = _parse_date(on)
    form = DayNoteForm(request.POST)
    if form.is_valid():
        try:
            note = services.day_note_add_on(
                owner=client,
                on=the_date,
                author=request_user(request),
                visibility=form.cleaned_data["visibility"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _notes_response(request, client, note.day)
    return _notes_invalid(request, client, the_date, form)


@profile_required
@require_POST
def note_delete(request: HttpRequest, client_id: int, pk: int) -> HttpResponse:
    client = _client(request, client_id)
    note = report_selectors.day_note_get_for(user=request_user(request), pk=pk)
    if note.day.plan.owner_id != client.pk:
        raise Http404("No such note.")
    try:
        services.day_note_delete(note=note, author=request_user(request))
    except ValidationError as error:
        # A day outside the plan: refused as a note added there is, the note kept.
        form = DayNoteForm()
        apply_validation_error(form, error)
        return _notes_response(request, client, note.day, form=form, status=422)
    return _notes_response(request, client, note.day)


# ---------------------------------------------------------------- templates


def _dietitian(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_dietitian:
        raise Http404("Dietitians only.")
    return user


def _templates_page(
    request: HttpRequest, user: User, *, form: TemplateSaveForm | None = None, status: int = 200
) -> HttpResponse:
    return render_page(
        request,
        "plans/dietitian_templates.html",
        {
            "day_templates": list(report_selectors.day_templates_for(user=user)),
            "week_templates": list(report_selectors.week_templates_for(user=user)),
            "recipe_lines": report_selectors.template_recipe_lines(user=user),
            "save_form": form
            or TemplateSaveForm(initial={"on": timezone.localdate(), "span": "day"}),
        },
        status=status,
    )


@profile_required
@require_safe
def templates_page(request: HttpRequest) -> HttpResponse:
    return _templates_page(request, _dietitian(request))


@profile_required
@require_POST
def template_save(request: HttpRequest, client_id: int) -> HttpResponse:
    """Save a day or week of the dietitian's own plan (client_id = their id) or a client's."""
    user = _dietitian(request)
    owner = _plan_owner(request, client_id)
    form = TemplateSaveForm(request.POST)
    if form.is_valid():
        on, name = form.cleaned_data["on"], form.cleaned_data["name"]
        plan = plan_for(user=owner)
        try:
            if plan is None:
                raise ValidationError({"on": "Nothing is planned yet."})
            if form.cleaned_data["span"] == "week":
                services.week_template_save(plan=plan, week_start=on, name=name, owner=user)
            else:
                day = plan.days.filter(date=on).first()
                if day is None:
                    raise ValidationError({"on": f"{on:%a %-d %b %Y} is not planned."})
                services.day_template_save(source=day, name=name, owner=user)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            if owner.pk == user.pk:
                return HttpResponseRedirect(reverse("reports:templates"))
            # Saved from a client's tools page: back to that client, where it can be assigned.
            flash.success(request, f"Saved the template “{name}”: it is under Your templates.")
            url = reverse("reports:client_tools", args=[owner.pk])
            return HttpResponseRedirect(f"{url}#templates-panel")
    if owner.pk == user.pk:
        return _templates_page(request, user, form=form, status=422)
    return _tools_invalid(request, owner, {"save": form}, "templates_panel")


@profile_required
@require_POST
def template_assign(request: HttpRequest, client_id: int) -> HttpResponse:
    user = _dietitian(request)
    client = _client(request, client_id)
    form = TemplateAssignForm(request.POST, choices=_template_choices(user))
    if form.is_valid():
        kind, _, pk = form.cleaned_data["template"].partition("-")
        template = report_selectors.template_get_for(user=user, kind=kind, pk=int(pk))
        start = form.cleaned_data["start"]
        try:
            days = services.template_assign(
                template=template,
                client=client,
                start=start,
                mode=form.cleaned_data["mode"],
                editor=user,
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            done = _assigned_message(template.name, client, start, len(days))
            return _tools_done(request, client, "templates_panel", done=done)
    return _tools_invalid(request, client, {"assign": form}, "templates_panel")


def _assigned_message(name: str, client: User, start: date, day_count: int) -> str:
    """What an assignment copied, counted in the days it wrote (a week template's empty
    days leave the client's days alone, so a week may write fewer than seven)."""
    if day_count == 0:
        return f"“{name}” has no planned days: nothing was copied into {client.name}'s plan."
    days = "1 day" if day_count == 1 else f"{day_count} days"
    return f"Copied “{name}” into {client.name}'s plan from {start:%a %-d %b %Y} ({days})."


@profile_required
@require_POST
def template_delete(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    user = _dietitian(request)
    template = report_selectors.template_get_for(user=user, kind=kind, pk=pk)
    services.day_template_delete(template=template, owner=user)
    flash.success(request, f"Deleted the {kind} template “{template.name}”.")
    return HttpResponseRedirect(reverse("reports:templates"))


# ---------------------------------------------------------------- reports


def _range_or_none(
    request: HttpRequest, owner: User
) -> tuple[ReportRangeForm, date | None, date | None]:
    """The range asked for, or the form with its errors: the same refusals for the PDF
    and the CSV files, so they never disagree about a range."""
    form = ReportRangeForm(request.GET)
    if not form.is_valid():
        return form, None, None
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    problems = report_selectors.report_range_problems(
        owner=owner, start=start, end=end, viewer=request_user(request)
    )
    for field, message in problems.items():
        form.add_error(field, message)
    if problems:
        return form, None, None
    return form, start, end


def _report_context(owner: User, start: date, end: date) -> dict[str, Any]:
    data = report_selectors.report_data(owner=owner, start=start, end=end)
    return {
        "person": owner,
        "data": data,
        "report": data.report,
        "target_periods": target_periods(data.profile, start, end),
        "status_labels": STATUS_LABELS,
        "generated_at": timezone.localtime(),
    }


def _pdf_response(request: HttpRequest, owner: User, start: date, end: date) -> HttpResponse:
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    html = (
        engines["jinja2"]
        .get_template(REPORT_TEMPLATE)
        .render(_report_context(owner, start, end), request)
    )
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"magnesium-report-{owner.pk}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


DAY_COLUMNS = (
    "date",
    "planned",
    "total_mg",
    "effective_mg",
    "target_mg",
    "ear_mg",
    "percent_of_target",
    "status",
)
ITEM_COLUMNS = (
    "date",
    "meal",
    "kind",
    "code",
    "name",
    "amount",
    "grams",
    "preparation",
    "magnesium_mg",
    "effective_mg",
)


def _figure(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _csv_response(owner: User, start: date, end: date, kind: str) -> HttpResponse:
    data = report_selectors.report_data(owner=owner, start=start, end=end)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"magnesium-{kind}-{owner.pk}-{start:%Y%m%d}-{end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_safe.writer(response)
    if kind == "days":
        writer.writerow(DAY_COLUMNS)
        for day in data.report.days:
            writer.writerow(
                [
                    day.date.isoformat(),
                    "yes" if day.planned else "no",
                    _figure(day.total_mg),
                    _figure(day.effective_mg),
                    _figure(day.target_mg),
                    _figure(day.ear_mg),
                    _figure(day.percent_of_target),
                    day.status or "",
                ]
            )
    else:
        writer.writerow(ITEM_COLUMNS)
        for row in data.items:
            writer.writerow(
                [
                    row.date.isoformat(),
                    row.meal,
                    row.kind,
                    row.code,
                    row.name,
                    row.amount,
                    "" if row.grams is None else f"{row.grams:g}",
                    row.preparation,
                    _figure(row.magnesium_mg),
                    _figure(row.effective_mg),
                ]
            )
    return response


def _report(request: HttpRequest, owner: User, kind: str, *, client: bool) -> HttpResponse:
    if kind not in ("pdf", "days", "items"):
        raise Http404("No such report.")
    form, start, end = _range_or_none(request, owner)
    if start is None or end is None:
        if client:
            return _tools_invalid(request, owner, {"report": form}, "report_panel")
        return render_page(request, OWN_REPORT_TEMPLATE, {"report_form": form}, status=422)
    if client:
        access_view_record(
            request,
            client=owner,
            action=AccessAction.REPORT,
            detail=f"{start:%-d %b %Y} to {end:%-d %b %Y}",  # the page names the kind
        )
    if kind == "pdf":
        return _pdf_response(request, owner, start, end)
    return _csv_response(owner, start, end, kind)


@profile_required
@require_safe
def client_report(request: HttpRequest, client_id: int, kind: str) -> HttpResponse:
    return _report(request, _client(request, client_id), kind, client=True)


@profile_required
@require_safe
def own_report_page(request: HttpRequest) -> HttpResponse:
    start, end = _default_range()
    return render_page(
        request,
        OWN_REPORT_TEMPLATE,
        {"report_form": ReportRangeForm(initial={"start": start, "end": end})},
    )


@profile_required
@require_safe
def own_report(request: HttpRequest, kind: str) -> HttpResponse:
    return _report(request, request_user(request), kind, client=False)
