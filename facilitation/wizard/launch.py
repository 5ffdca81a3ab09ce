"""Launching a community from a finished wizard draft: everything the organizer chose, made in
one transaction. Invitation emails are outbox rows of that transaction, sent once it commits: a
launch that fails half-way leaves no community and sends nothing."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from assessments.forms.cycles import DEFAULT_DURATION
from assessments.services.cycles import create_cycle
from assessments.services.surveys import create_from_template
from communities import services as community_services
from communities.forms import RESERVED_SLUGS
from communities.models import Community, Membership, SlugRedirect
from communities.permissions import can_create_community
from core.errors import ActionRefused
from documents import services as document_services
from facilitation.events import FacilitationEvent
from facilitation.guidelines.services import start_guidelines
from facilitation.models import CommunitySetup, WizardDraft
from facilitation.wizard import orientation
from facilitation.wizard.drafts import STEPS
from forums import services as forum_services
from forums.forms import RESERVED_FORUM_SLUGS
from forums.models import Forum

SLUG_LENGTH = Community._meta.get_field("slug").max_length
FORUM_SLUG_LENGTH = Forum._meta.get_field("slug").max_length
HELP_FORUM_SLUG = "help"
# The hour of the day (the site's time zone) the first assessment opens.
OPENING_HOUR = time(9, 0)


class WizardError(ActionRefused):
    """The draft cannot be launched (already launched, or a step was never saved)."""


def unsaved_steps(draft: WizardDraft) -> list[int]:
    """The steps before the review whose answers were never saved."""
    return [
        number
        for number, name in enumerate(STEPS[:-1], start=1)
        if not isinstance(draft.data.get(name), dict)
    ]


def _free_slug(base: str, taken: set[str], length: int) -> str:
    """`base`, or `base-2`, `base-3`… the first not in `taken`, at most `length` long."""
    base = base[:length].strip("-")
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: length - len(suffix)].strip("-") + suffix
    return candidate


def community_slug(name: str) -> str:
    """A web address made from the name, free among communities and their old addresses."""
    base = slugify(name)[:SLUG_LENGTH].strip("-") or "community"
    if base in RESERVED_SLUGS:
        base = f"{base}-community"
    prefix = base[: SLUG_LENGTH - 6]
    taken = set(Community.objects.filter(slug__startswith=prefix).values_list("slug", flat=True))
    taken |= set(
        SlugRedirect.objects.filter(old_slug__startswith=prefix).values_list("old_slug", flat=True)
    )
    return _free_slug(base, taken | RESERVED_SLUGS, SLUG_LENGTH)


def _create_community(*, actor: User, ip: str | None, **fields) -> Community:
    """create_community at a free address; another launch taking it this instant moves this one
    to the next address."""
    for _attempt in range(5):
        slug = community_slug(fields["name"])
        try:
            with transaction.atomic():
                return community_services.create_community(actor=actor, ip=ip, slug=slug, **fields)
        except (IntegrityError, ValidationError) as error:
            if isinstance(error, ValidationError) and "slug" not in getattr(
                error, "error_dict", {}
            ):
                raise
    raise WizardError(_("No free web address could be found for this name: try another."))


def _create_forums(community: Community, *, actor: User, rows: list[dict]) -> list[Forum]:
    taken = set(RESERVED_FORUM_SLUGS)
    help_forum = forum_services.create_forum(
        community,
        actor=actor,
        name=str(orientation.HELP_FORUM.name),
        slug=HELP_FORUM_SLUG,
        description=str(orientation.HELP_FORUM.description),
    )
    taken.add(HELP_FORUM_SLUG)
    forums = [help_forum]
    for row in rows:
        slug = _free_slug(
            slugify(row["name"])[:FORUM_SLUG_LENGTH].strip("-") or "forum",
            taken,
            FORUM_SLUG_LENGTH,
        )
        taken.add(slug)
        forums.append(
            forum_services.create_forum(
                community,
                actor=actor,
                name=row["name"][:100],
                slug=slug,
                description=row.get("description", "")[:300],
            )
        )
    return forums


def _invite(
    community: Community, *, actor: User, recruitment: dict, base_url: str, ip: str | None
) -> int:
    """The launch's invitations: members, co-facilitators, a link. Returns the emails queued."""
    invited = 0
    members = recruitment.get("emails") or []
    facilitators = recruitment.get("facilitators") or []
    if facilitators:
        invited += len(
            community_services.invite_by_email(
                community,
                actor=actor,
                emails=facilitators,
                role=Membership.Role.FACILITATOR,
                message=recruitment.get("message", ""),
                base_url=base_url,
                ip=ip,
            )
        )
    members = [email for email in members if email not in set(facilitators)]
    if members:
        invited += len(
            community_services.invite_by_email(
                community,
                actor=actor,
                emails=members,
                role=Membership.Role.MEMBER,
                message=recruitment.get("message", ""),
                base_url=base_url,
                ip=ip,
            )
        )
    link = recruitment.get("link")
    if link:
        community_services.create_invitation_link(
            community,
            actor=actor,
            role=Membership.Role.MEMBER,
            expires_at=timezone.now() + timedelta(days=int(link["days"])),
            max_uses=int(link["max_uses"]),
            ip=ip,
        )
    return invited


