"""Value stories: members tell what value the community created; facilitators feature some.

Nothing a member wrote is deleted here: a story is written, edited by its author (or a
facilitator), featured and unfeatured.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from assessments.events import AssessmentEvent
from assessments.models import ValueStory
from communities import services as community_services
from communities.models import Community

STORY_FIELDS = ("title", "happened", "changed", "for_whom", "value_cycles", "happened_on")


@transaction.atomic
def create_story(
    community: Community,
    *,
    actor: User,
    title: str,
    happened: str,
    changed: str,
    for_whom: str,
    value_cycles: list[str],
    happened_on: date,
) -> ValueStory:
    """Share a value story in the community's feed."""
    story = ValueStory.objects.create(
        community=community,
        author=actor,
        title=title,
        happened=happened,
        changed=changed,
        for_whom=for_whom,
        value_cycles=value_cycles,
        happened_on=happened_on,
    )
    community_services.record_activity(community, actor, AssessmentEvent.STORY_CREATE, story)
    return story


@transaction.atomic
def edit_story(story: ValueStory, *, actor: User, **fields) -> bool:
    """Change a story's text, cycles or date. Returns False when nothing changed."""
    changed = [
        name for name in STORY_FIELDS if name in fields and fields[name] != getattr(story, name)
    ]
    if not changed:
        return False
    for name in changed:
        setattr(story, name, fields[name])
    story.save(update_fields=changed)
    if story.author_id != actor.pk:
        # A facilitator changing a member's story is what the audit log is for.
        community_services.audit(
            actor, story.community, AssessmentEvent.STORY_EDIT, story, details={"fields": changed}
        )
    return True


@transaction.atomic
def feature_story(story: ValueStory, *, actor: User) -> bool:
    """Feature a story (the report and the knowledge pages show it). False if it already is."""
    story = ValueStory.objects.select_for_update().get(pk=story.pk)
    if story.featured_at is not None:
        return False
    story.featured_at = timezone.now()
    story.featured_by = actor
    story.save(update_fields=["featured_at", "featured_by"])
    community_services.audit(actor, story.community, AssessmentEvent.STORY_FEATURE, story)
    return True


@transaction.atomic
def unfeature_story(story: ValueStory, *, actor: User) -> bool:
    """Stop featuring a story. False if it was not featured."""
    story = ValueStory.objects.select_for_update().get(pk=story.pk)
    if story.featured_at is None:
        return False
    story.featured_at = None
    story.featured_by = None
    story.save(update_fields=["featured_at", "featured_by"])
    community_services.audit(actor, story.community, AssessmentEvent.STORY_UNFEATURE, story)
    return True
