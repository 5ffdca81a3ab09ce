"""The audit rows of the library: what someone does to a document another member shared."""

from accounts.models import User
from communities import services as community_services
from documents.models import Document


def audit_unless_uploader(actor: User | None, document: Document, action: str, **details) -> bool:
    """Write an audit row when `actor` is not who shared `document`; False when they are.

    A member trashing or revising their own document is ordinary work; someone else doing it
    (a facilitator, a co-author) is what the community's audit log is for.
    """
    if getattr(actor, "pk", None) == document.uploaded_by_id:
        return False
    community_services.audit(actor, document.community, action, document, details=details)
    return True
