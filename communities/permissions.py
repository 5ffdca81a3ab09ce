"""The one place that answers "may this person do this in this community".

`Access` is built once per request for (user, community). Views ask `access.require(...)`,
templates ask `access.can(...)`, selectors take the `Access` to filter. A person who may not see a
community gets 404, the same answer as for a community that does not exist; a person who may see
it but not act gets 403.

Object rules ("may this organizer demote that member") are plain functions below, one condition
per line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from communities.models import Community, HelpRequest, Invitation, Membership, SiteSettings

Role = Membership.Role

# What everyone who can see the community may do (anonymous visitors of a public one included).
VIEW = frozenset({"community.view"})
# What an active member may do.
MEMBER = VIEW | {
    "community.leave",
    "member.list",
    "forum.post",
    "forum.react",
    "forum.flag",
    "document.upload",
    "assessment.respond",
    "assessment.story",
    "help.ask",
}
FACILITATOR = MEMBER | {
    "community.facilitate",
    "member.suspend",
    "join_request.decide",
    "invitation.manage",
    "audit.view",
    "forum.moderate",
    "document.manage",
    "assessment.manage",
    "assessment.results",
    "help.answer",
}
ORGANIZER = FACILITATOR | {"community.manage", "member.promote", "assessment.report"}
# Site staff oversee every community read-only; they act through /admin/.
STAFF = VIEW | {"member.list", "audit.view"}

ROLE_CAPABILITIES = {Role.MEMBER: MEMBER, Role.FACILITATOR: FACILITATOR, Role.ORGANIZER: ORGANIZER}
# What an archived (read-only) community still allows its members. Organizers keep
# "community.manage" for the closure flow (reopening); roles wait for the community to reopen
# (issue 16: "member.promote" let an organizer change roles in a closed community).
READ_ONLY = VIEW | {
    "community.leave",
    "member.list",
    "audit.view",
    "community.manage",
    "community.facilitate",
    "assessment.results",
    "assessment.report",
}


@dataclass(frozen=True)
class Access:
    """What one person may do in one community."""

    user: object
    community: Community
    membership: Membership | None
    capabilities: frozenset = field(default_factory=frozenset)

    def can(self, capability: str) -> bool:
        return capability in self.capabilities

    def require(self, capability: str) -> None:
        """Raise 404 to those who may not see the community, 403 to those who may not act."""
        if self.can(capability):
            return
        if not self.can("community.view"):
            raise Http404
        raise PermissionDenied

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def is_member(self) -> bool:
        """An active member, whatever the role."""
        return self.membership is not None and self.membership.is_active

    @property
    def is_suspended(self) -> bool:
        return self.membership is not None and not self.membership.is_active

    @property
    def role(self) -> str | None:
        return self.membership.role if self.is_member else None

    @property
    def can_join(self) -> bool:
        """Whether to offer joining (at once or by request) to this person."""
        return (
            self.is_authenticated
            and self.membership is None
            and not self.community.is_archived
            and self.community.join_policy != Community.JoinPolicy.INVITE
            and self.can("community.view")
        )


# What a silenced member loses until the silence ends: they may read, not write.
SILENCED_LOSES = frozenset({"forum.post", "document.upload", "assessment.story"})


def _capabilities(user, community: Community, membership: Membership | None) -> frozenset:
    if membership is not None and membership.is_active:
        capabilities = ROLE_CAPABILITIES[membership.role]
        if community.is_archived:
            capabilities = capabilities & READ_ONLY
        if membership.is_silenced:
            capabilities = capabilities - SILENCED_LOSES
        return capabilities
    if getattr(user, "is_staff", False) and user.is_active:
        return STAFF
    if membership is not None:
        # Suspended: nothing of a private community; a public one only as anyone sees it.
        return VIEW if community.is_public else frozenset()
    if community.is_public:
        return VIEW
    return frozenset()


def access_for(user, community: Community, membership: Membership | None = None) -> Access:
    """Build the Access of a person in a community (membership looked up unless given)."""
    if membership is None and getattr(user, "is_authenticated", False):
        membership = Membership.objects.filter(community=community, user=user).first()
    return Access(user, community, membership, _capabilities(user, community, membership))


def access_community_by_slug(request: HttpRequest, slug: str) -> Access:
    """The request's Access to the community at `slug`; 404 when missing or invisible.

    Cached on the request, so every check of one request shares one lookup.
    """
    cached = getattr(request, "_community_access", None)
    if cached is not None and cached.community.slug == slug:
        return cached
    community = Community.objects.filter(slug=slug).first()
    if community is None:
        raise Http404
    access = access_for(request.user, community)
    if not access.can("community.view") and not access.is_suspended:
        raise Http404
    request._community_access = access
    return access


def can_request_with_key(user, community: Community, key: str) -> bool:
    """A private community that takes join requests shows its request form to holders of its
    request link, and to no one else."""
    if not getattr(user, "is_authenticated", False):
        return False
    return request_key_matches(community, key)


def request_key_matches(community: Community, key: str) -> bool:
    """Whether `key` is the community's request link key, while the link takes requests."""
    if not key:
        return False
    if community.join_policy != Community.JoinPolicy.REQUEST:
        return False
    if community.is_archived:
        return False
    # Compared as bytes: secrets.compare_digest refuses a str holding anything but ASCII.
    return constant_time_compare(key, community.join_key)


