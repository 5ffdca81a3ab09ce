"""Document library forms: validation only; writes happen in documents.services."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import IdField, MultipleFileField
from documents.models import FOLDER_PATH_RELATED, Document, Folder
from documents.services import clean_tags

MAX_FILES_PER_UPLOAD = 20


def folder_choices(community, *, exclude=None) -> list[tuple[str, str]]:
    """Every folder of the library as (id, "Parent / Child"), in path order."""
    folders = Folder.objects.filter(community=community).select_related(FOLDER_PATH_RELATED)
    choices = [(str(f.pk), " / ".join(part.name for part in f.path)) for f in folders]
    return [("", _("Library (top level)")), *sorted(choices, key=lambda c: c[1].lower())]


class FolderField(forms.ModelChoiceField):
    def __init__(self, community, **kwargs):
        super().__init__(
            queryset=Folder.objects.filter(community=community),
            required=False,
            label=_("Folder"),
            empty_label=_("Library (top level)"),
            **kwargs,
        )
        self.choices = folder_choices(community)


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Files"),
        help_text=_("Choose or drop several files at once."),
        # An empty file is refused by the service with a message naming it, without
        # refusing the other files of the same upload.
        allow_empty_file=True,
    )

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"] = FolderField(community, widget=forms.HiddenInput)

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if not files:
            raise ValidationError(_("Choose at least one file."))
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise ValidationError(
                _("At most %(max)s files at once."), params={"max": MAX_FILES_PER_UPLOAD}
            )
        return files


class FolderForm(forms.Form):
    name = forms.CharField(label=_("Folder name"), max_length=120)


class DocumentForm(forms.ModelForm):
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=600,
        help_text=_("Separate tags with commas, e.g. “lesson study, fractions”."),
    )

    class Meta:
        model = Document
        fields = ["title", "description", "folder"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}
        help_texts = {"description": _("Markdown: **bold**, _italic_, lists, links.")}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["folder"] = FolderField(community)
        if self.instance.pk:
            self.initial.setdefault("tags", ", ".join(tag.name for tag in self.instance.tags.all()))

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("Give the document a title."))
        return title

    def clean_tags(self):
        return clean_tags(self.cleaned_data.get("tags") or "")


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"))
    note = forms.CharField(
        label=_("What changed"),
        max_length=300,
        required=False,
        help_text=_("Shown in the history, e.g. “Added the second observation round”."),
    )


class LibraryFilterForm(forms.Form):
    label_suffix = ""

    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-name", _("Name (Z–A)")),
            ("-date", _("Newest first")),
            ("date", _("Oldest first")),
            ("-size", _("Largest first")),
            ("size", _("Smallest first")),
        ],
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *Document.Kind.choices]
    )
    tag = forms.CharField(label=_("Tag"), required=False, max_length=50)
    uploader = forms.CharField(label=_("Uploaded by"), required=False, max_length=50)
    view = forms.ChoiceField(required=False, choices=[("list", _("List")), ("grid", _("Grid"))])

    def filters(self) -> dict:
        data = self.cleaned_data if self.is_valid() else {}
        return {
            "sort": data.get("sort") or "name",
            "kind": data.get("kind") or "",
            "tag": (data.get("tag") or "").strip(),
            "uploader": (data.get("uploader") or "").strip().lstrip("@"),
            "view": data.get("view") or "list",
        }


class ParentFolderForm(forms.Form):
    """?parent= of a new folder (or the posted one): a folder's id, or nothing for the top."""

    parent = IdField(required=False)
