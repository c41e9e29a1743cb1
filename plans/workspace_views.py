"""The dietitian's workspace: clients sorted by need, inviting a client, a client's plan.

Dietitians only: for anyone else /clients/ does not exist (404). A client's week and day
are the planner's views under /clients/<id>/ (plans.workspace_urls).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from accounts import link_services
from accounts.link_forms import InviteForm, apply_invitation_error
from accounts.models import InvitationDirection, User
from accounts.request_user import request_user
from accounts.selectors import client_get_for, invitations_sent
from mgplanner.rendering import render_page
from plans.selectors import monday_of
from plans.workspace_selectors import WINDOW_DAYS, client_summaries


def _dietitian(request: HttpRequest) -> User:
    user = request_user(request)
    if not user.is_dietitian:
        raise Http404("No such page.")
    return user


def _list_page(
    request: HttpRequest, *, form: InviteForm | None = None, status: int = 200
) -> HttpResponse:
    dietitian = _dietitian(request)
    query = request.GET.get("q", "").strip()[:100]
    today = timezone.localdate()
    return render_page(
        request,
        "plans/clients.html",
        {
            "summaries": client_summaries(dietitian=dietitian, today=today, query=query),
            "query": query,
            "today": today,
            "this_week": monday_of(today),
            "window_days": WINDOW_DAYS,
            "invite_form": form or InviteForm(),
            "pending": list(
                invitations_sent(user=dietitian).filter(
                    direction=InvitationDirection.DIETITIAN_INVITES_CLIENT
                )
            ),
        },
        block="client_rows" if request.GET.get("fragment") == "rows" else None,
        status=status,
    )


@login_required
@require_safe
def client_list(request: HttpRequest) -> HttpResponse:
    """Clients sorted by need, with a search by name (live with htmx)."""
    return _list_page(request)


@login_required
@require_POST
def client_invite(request: HttpRequest) -> HttpResponse:
    """Invite a person by email: a one-time link by email, and a code shown here."""
    dietitian = _dietitian(request)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = link_services.invitation_create(
                sender=dietitian,
                addressee_email=form.cleaned_data["email"],
                direction=InvitationDirection.DIETITIAN_INVITES_CLIENT,
            )
        except ValidationError as error:
            apply_invitation_error(form, error)
        else:
            link_services.invitation_send(
                invitation=invitation,
                accept_url=request.build_absolute_uri(reverse("accounts:invitation", args=[token])),
            )
            messages.success(
                request,
                f"Invitation emailed to {invitation.addressee_email}. Their code: "
                f"{invitation.code} (works once, for 7 days, for that address only).",
            )
            return HttpResponseRedirect(reverse("clients:list"))
    return _list_page(request, form=form, status=422)


@login_required
@require_safe
def client_home(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's plan opens on this week."""
    client_get_for(dietitian=_dietitian(request), pk=client_id)
    week = monday_of(timezone.localdate())
    return HttpResponseRedirect(reverse("clients:week", args=[client_id, week.isoformat()]))