def communities_visible_to(user) -> QuerySet[Community]:
    """The communities a person may see at all (the public ones and their own)."""
    visible = Q(visibility=Community.Visibility.PUBLIC)
    if getattr(user, "is_authenticated", False):
        if user.is_staff:
            return Community.objects.all()
        visible |= Q(memberships__user=user, memberships__state=Membership.State.ACTIVE)
    return Community.objects.filter(visible).distinct()


def can_create_community(user) -> bool:
    """Who may start a community: anyone signed in, or only the people site staff marked as
    organizers, as the site settings say (staff always may)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_staff:
        return True
    if SiteSettings.current().community_creators == SiteSettings.Creators.ANYONE:
        return True
    return user.may_create_communities


# --- Object rules ---------------------------------------------------------------------------


def organizer_count(community: Community) -> int:
    return Membership.objects.filter(
        community=community, role=Role.ORGANIZER, state=Membership.State.ACTIVE
    ).count()


def can_leave(membership: Membership) -> bool:
    """Anyone may leave, except the last organizer (someone must be able to manage) and a
    suspended member (leaving and joining again would lift the suspension)."""
    if not membership.is_active:
        return False
    if membership.role != Role.ORGANIZER:
        return True
    return organizer_count(membership.community) > 1


def can_change_role(access: Access, target: Membership, new_role: str) -> bool:
    """Organizers promote and demote; the last organizer cannot demote themselves."""
    if not access.can("member.promote"):
        return False
    if new_role not in Role.values:
        return False
    if target.community_id != access.community.pk:
        return False
    if target.role == new_role:
        return False
    if not target.is_active:
        return False
    if target.role == Role.ORGANIZER and organizer_count(target.community) <= 1:
        return False
    return True


def can_suspend(access: Access, target: Membership) -> bool:
    """Facilitators suspend members; never themselves, and never someone of a higher role."""
    if not access.can("member.suspend"):
        return False
    if target.community_id != access.community.pk:
        return False
    if target.user_id == getattr(access.user, "pk", None):
        return False
    if not target.is_active:
        return False
    if target.role == Role.ORGANIZER:
        return False
    if target.role == Role.FACILITATOR and access.role != Role.ORGANIZER:
        return False
    return True


def can_reinstate(access: Access, target: Membership) -> bool:
    """Facilitators lift a suspension."""
    if not access.can("member.suspend"):
        return False
    if target.community_id != access.community.pk:
        return False
    return not target.is_active


def can_invite_with_role(access: Access, role: str) -> bool:
    """Facilitators invite members; only organizers invite facilitators and organizers."""
    if not access.can("invitation.manage"):
        return False
    if role == Role.MEMBER:
        return True
    return access.can("member.promote")


def can_accept_invitation(user, invitation: Invitation) -> bool:
    """A usable invitation, for its addressee (email invitations) or anyone (links)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if not invitation.is_usable:
        return False
    if invitation.community.is_archived:
        return False
    if invitation.kind == Invitation.Kind.EMAIL:
        return user.emailaddress_set.filter(email__iexact=invitation.email, verified=True).exists()
    return True


# --- Forum rules (the forums app passes its objects; this module never imports it) ----------


def can_post_in(access: Access, thread=None, forum=None) -> bool:
    """Members post, unless the community is archived, the forum archived or the thread locked;
    moderators may still post in a locked thread."""
    if not access.can("forum.post"):
        return False
    if forum is not None and forum.is_archived:
        return False
    if thread is not None and thread.is_locked and not access.can("forum.moderate"):
        return False
    return True


def can_edit_post(access: Access, post) -> bool:
    """Authors edit their own posts; moderators edit any post."""
    if access.can("forum.moderate"):
        return True
    if not access.can("forum.post"):
        return False
    if post.author_id is None:
        return False
    return post.author_id == getattr(access.user, "pk", None)


def can_see_post(access: Access, post) -> bool:
    """Hidden and pending posts show to moderators and to their author only."""
    if not access.can("community.view"):
        return False
    if post.hidden_at is None and not post.is_pending:
        return True
    if access.can("forum.moderate"):
        return True
    return post.author_id is not None and post.author_id == getattr(access.user, "pk", None)