def _first_opening(opens_on: str) -> datetime:
    """When the first assessment opens: the chosen day's morning, never in the past."""
    day = datetime.fromisoformat(opens_on).date()
    moment = timezone.make_aware(datetime.combine(day, OPENING_HOUR))
    return max(moment, timezone.now().replace(second=0, microsecond=0))


def _schedule_assessment(community: Community, *, actor: User, assessment: dict) -> None:
    if not assessment.get("template"):
        return
    survey = create_from_template(community, actor=actor, template=assessment["template"])
    opens_at = _first_opening(assessment["opens_on"])
    with translation.override(community.language):
        create_cycle(
            survey,
            actor=actor,
            title="",
            opens_at=opens_at,
            closes_at=opens_at + DEFAULT_DURATION,
            recurrence=assessment.get("recurrence") or "",
        )


@transaction.atomic
def launch(
    draft: WizardDraft, *, actor: User, ip: str | None = None, base_url: str = ""
) -> Community:
    """Make the community the draft describes, with its forums, folders, invitations,
    assessment and guidelines, and mark the draft launched; all of it or nothing."""
    draft = WizardDraft.objects.select_for_update().get(pk=draft.pk)
    if draft.owner_id != actor.pk or not can_create_community(actor):
        raise PermissionDenied
    if draft.launched_at is not None:
        raise WizardError(_("This draft was launched already."))
    if missing := unsaved_steps(draft):
        raise WizardError(
            _("Step %(step)s was never saved: complete it before launching.") % {"step": missing[0]}
        )
    theme, ranking = draft.data["theme"], draft.data["orientation"].get("ranking", [])
    privacy, recruitment = draft.data["privacy"], draft.data["recruitment"]
    language = theme.get("language") or settings.LANGUAGE_CODE
    community = _create_community(
        actor=actor,
        ip=ip,
        name=theme["name"],
        theme=theme["theme"],
        description=theme.get("practice", ""),
        language=language,
        visibility=privacy["visibility"],
        join_policy=privacy["join_policy"],
        premoderated_posts=privacy["premoderated_posts"],
        orientation={
            "ranking": ranking,
            "theme_statement": theme["theme"],
            "practice": theme.get("practice", ""),
            "presets": orientation.presets(ranking),
            "assessment": draft.data["assessment"],
        },
    )
    # What the launch writes itself is in the community's language, whoever launches it.
    with translation.override(language):
        forums = _create_forums(community, actor=actor, rows=draft.data["forums"]["forums"])
        for name in orientation.starter_folders(ranking):
            document_services.create_folder(community, parent=None, name=name, actor=actor)
    invited = _invite(
        community,
        actor=actor,
        recruitment=recruitment,
        base_url=base_url or settings.COP_SITE_URL,
        ip=ip,
    )
    _schedule_assessment(community, actor=actor, assessment=draft.data["assessment"])
    start_guidelines(community, actor=actor, forum=forums[0])
    CommunitySetup.objects.create(community=community, invitations_at_launch=invited)
    draft.community = community
    draft.launched_at = timezone.now()
    draft.save(update_fields=["community", "launched_at"])
    community_services.audit(
        actor,
        community,
        FacilitationEvent.COMMUNITY_LAUNCH,
        community,
        details={
            "draft": draft.pk,
            "forums": len(forums),
            "invitations": invited,
            "link": bool(recruitment.get("link")),
            "assessment": draft.data["assessment"].get("template", ""),
        },
        ip=ip,
    )
    return community
