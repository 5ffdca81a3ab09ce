from django.contrib import admin

from forums.models import Attachment, Forum, Post, PostRevision, Reaction, Thread


@admin.register(Forum)
class ForumAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "slug", "position", "is_archived"]
    list_filter = ["is_archived", "community"]
    search_fields = ["name", "community__name"]
    list_select_related = ["community"]


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "forum",
        "community",
        "author",
        "post_count",
        "last_activity_at",
        "is_pinned",
        "is_locked",
    ]
    list_filter = ["is_pinned", "is_locked", "community"]
    search_fields = ["title", "author__email"]
    list_select_related = ["forum", "community", "author"]
    readonly_fields = ["post_count", "next_number", "created_at", "last_activity_at"]


class RevisionInline(admin.TabularInline):
    model = PostRevision
    extra = 0
    readonly_fields = ["body", "editor", "created_at"]
    can_delete = False


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["__str__", "author", "created_at", "edited_at"]
    search_fields = ["body", "thread__title", "author__email"]
    list_select_related = ["thread", "author"]
    readonly_fields = ["thread", "number", "author", "body_html", "created_at", "edited_at"]
    # Moderation hides; nothing a member wrote is deleted from here.
    inlines = [RevisionInline]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "content_type", "size", "created_at"]
    search_fields = ["name", "sha256"]
    list_select_related = ["community"]


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["post", "user", "kind", "created_at"]
    list_select_related = ["post", "user"]
