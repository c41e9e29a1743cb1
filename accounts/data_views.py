"""Your data: download it all (JSON, or CSVs in a zip) and delete the account."""

import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from accounts.data_rights import (
    CONFIRM_WORD,
    account_data,
    account_data_csv_zip,
    account_delete,
    account_delete_summary,
)
from accounts.models import User
from accounts.request_user import request_user
from mgplanner.forms import apply_validation_error
from mgplanner.rendering import render_page


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password", strip=False, widget=forms.PasswordInput(), max_length=4096
    )
    confirm = forms.CharField(
        label=f"Type {CONFIRM_WORD} to confirm",
        max_length=20,
        help_text="Deleting cannot be undone: download your data first if you want to keep it.",
    )

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value.upper() != CONFIRM_WORD:
            raise ValidationError(f"Type {CONFIRM_WORD} to confirm; nothing was deleted.")
        return value


def _filename(user: User, extension: str) -> str:
    return f"mgplanner-data-{user.pk}-{timezone.localdate():%Y-%m-%d}.{extension}"


def _page(request: HttpRequest, form: AccountDeleteForm, status: int = 200) -> HttpResponse:
    return render_page(
        request,
        "accounts/data.html",
        {"form": form, "summary": account_delete_summary(user=request_user(request))},
        block="delete_form",
        status=status,
    )


@login_required
@require_safe
def data_page(request: HttpRequest) -> HttpResponse:
    return _page(request, AccountDeleteForm())


@login_required
@require_safe
def data_export_json(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    body = json.dumps(account_data(user=user), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(user, "json")}"'
    return response


@login_required
@require_safe
def data_export_csv(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    response = HttpResponse(account_data_csv_zip(user=user), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{_filename(user, "zip")}"'
    return response


@login_required
@require_http_methods(["POST"])
def account_delete_view(request: HttpRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            account_delete(user=request_user(request), password=form.cleaned_data["password"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            logout(request)
            messages.success(request, "Your account and your data are deleted.")
            url = reverse("home")
            if request.htmx:  # type: ignore[attr-defined]
                response = HttpResponse(status=204)
                response["HX-Redirect"] = url
                return response
            return HttpResponseRedirect(url)
    return _page(request, form, status=422)
