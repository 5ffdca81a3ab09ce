from django import forms
from django.contrib import admin
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from communities import services
from communities.models import (
    Activity,
    AuditEvent,
    Community,
    Invitation,
    JoinRequest,
    Membership,
    Notification,
    SiteSettings,
    SlugRedirect,
)
from communities.services.communities import SETTINGS_FIELDS


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fields = ["user", "role", "state", "joined_at"]
    readonly_fields = ["joined_at"]


class CommunityAddForm(forms.ModelForm):
    """Site staff create a community for someone: that person becomes its first organizer."""

    organizer = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("email"),
        label=_("Organizer"),
        help_text=_("The person who will run the community; they become its first organizer."),
    )

    class Meta:
        model = Community
        fields = ["name", "slug", "theme", "description", "visibility", "join_policy", "language"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    """Creating and changing a community here goes through the same services as the site (the
    organizer is made, the description rendered, the audit log written)."""

    list_display = ["name", "slug", "visibility", "join_policy", "language", "status", "created_at"]
    list_filter = ["visibility", "join_policy", "language", "status"]
    search_fields = ["name", "slug", "theme"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_by", "created_at", "updated_at"]
    # The orientation is the setup wizard's; a raw JSON box is no way to edit it.
    exclude = ["orientation"]
    inlines = [MembershipInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CommunityAddForm
            kwargs["fields"] = [*CommunityAddForm.Meta.fields, "organizer"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": [*CommunityAddForm.Meta.fields, "organizer"]})]
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        ip = request.META.get("REMOTE_ADDR")
        if not change:
            fields = {name: form.cleaned_data[name] for name in CommunityAddForm.Meta.fields}
            created = services.create_community(
                actor=request.user, organizer=form.cleaned_data["organizer"], ip=ip, **fields
            )
            # The admin goes on with this object (its address, its log entry).
            obj.pk = created.pk
            obj._state.adding = False
            return
        stored = Community.objects.get(pk=obj.pk)
        changes = {
            name: getattr(obj, name) for name in form.changed_data if name in SETTINGS_FIELDS
        }
        services.update_community_settings(stored, actor=request.user, changes=changes, ip=ip)


@admin.register(SiteSettings)
class SiteSettingsAdmin(admin.ModelAdmin):
    """The installation's one row of settings: the list opens it, changes are audited."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        return redirect("admin:communities_sitesettings_change", 1)

    def get_object(self, request, object_id, from_field=None):
        # The defaults until staff first save them.
        return SiteSettings.current() if str(object_id) == "1" else None

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        services.update_site_settings(
            actor=request.user, changes=changes, ip=request.META.get("REMOTE_ADDR")
        )


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
