from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.link_services import dietitian_request_decide, link_end
from accounts.models import AccessLog, DietitianLink, DietitianRequest, User


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
