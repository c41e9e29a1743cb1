"""The person's side of dietitian links: "Your dietitian" settings, invitations, revoking.

Who may answer an invitation is decided in accounts.link_services; these views only
show the outcome. A refused invitation links nothing and says why.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import link_services
from accounts.link_forms import (
    DietitianInviteForm,
    DietitianRequestForm,
    InvitationCodeForm,
    LinkRightsForm,
    apply_invitation_error,
)
from accounts.models import DietitianLink, Invitation, InvitationDirection
from accounts.request_user import request_user
from accounts.selectors import (
    access_log_of,
    client_link_get_for,
    clients_of,
    dietitian_links_of,
    dietitian_request_pending,
    invitation_by_code,
    invitation_by_token,
    invitations_received,
    invitations_sent,
    party_link_get_for,
)
from mgplanner.forms import apply_validation_error
from mgplanner.rendering import render_page

SETTINGS_TEMPLATE = "accounts/dietitians.html"


def _rights_form(link: DietitianLink, data: dict[str, object] | None = None) -> LinkRightsForm:
    """The rights form of one link on the settings page: prefixed, so each link's checkboxes
    have their own ids."""
    return LinkRightsForm(
        data,
        prefix=f"link-{link.pk}",
        initial={"can_edit_plans": link.can_edit_plans, "can_set_target": link.can_set_target},
    )


def _settings_page(
    request: HttpRequest,
    *,
    invite_form: DietitianInviteForm | None = None,
    code_form: InvitationCodeForm | None = None,
    request_form: DietitianRequestForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request_user(request)
    links = list(dietitian_links_of(client=user))
    return render_page(
        request,
        SETTINGS_TEMPLATE,
        {
            # A dietitian whose role an admin withdrew sees nothing: their link is listed
            # apart, as suspended, not among those who can see the plan.
            "links": [
                (
                    link,
                    link_services.link_abilities(
                        can_edit_plans=link.can_edit_plans, can_set_target=link.can_set_target
                    ),
                    _rights_form(link),
                )
                for link in links
                if link.dietitian.is_dietitian
            ],
            "suspended_links": [link for link in links if not link.dietitian.is_dietitian],
            # Each with why the user cannot answer it, if so (a person's invitation for a
            # dietitian, while the user is not one): listed, but not as something to answer.
            "received": [
                (invitation, link_services.invitation_problem_of(invitation, user))
                for invitation in invitations_received(user=user)
            ],
            "sent": list(
                invitations_sent(user=user).filter(
                    direction=InvitationDirection.CLIENT_INVITES_DIETITIAN
                )
            ),
            "access_log": access_log_of(client=user),
            "invite_form": invite_form or DietitianInviteForm(),
            "code_form": code_form or InvitationCodeForm(),
            "request_form": request_form or DietitianRequestForm(),
            "pending_request": dietitian_request_pending(user=user),
            "client_count": clients_of(user).count(),
        },
        status=status,
    )


@login_required
@require_safe
def dietitians(request: HttpRequest) -> HttpResponse:
    """Your dietitian: who is linked, invitations, revoke, and who looked at your plan."""
    return _settings_page(request)


@login_required
@require_POST
def dietitian_invite(request: HttpRequest) -> HttpResponse:
    """A person invites a dietitian by email, choosing what the link will allow."""
    form = DietitianInviteForm(request.POST)
    if form.is_valid():
        try:
            invitation, token = link_services.invitation_create(
                sender=request_user(request),
                addressee_email=form.cleaned_data["email"],
                direction=InvitationDirection.CLIENT_INVITES_DIETITIAN,
                can_edit_plans=form.cleaned_data["can_edit_plans"],
                can_set_target=form.cleaned_data["can_set_target"],
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
                f"Invitation sent to {invitation.addressee_email}. They can also enter the "
                f"code {invitation.code}. It works once, for 7 days.",
            )
            return HttpResponseRedirect(reverse("accounts:dietitians"))
    return _settings_page(request, invite_form=form, status=422)


@login_required
@require_POST
def dietitian_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """End a link at once, from either side; someone else's link is a 404."""
    user = request_user(request)
    link = party_link_get_for(user=user, pk=pk)
    link_services.link_revoke(link=link, by=user)
    if link.client_id == user.pk:
        messages.success(request, f"{link.dietitian.name} no longer has access to your plan.")
        return HttpResponseRedirect(reverse("accounts:dietitians"))
    messages.success(request, f"You no longer have access to {link.client.name}'s plan.")
    return HttpResponseRedirect(reverse("clients:list"))


