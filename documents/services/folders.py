"""Folders of the library: create, rename, delete (when empty)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Community
from documents.models import MAX_FOLDER_DEPTH, Folder


def _check_folder_name(community: Community, parent: Folder | None, name: str, exclude=None):
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Give the folder a name."))
    siblings = Folder.objects.filter(community=community, parent=parent, name__iexact=name)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    if siblings.exists():
        raise ValidationError(
            _("This folder already holds a folder named “%(name)s”."), params={"name": name}
        )
    return name


def create_folder(
    community: Community, *, parent: Folder | None, name: str, actor: User | None
) -> Folder:
    """A new folder, at most MAX_FOLDER_DEPTH levels deep, named unlike its siblings."""
    if parent is not None and parent.community_id != community.pk:
        raise ValidationError(_("That folder belongs to another community."))
    depth = 1 if parent is None else parent.depth + 1
    if depth > MAX_FOLDER_DEPTH:
        raise ValidationError(
            _("Folders nest at most %(depth)s levels deep."), params={"depth": MAX_FOLDER_DEPTH}
        )
    name = _check_folder_name(community, parent, name)
    return Folder.objects.create(
        community=community, parent=parent, name=name, depth=depth, created_by=actor
    )


def rename_folder(folder: Folder, *, name: str, actor: User) -> Folder:
    """Give a folder a new name, unlike its siblings'."""
    folder.name = _check_folder_name(folder.community, folder.parent, name, exclude=folder)
    folder.save(update_fields=["name"])
    return folder


def delete_folder(folder: Folder, *, actor: User) -> None:
    """Delete an empty folder. Documents of it waiting in the trash go back to the top of the
    library if they are restored."""
    if folder.children.exists() or folder.documents.live().exists():
        raise ValidationError(
            _("Only an empty folder can be deleted: move or delete what it holds first.")
        )
    folder.delete()
