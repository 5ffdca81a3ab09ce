"""Site staff see what the outbox holds; nothing is edited by hand."""

from django.contrib import admin

from core.models import OutboxEmail


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """Read-only: a row changed by hand could be sent twice or never."""

    list_display = ["key", "to", "created_at", "sent_at", "failed_at", "attempts"]
    list_filter = [
        ("sent_at", admin.EmptyFieldListFilter),
        ("failed_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["key", "to"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