def can_see_thread(access: Access, thread) -> bool:
    """A hidden thread, or one with nothing visible yet (its first post held for approval),
    shows to moderators and to its author only, as in the thread lists."""
    if not access.can("community.view"):
        return False
    if thread.hidden_at is None and thread.post_count > 0:
        return True
    if access.can("forum.moderate"):
        return True
    return thread.author_id is not None and thread.author_id == getattr(access.user, "pk", None)


# --- Answers and summaries (issue 16) (the forums app passes its threads) --------------------


def can_mark_answer(access: Access, thread) -> bool:
    """In a questions forum, the asker or a moderator marks (or unmarks) the answer, unless the
    community or the forum is archived."""
    if not access.can("forum.post"):
        return False
    if thread.forum.kind != "questions":
        return False
    if thread.forum.is_archived:
        return False
    if access.can("forum.moderate"):
        return True
    return _is_own(access, thread, "author_id")


def can_summarize(access: Access, thread) -> bool:
    """Moderators write a thread's summary, unless the community or the forum is archived."""
    if not access.can("forum.moderate"):
        return False
    return not thread.forum.is_archived


def can_flag(access: Access, post) -> bool:
    """Members flag others' visible posts, once each (the service refuses a second flag)."""
    if not access.can("forum.flag"):
        return False
    if post.author_id == getattr(access.user, "pk", None):
        return False
    if post.hidden_at is not None:
        return False
    return True


def can_silence(access: Access, target: Membership) -> bool:
    """Silencing follows the rules of suspending."""
    return can_suspend(access, target)


def can_see_community(user, community: Community) -> bool:
    """Whether a person may see a community's content at all (for mentions and search)."""
    return access_for(user, community).can("community.view")


# --- Email (communities.notification_emails) ----------------------------------------------------


def facilitates_somewhere(user) -> bool:
    """Whether a person facilitates (or organizes) a community now: they choose the facilitators'
    kinds of email."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.filter(
        user=user, state=Membership.State.ACTIVE, role__in=[Role.FACILITATOR, Role.ORGANIZER]
    ).exists()


def may_email_about(user, community: Community, membership: Membership | None) -> bool:
    """Whether something of this community may be emailed to this person at send time: an active
    member who may see it (someone who left, was suspended or never joined gets nothing).
    `membership` is the person's membership of the community, None when they have none."""
    if membership is None:
        return False
    if not membership.is_active:
        return False
    return access_for(user, community, membership).can("community.view")


# --- Document rules (the documents app passes its objects; this module never imports it) ------


def _is_own(access: Access, obj, field: str) -> bool:
    owner_id = getattr(obj, field)
    return owner_id is not None and owner_id == getattr(access.user, "pk", None)


def can_change_document(access: Access, document) -> bool:
    """Uploaders edit, version and trash their documents; facilitators any document."""
    if access.can("document.manage"):
        return True
    if not access.can("document.upload"):
        return False
    return _is_own(access, document, "uploaded_by_id")


def can_see_document(access: Access, document) -> bool:
    """Documents in the trash show to those who may restore them."""
    if not access.can("community.view"):
        return False
    if document.trashed_at is None:
        return True
    return can_change_document(access, document)


def can_change_folder(access: Access, folder) -> bool:
    """Members who may upload create folders; their creator or a facilitator renames or
    deletes one."""
    if access.can("document.manage"):
        return True
    if not access.can("document.upload"):
        return False
    return _is_own(access, folder, "created_by_id")


# --- Assessments ------------------------------------------------------------------------------


def can_respond(access: Access, cycle, *, now=None) -> bool:
    """Members answer a cycle while it is open (and edit their answers until it closes)."""
    if not access.can("assessment.respond"):
        return False
    return cycle.is_open_at(now or timezone.now())


def can_see_results(access: Access, cycle, *, now=None) -> bool:
    """Facilitators see every cycle's results; members those shared with them, once closed."""
    if access.can("assessment.results"):
        return True
    if not access.is_member:
        return False
    if not cycle.results_shared:
        return False
    return cycle.closes_at <= (now or timezone.now())


def can_edit_story(access: Access, story) -> bool:
    """Authors edit their value stories while they may write; facilitators any story."""
    if access.can("assessment.manage"):
        return True
    if not access.can("assessment.story"):
        return False
    return _is_own(access, story, "author_id")


# --- Community guidelines (the facilitation app passes its objects) ----------------------------


def can_see_guidelines(access: Access, guidelines) -> bool:
    """Published guidelines show to everyone who sees the community; a draft to facilitators."""
    if not access.can("community.view"):
        return False
    if guidelines.published_at is not None:
        return True
    return access.can("community.facilitate")


