from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.data_rights import account_delete_summary, account_remove
from accounts.link_services import dietitian_request_decide, link_end
from accounts.models import AccessLog, DietitianLink, DietitianRequest, User


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _is_own(request: HttpRequest, user: User) -> bool:
    return user.pk == request.user.pk


def account_removal_lines(summary: dict[str, int]) -> list[str]:
    """What `account_remove` does to one account, in words, from `account_delete_summary`:
    the person's own data page says the same to them ("Delete your account")."""
    lines = [
        f"Deleted: their plan and everything in it ({_plural(summary['days'], 'day')}), "
        f"their recipes ({summary['recipes']}), custom foods, supplements, "
        "templates, and the edit history of their days and custom foods."
    ]
    if summary["links"]:
        lines.append(f"Ends {_plural(summary['links'], 'link')} with dietitians or clients.")
    if summary["recipes_used_by_others"]:
        count = summary["recipes_used_by_others"]
        lines.append(
            f"{count} of their shared recipes {'is' if count == 1 else 'are'} in other "
            "people's meals: they get their own copies first, so their days do not change."
        )
    if summary["shared_notes_kept"]:
        count = summary["shared_notes_kept"]
        lines.append(
            f"{_plural(count, 'note')} they shared with clients "
            f"{'stays' if count == 1 else 'stay'} with them, signed “a former dietitian”; "
            "their private notes are deleted."
        )
    if summary["custom_targets_kept"]:
        count = summary["custom_targets_kept"]
        lines.append(
            f"The magnesium target{'' if count == 1 else 's'} they set for "
            f"{_plural(count, 'client')} "
            f"{'stays' if count == 1 else 'stay'} with them, set by “a dietitian”."
        )
    if summary["access_log_kept"]:
        lines.append(
            f"The access log ({_plural(summary['access_log_kept'], 'entry', 'entries')} about "
            "them) is kept for their dietitians' records, without their name or email."
        )
    return lines


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "display_name", "is_dietitian", "is_staff", "is_active")
    list_filter = ("is_dietitian", "is_staff", "is_superuser", "is_active")
    search_fields = ("email", "display_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("display_name", "first_name", "last_name")}),
        (
            "Roles",
            {"fields": ("is_active", "is_dietitian", "is_staff", "is_superuser", "groups")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # Deleting runs `account_remove`, as the person's own "Delete my account" does: a plain
    # cascade stops at the items and doses that PROTECT custom foods and products, and would
    # skip the hand-over of shared recipes and keep the access log with their identity.

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        """Not one's own account: deleting it here would pull the session from under the
        request (its row goes with the user) and lose the admin's record of the deletion;
        their own data page asks for the password and logs them out properly."""
        if obj is not None and _is_own(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_deleted_objects(
        self, objs: Iterable[User], request: HttpRequest
    ) -> tuple[list[Any], dict[str, int], set[str], list[Any]]:
        """The confirmation page's list: per user, what the removal deletes, hands over and
        keeps, in place of Django's list of every row a cascade reaches (thousands for a
        planned year), which refuses at the PROTECTed rows the removal deletes first.
        One's own account among those selected is refused with a pointer to its page."""
        users = list(objs)
        listed: list[Any] = []
        totals: Counter[str] = Counter()
        for user in users:
            summary = account_delete_summary(user=user)
            totals.update(summary)
            listed += [self._user_link(user), account_removal_lines(summary)]
        refused = {
            f"your own account ({user.email}): delete it on its own page, "
            f"{reverse('accounts:data')}, which asks for your password and logs you out"
            for user in users
            if _is_own(request, user)
        }
        # A link between two of the selected counts once, not once from each end.
        links = DietitianLink.objects.filter(
            Q(client__in=users) | Q(dietitian__in=users), revoked_at__isnull=True
        )
        counts = {
            "users": len(users),
            "days in their plans": totals["days"],
            "recipes": totals["recipes"],
            "links with dietitians or clients": links.count(),
        }
        return listed, counts, refused, []

    @staticmethod
    def _user_link(user: User) -> SafeString:
        url = reverse("admin:accounts_user_change", args=[user.pk])
        return format_html('User: <a href="{}">{}</a>', url, user)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        account_remove(user=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """All or none: one failure leaves every selected account as it was."""
        with transaction.atomic():
            for user in list(queryset):
                account_remove(user=user)


@admin.register(DietitianRequest)
class DietitianRequestAdmin(admin.ModelAdmin):
    """Requests for a dietitian account; approving sets the user's is_dietitian."""

    list_display = ("user", "created_at", "decided_at", "approved")
    list_filter = ("approved",)
    search_fields = ("user__email", "user__display_name", "message")
    readonly_fields = ("user", "message", "created_at", "decided_at", "approved")
    actions = ("approve", "refuse")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Approve: make these accounts dietitian accounts")
    def approve(self, request: HttpRequest, queryset: QuerySet[DietitianRequest]) -> None:
        self._decide(request, queryset, approved=True)

    @admin.action(description="Refuse")
    def refuse(self, request: HttpRequest, queryset: QuerySet[DietitianRequest]) -> None:
        self._decide(request, queryset, approved=False)

    def _decide(
        self, request: HttpRequest, queryset: QuerySet[DietitianRequest], *, approved: bool
    ) -> None:
        """Answer the selected requests not answered yet; an answer is never changed, and
        the message says which were left as they were."""
        open_requests = list(queryset.filter(decided_at__isnull=True))
        for item in open_requests:
            dietitian_request_decide(request=item, approved=approved)
        verb = "Approved" if approved else "Refused"
        message = f"{verb} {len(open_requests)} request{'s' if len(open_requests) != 1 else ''}."
        answered = queryset.count() - len(open_requests)
        if answered:
            message += (
                " 1 had already been answered and was left as it was."
                if answered == 1
                else f" {answered} had already been answered and were left as they were."
            )
        self.message_user(request, message)


@admin.register(DietitianLink)
class DietitianLinkAdmin(admin.ModelAdmin):
    """Links are made by consent only, so the admin may look and end them (the action, which
    runs `link_end`: recipes handed over, open invitations closed) but not create one, give
    an ended one back, change its rights (the client's to choose), or delete one (which would
    skip `link_end` and lose the record that the two were linked)."""

    list_display = ("dietitian", "client", "accepted_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("dietitian__email", "client__email")
    fields = (
        "dietitian",
        "client",
        "created_at",
        "accepted_at",
        "revoked_at",
        "can_edit_plans",
        "can_set_target",
    )
    readonly_fields = fields
    actions = ("end_links",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description="End the selected links")
    def end_links(self, request: HttpRequest, queryset: QuerySet[DietitianLink]) -> None:
        live = list(queryset.filter(revoked_at__isnull=True))
        for link in live:
            link_end(link=link)
        ended = queryset.count() - len(live)
        message = f"Ended {len(live)} link{'s' if len(live) != 1 else ''}."
        if ended:
            message += f" {ended} had already ended."
        self.message_user(request, message)


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "dietitian", "client", "action", "path")
    list_filter = ("action",)
    search_fields = ("dietitian__email", "client__email", "path")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