@login_required
@require_POST
def dietitian_rights(request: HttpRequest, pk: int) -> HttpResponse:
    """The person changes what a linked dietitian may do; it holds from their next request.
    Only the client's own active links: anything else is a 404."""
    user = request_user(request)
    link = client_link_get_for(client=user, pk=pk)
    form = _rights_form(link, request.POST)
    # Two optional checkboxes: every POST is valid, an absent box being an unticked one.
    form.is_valid()
    try:
        link = link_services.link_rights_set(
            link=link,
            by=user,
            can_edit_plans=form.cleaned_data["can_edit_plans"],
            can_set_target=form.cleaned_data["can_set_target"],
        )
    except ValidationError as error:
        # Ended meanwhile (from the other side): say so rather than pretend it was saved.
        messages.error(request, " ".join(error.messages))
    else:
        edit = "may" if link.can_edit_plans else "may not"
        target = "may" if link.can_set_target else "may not"
        messages.success(
            request,
            f"Saved: {link.dietitian.name} {edit} edit your plan and {target} set your target.",
        )
    return HttpResponseRedirect(f"{reverse('accounts:dietitians')}#link-{link.pk}")


@login_required
@require_POST
def dietitian_request(request: HttpRequest) -> HttpResponse:
    """Ask for a dietitian account; an admin approves it in the admin."""
    form = DietitianRequestForm(request.POST)
    if form.is_valid():
        try:
            link_services.dietitian_request_create(
                user=request_user(request), message=form.cleaned_data["message"]
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, "Request sent. An admin will look at it.")
            return HttpResponseRedirect(reverse("accounts:dietitians"))
    return _settings_page(request, request_form=form, status=422)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_code(request: HttpRequest) -> HttpResponse:
    """Type the code of an invitation instead of following its link."""
    form = InvitationCodeForm(request.POST or None)
    if form.is_bound and form.is_valid():
        invitation = invitation_by_code(form.cleaned_data["code"])
        if invitation is not None:
            return HttpResponseRedirect(
                reverse("accounts:invitation_by_code", args=[invitation.code])
            )
        form.add_error("code", "No invitation has that code. Check the letters and digits.")
    if form.is_bound:
        return _settings_page(request, code_form=form, status=422)
    return HttpResponseRedirect(reverse("accounts:dietitians") + "#invitation-code")


def _invitation_page(request: HttpRequest, invitation: Invitation | None) -> HttpResponse:
    if invitation is None:
        raise Http404("No such invitation.")
    user = request_user(request)
    problem = link_services.invitation_problem_of(invitation, user)
    for_client = invitation.direction == InvitationDirection.DIETITIAN_INVITES_CLIENT
    # The person who accepts a dietitian's invitation chooses the rights; a dietitian who
    # accepts a person's gets those the person chose when inviting.
    rights_form = LinkRightsForm(request.POST or None) if for_client else None
    if request.method == "POST" and problem is None:
        try:
            if request.POST.get("answer") == "accept":
                rights: dict[str, bool] = {}
                if rights_form is not None and rights_form.is_valid():
                    rights = {
                        "can_edit_plans": rights_form.cleaned_data["can_edit_plans"],
                        "can_set_target": rights_form.cleaned_data["can_set_target"],
                    }
                link = link_services.invitation_accept(invitation=invitation, user=user, **rights)
                if link.dietitian_id == user.pk:
                    messages.success(request, f"{link.client.name} is now your client.")
                    return HttpResponseRedirect(reverse("clients:list"))
                messages.success(
                    request, f"{link.dietitian.name} can now see and help with your plan."
                )
            else:
                link_services.invitation_decline(invitation=invitation, user=user)
                messages.success(request, "Invitation declined; nothing was shared.")
            return HttpResponseRedirect(reverse("accounts:dietitians"))
        except ValidationError as error:
            # Answered or expired since the page loaded: the service's re-check says which.
            problem = link_services.InvitationProblem.refused(error)
    # Gone for a used or expired invitation; forbidden for the wrong person; unprocessable
    # when the two are already linked (accepting would change nothing: rights stay the client's).
    status = 200
    if problem is not None:
        status = 410 if problem.gone else 422 if problem.code == "linked" else 403
    return render_page(
        request,
        "accounts/invitation.html",
        {
            "invitation": invitation,
            "problem": problem.message if problem is not None else None,
            "for_client": for_client,
            # The person sees what any link allows and ticks the rest; the dietitian sees
            # what this one will allow.
            "abilities": (
                link_services.link_abilities(can_edit_plans=False, can_set_target=False)
                if for_client
                else link_services.link_abilities(
                    can_edit_plans=invitation.can_edit_plans,
                    can_set_target=invitation.can_set_target,
                    for_dietitian=True,
                )
            ),
            "rights_form": rights_form,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    return _invitation_page(request, invitation_by_token(token))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_by_code_page(request: HttpRequest, code: str) -> HttpResponse:
    return _invitation_page(request, invitation_by_code(code))
