"""One-time submission keys: a create form sent twice (a double click, a retried request) makes
one thing, and the second send gets the first one's result.

Every create form carries a hidden random key (`{% submission_field %}` of the `submissions`
template library). The view runs its create through `once()`, which claims the key in the same
transaction as the create: an INSERT of a `Submission` row, unique per person and key, then the
create, then the row records where what was made lives. A second request with the same key waits
on that unique row until the first commits (PostgreSQL waits on the index, SQLite on its write
lock), then finds the key taken and answers with the first one's result. When the first request
fails instead, its claim is rolled back with it and the second one goes ahead.

The stored key is a digest of the form's key, the address it was sent to and what it carried
(fields, and the names and sizes of files). So the same form sent again with something else in
it — a page brought back by the browser's Back button, whose key was used already — is a new
submission, never silently taken for the old one; an identical double send is the same one.
Keys of different people never meet (the row is unique per person and key).

The claim's transaction is held while `create` runs (and, on SQLite, the database's write lock
with it): slow work that needs no row, such as storing uploaded files, is done before calling
`once()`, and undone by the caller when the answer is `repeated`.

Without a key (a page rendered before this existed, a client that leaves it out) the create
simply runs. Rows are purged a day after they were made, after each claim's commit.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from communities.models import Submission

FIELD = "submission"
KEEP = timedelta(days=1)
ALREADY_SENT = _("This form was sent twice: it was saved once.")
# A page's key, optionally followed by the rank of one file of a batch sent a file a request
# (static/js/uploads.js); anything else is ignored as no key at all.
_KEY = re.compile(r"^[0-9a-f]{32}(-[0-9]{1,6})?$")

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


def new_key() -> str:
    """A fresh random key for one rendering of a create form."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Sent(Generic[T]):
    """What a submission made: `made` by this request, or by an earlier identical one
    (`repeated`, and `made` is None); `url` is where the person goes next."""

    made: T | None
    url: str
    repeated: bool = False
    target_type_id: int | None = None
    target_id: int | None = None

    def earlier(self, model: type[M]) -> M | None:
        """The object the earlier submission made, if it is a `model` still there."""
        if self.target_id is None:
            return None
        if ContentType.objects.get_for_model(model).pk != self.target_type_id:
            return None
        return model._default_manager.filter(pk=self.target_id).first()


class _NothingMade(Exception):
    """Rolls the claim back: a create that made nothing leaves the key free."""


def _absolute_url(made) -> str:
    return made.get_absolute_url()


def _model_or_none(made) -> models.Model | None:
    return made if isinstance(made, models.Model) else None


def submission_key(request: HttpRequest) -> str | None:
    """The digest a POST is claimed under, or None when it carries no usable key."""
    key = request.POST.get(FIELD, "")
    if not _KEY.match(key):
        return None
    fields = sorted(
        (name, request.POST.getlist(name))
        for name in request.POST
        if name not in {FIELD, "csrfmiddlewaretoken"}
    )
    files = sorted(
        (name, [(upload.name, upload.size) for upload in request.FILES.getlist(name)])
        for name in request.FILES
    )
    content = json.dumps([key, request.path, fields, files], separators=(",", ":"))
    return hashlib.sha256(content.encode()).hexdigest()


def _repeat(earlier: Submission, request: HttpRequest) -> Sent:
    return Sent(
        None,
        # The url is written with the claim: empty only if a row was cut short.
        earlier.url or request.get_full_path(),
        repeated=True,
        target_type_id=earlier.target_type_id,
        target_id=earlier.target_id,
    )


def earlier(request: HttpRequest) -> Sent | None:
    """The result of an identical submission already done, if there is one.

    For a form whose validation reads what the first send changed (an address already invited,
    a forum address already taken): the second send fails validation, and is answered with the
    first one's result instead of an error.
    """
    key = submission_key(request)
    if key is None or not request.user.is_authenticated:
        return None
    done = Submission.objects.filter(user=request.user, key=key).first()
    return None if done is None else _repeat(done, request)


def _claim(user, key: str) -> Submission | None:
    """Take the key: the new row, or None when another request holds it already."""
    try:
        with transaction.atomic():
            return Submission.objects.create(user=user, key=key)
    except IntegrityError:
        return None


def once(
    request: HttpRequest,
    create: Callable[[], T | None],
    *,
    url: Callable[[T], str] = _absolute_url,
    target: Callable[[T], models.Model | None] = _model_or_none,
) -> Sent[T]:
    """Run `create` once per submitted form; an identical second send gets the first's result.

    `create` returns what it made, or None when it made nothing (the key stays free then); its
    exceptions roll the claim back with everything else and reach the caller.
    """
    key = submission_key(request)
    if key is None or not request.user.is_authenticated:
        made = create()
        return Sent(made, url(made) if made is not None else "")
    try:
        with transaction.atomic():
            claim = _claim(request.user, key)
            while claim is None:
                done = Submission.objects.filter(user=request.user, key=key).first()
                if done is not None:
                    return _repeat(done, request)
                # Purged between the two statements: the key is free again.
                claim = _claim(request.user, key)
            made = create()
            if made is None:
                raise _NothingMade
            claim.url = url(made)
            thing = target(made)
            if thing is not None:
                claim.target_type = ContentType.objects.get_for_model(thing)
                claim.target_id = thing.pk
            claim.save(update_fields=["url", "target_type", "target_id"])
            transaction.on_commit(purge)
    except _NothingMade:
        return Sent(None, "")
    return Sent(made, claim.url)


def purge(*, now: datetime | None = None) -> int:
    """Forget submissions older than KEEP; returns how many went."""
    deleted, _detail = Submission.objects.filter(
        created_at__lt=(now or timezone.now()) - KEEP
    ).delete()
    return deleted