# --- Help desk --------------------------------------------------------------------------------


def can_see_help_request(access: Access, help_request: HelpRequest) -> bool:
    """A help request is private to the member who asked and the community's facilitators."""
    if help_request.community_id != access.community.pk:
        return False
    if can_see_help_queue(access):
        return True
    if not access.is_member:
        return False
    return help_request.asker_id == getattr(access.user, "pk", None)


def can_use_help_desk(access: Access) -> bool:
    """Active members have a help desk page: their own requests (only to read once the
    community is archived), and for facilitators the community's queue."""
    return access.is_member


def can_see_help_queue(access: Access) -> bool:
    """Facilitators see every request of the community (still, read-only, once it is
    archived)."""
    if access.can("help.answer"):
        return True
    return access.can("community.facilitate")


def _asker_or_facilitator(access: Access, help_request: HelpRequest, *, closed: bool) -> bool:
    """A facilitator, or the member who asked, on a request that is closed or not (`closed`)."""
    if not can_see_help_request(access, help_request):
        return False
    if (help_request.state == HelpRequest.State.CLOSED) != closed:
        return False
    if access.can("help.answer"):
        return True
    return access.can("help.ask") and help_request.asker_id == getattr(access.user, "pk", None)


def can_reply_help(access: Access, help_request: HelpRequest) -> bool:
    """The asker and the facilitators write in a request until it is closed (reopen it
    first); a silenced member still may, a suspended one or an archived community not."""
    return _asker_or_facilitator(access, help_request, closed=False)


def can_close_help(access: Access, help_request: HelpRequest) -> bool:
    """The asker or a facilitator closes a request that is not closed yet."""
    return _asker_or_facilitator(access, help_request, closed=False)


def can_reopen_help(access: Access, help_request: HelpRequest) -> bool:
    """The asker or a facilitator reopens a closed request."""
    return _asker_or_facilitator(access, help_request, closed=True)


# --- Facilitator's dashboard ------------------------------------------------------------------


def can_nudge(access: Access, target: Membership) -> bool:
    """Facilitators nudge an active member of their community (not themselves); an archived
    community is read-only, so nobody is nudged there."""
    if not access.can("community.facilitate"):
        return False
    if access.community.is_archived:
        return False
    if target.community_id != access.community.pk:
        return False
    if not target.is_active:
        return False
    return target.user_id != getattr(access.user, "pk", None)


# --- Archived communities (issue 16) ----------------------------------------------------------
# Organizers keep "community.manage" in an archived community to reach the closure flow; every
# other write waits for the community to be reopened.


def can_close_or_reopen(access: Access) -> bool:
    """Organizers close their community (read-only for everyone) and reopen it."""
    return access.can("community.manage")


def can_change_settings(access: Access) -> bool:
    """Organizers change the settings of an active community; a closed one is reopened first."""
    if not access.can("community.manage"):
        return False
    return not access.community.is_archived


# --- Knowledge (issue 16) (the facilitation app passes its knowledge entries) ------------------


def allows_public_knowledge(community: Community) -> bool:
    """Knowledge may be public only where the organizer allows it and the community is public."""
    if not community.allow_public_knowledge:
        return False
    return community.is_public


def can_curate_knowledge(access: Access) -> bool:
    """Facilitators promote threads, posts, documents and value stories to knowledge; an
    archived community is read-only."""
    if not access.can("community.facilitate"):
        return False
    return not access.community.is_archived


def _is_steward(access: Access, entry) -> bool:
    return access.is_member and _is_own(access, entry, "steward_id")


def can_change_knowledge(access: Access, entry) -> bool:
    """Facilitators and the entry's steward edit it, publish, retire or confirm its review;
    nobody in an archived community."""
    if entry.community_id != access.community.pk:
        return False
    if access.community.is_archived:
        return False
    if access.can("community.facilitate"):
        return True
    return _is_steward(access, entry)


def can_see_knowledge_entry(access: Access, entry) -> bool:
    """A published public entry of a community that allows public knowledge shows to anyone
    (even once the community is archived); a published members-only one to its members; drafts
    and retired entries to facilitators and the steward."""
    if entry.community_id != access.community.pk:
        return False
    published = entry.status == "published"
    if published and entry.visibility == "public" and allows_public_knowledge(access.community):
        return True
    if not access.can("community.view"):
        return False
    if access.can("community.facilitate"):
        return True
    if _is_steward(access, entry):
        return True
    return published and access.is_member


def can_see_value_story(access: Access, story) -> bool:
    """Value stories show to the community's members and to those who see its results (as
    assessments.selectors.stories_of), for the knowledge entries that cite them."""
    if story.community_id != access.community.pk:
        return False
    return access.is_member or access.can("assessment.results")
