from django.contrib import admin

from communities.models import (
    Activity,
    AuditEvent,
    Community,
    Invitation,
    JoinRequest,
    Membership,
    Notification,
    SlugRedirect,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "state", "joined_at"]
    readonly_fields = ["joined_at"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visibility", "join_policy", "language", "status", "created_at"]
    list_filter = ["visibility", "join_policy", "language", "status"]
    search_fields = ["name", "slug", "theme"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "role", "state", "joined_at"]
    list_filter = ["role", "state", "community"]
    search_fields = ["user__email", "user__display_name", "community__name"]
    autocomplete_fields = ["user", "community"]
    list_select_related = ["user", "community"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "community",
        "kind",
        "role",
        "use_count",
        "max_uses",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["kind", "role", "community"]
    search_fields = ["email", "community__name"]
    readonly_fields = ["token", "created_at", "use_count", "last_sent_at"]
    list_select_related = ["community"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "community", "state", "created_at", "decided_by", "decided_at"]
    list_filter = ["state", "community"]
    search_fields = ["user__email", "community__name", "message"]
    list_select_related = ["user", "community", "decided_by"]


@admin.register(SlugRedirect)
class SlugRedirectAdmin(admin.ModelAdmin):
    list_display = ["old_slug", "community", "created_at"]
    search_fields = ["old_slug", "community__name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "community", "actor", "verb", "summary"]
    list_filter = ["verb", "community"]
    list_select_related = ["community", "actor"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "recipient", "verb", "text", "read_at"]
    list_filter = ["verb"]
    search_fields = ["recipient__email", "summary"]
    list_select_related = ["recipient"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "community", "actor_label", "action", "target_label", "ip"]
    list_filter = ["action", "community"]
    search_fields = ["actor_label", "target_label", "action"]
    list_select_related = ["community"]
