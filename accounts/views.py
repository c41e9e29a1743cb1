"""Sign-up, log-in and the password flows, and the nutrition profile with its wizard."""

from collections.abc import Collection
from typing import Any
from urllib.parse import urlencode

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.backends import USER_BACKEND
from accounts.decorators import profile_required, wizard_url
from accounts.forms import PROFILE_STEPS, EmailAuthenticationForm, SignUpForm
from accounts.models import Exclusion, Medication, User
from accounts.request_user import request_user
from accounts.selectors import (
    custom_target_changes,
    is_onboarded,
    profile_for,
    roles_of,
    target_line_of,
    target_on,
)
from accounts.services import custom_target_drop, profile_update, user_sign_up
from mgplanner.rendering import render_page

STEP_NAMES = list(PROFILE_STEPS)

# The wizard steps saved so far in this run of it, kept in the session. The profile cannot
# tell: the health and food answers all have defaults, so a skipped step looks answered.
# A run starts at step 1 after every log-in (LoginView, profile_required), so a new session
# starting the walk over asks nothing the person has not just seen, filled in from the profile.
WIZARD_DONE_KEY = "profile_wizard_done"


def first_step_missing(step: str, done: Collection[str]) -> str | None:
    """The first step before `step` not yet saved in this run of the wizard, if any."""
    return next((name for name in STEP_NAMES[: STEP_NAMES.index(step)] if name not in done), None)


def _safe_next(request: HttpRequest) -> str | None:
    """`next` from the query or form, if it points back into this site."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


class UnprocessableOnInvalid:
    """Django's auth views answer an invalid form with 200; the house answer is 422."""

    def form_invalid(self, form: Form) -> HttpResponse:
        response: HttpResponse = super().form_invalid(form)  # type: ignore[misc]
        response.status_code = 422
        return response


@require_http_methods(["GET", "HEAD", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            user = user_sign_up(
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password1"],
                display_name=form.cleaned_data["display_name"],
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                target = "password1" if field == "password" else field
                for message in field_messages:
                    form.add_error(target if target in form.fields else None, message)
        else:
            login(request, user, backend=USER_BACKEND)
            messages.success(request, "Welcome! Three short steps set up your magnesium target.")
            return redirect(wizard_url(_safe_next(request)))
    return render_page(
        request,
        "accounts/sign_up.html",
        {"form": form, "next": _safe_next(request)},
        status=422 if form.errors else 200,
    )


class LoginView(UnprocessableOnInvalid, auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        user = request_user(self.request)
        url = self.get_redirect_url() or landing_url(user)
        # First log-in of an account made outside sign-up (admin, createsuperuser): the wizard.
        if not is_onboarded(user=user):
            return wizard_url(url)
        return url


def landing_url(user: User) -> str:
    """Where a log-in (or the finished wizard) with no `next` goes: straight to work, a
    dietitian's clients or anyone else's week, not the front page's sign-up pitch."""
    return reverse("clients:list") if user.is_dietitian else reverse("plans:home")


class LogoutView(auth_views.LogoutView):
    """POST only (Django's own rule since 5.0): a link or a prefetch cannot log anyone out."""

    next_page = reverse_lazy("home")


class PasswordChangeView(UnprocessableOnInvalid, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(UnprocessableOnInvalid, auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(UnprocessableOnInvalid, auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form: Any) -> HttpResponse:
        # Whoever could read the reset email owns the account: the log-in lock that repeated
        # wrong passwords put on it (django-axes) goes with the old password.
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_safe
@profile_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    person_profile = profile_for(user=user)
    today = timezone.localdate()
    target = target_on(person_profile, today)
    context: dict[str, Any] = {
        "profile": person_profile,
        "roles": roles_of(user),
        "target": target,
        "target_line": target_line_of(person_profile, target, on=today) if target else None,
        "target_changes": custom_target_changes(person_profile),
        "today": today,
        # .get: a value retired from the choices still shows, by its stored name.
        "medication_labels": [
            dict(Medication.choices).get(name, name) for name in person_profile.medications
        ],
        "exclusion_labels": [
            dict(Exclusion.choices).get(name, name) for name in person_profile.exclusions
        ],
    }
    return render_page(request, "accounts/profile.html", context)


@require_POST
@login_required
def profile_target_drop(request: HttpRequest) -> HttpResponse:
    """The profile's "Back to the RDA": the person ends a custom target themself,
    whether or not the dietitian who set it still has access. The page uses no htmx: a
    plain post, then the profile with a message. Its cached day and week pages follow at
    once: the POST replaces the person's data stamp (mgplanner/page_cache.py)."""
    if custom_target_drop(person=request_user(request)):
        messages.success(request, "Your target is the RDA for your age and sex again.")
    else:
        messages.info(request, "Your target was already the RDA: there was no custom target.")
    return redirect("accounts:profile")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def profile_step(request: HttpRequest, step: str) -> HttpResponse:
    """One step of the wizard on first log-in; afterwards, the edit form for one section."""
    if step not in PROFILE_STEPS:
        raise Http404("No such profile step.")
    user = request_user(request)
    person_profile = profile_for(user=user)
    onboarding = person_profile.onboarded_at is None
    next_url = _safe_next(request)
    position = STEP_NAMES.index(step)
    is_last = position == len(STEP_NAMES) - 1
    form_class = PROFILE_STEPS[step]
    if onboarding:
        missing = first_step_missing(step, request.session.get(WIZARD_DONE_KEY, ()))
        if missing is not None:
            # GET and POST alike: a later step saved first would finish (or half-finish)
            # a profile whose earlier answers were never given. The POST saves nothing.
            return _to_missing_step(request, missing, next_url=next_url)

    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                profile_update(
                    user=user, finish_onboarding=onboarding and is_last, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return _after_step(request, step, onboarding=onboarding, next_url=next_url)
    else:
        form = form_class.for_profile(person_profile)

    previous_step = STEP_NAMES[position - 1] if position > 0 else None
    context = {
        "form": form,
        "step": step,
        "step_number": position + 1,
        "steps": PROFILE_STEPS,
        "onboarding": onboarding,
        "is_last": is_last,
        "previous_step": previous_step,
        "next": next_url,
    }
    return render_page(
        request, "accounts/profile_step.html", context, status=422 if form.has_problems else 200
    )


def _step_url(step: str, next_url: str | None) -> str:
    url = reverse("accounts:profile_step", args=[step])
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _to_missing_step(
    request: HttpRequest, step: str, *, next_url: str | None
) -> HttpResponseRedirect:
    number = STEP_NAMES.index(step) + 1
    messages.info(
        request,
        # Not "not saved yet": after a new log-in the walk starts again with the answers
        # already saved filled in, and this step asks to confirm them.
        f"Step {number}, {PROFILE_STEPS[step].title}, comes first: the set-up goes "
        "through the steps in order.",
    )
    return redirect(_step_url(step, next_url))


def _after_step(
    request: HttpRequest, step: str, *, onboarding: bool, next_url: str | None
) -> HttpResponseRedirect:
    if not onboarding:
        messages.success(request, f"{PROFILE_STEPS[step].title}: saved.")
        return redirect("accounts:profile")
    position = STEP_NAMES.index(step)
    if position < len(STEP_NAMES) - 1:
        done = set(request.session.get(WIZARD_DONE_KEY, ())) | {step}
        request.session[WIZARD_DONE_KEY] = sorted(done)
        return redirect(_step_url(STEP_NAMES[position + 1], next_url))
    request.session.pop(WIZARD_DONE_KEY, None)
    messages.success(request, "Your profile is set up. You can change it any time.")
    return redirect(next_url or landing_url(request_user(request)))
