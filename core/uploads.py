"""Upload safety: decide what a file is from its bytes, refuse what we do not serve safely.

Every tool that accepts files (forum attachments, the document library) calls `inspect_upload`
and stores the file under `storage_name(...)`; the uploader's name is only ever shown, never used
as a path. The type comes from the content (a small signature table of our own, then Pillow for
images and zipfile for office documents), never from the extension or the browser's
Content-Type, both of which the uploader controls. Markup (HTML, SVG, XML) is refused outright:
the serving side (core.files) is inert, but nothing that could run as a page is kept at all.
"""

import codecs
import hashlib
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, UnidentifiedImageError

from core.images import strip_metadata, too_many_pixels

KINDS = frozenset({"image", "pdf", "video", "audio", "text", "document", "archive"})
# The first bytes every check looks at; also the reach of the markup scan inside images.
HEAD_BYTES = 64 * 1024
MAX_NAME_LENGTH = 255
# Images up to this many pixels are fully decoded to prove they are images (about 64 MB of
# RGBA at worst); larger ones are checked by Pillow's verify() and header parse only, and JPEGs
# are decoded at 1/8 scale. Over the pixel limit (core.images) nothing is decoded at all.
DECODE_CHECK_PIXELS = 16_000_000


@dataclass(frozen=True)
class InspectedUpload:
    name: str  # sanitized display name, its extension matching the content
    extension: str  # e.g. ".pdf", decided from the content
    content_type: str
    kind: str  # "image" | "pdf" | "video" | "audio" | "text" | "document" | "archive"
    size: int
    sha256: str
    # An image over COP_IMAGE_MAX_PIXELS: kept as a plain file, never decoded (no thumbnail, no
    # inline display that would make members' browsers decode it).
    too_many_pixels: bool = False


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    kind: str
    # Other extensions people give files of this type: a name ending in one of them is kept.
    aliases: frozenset[str] = frozenset()


def _type(content_type: str, extension: str, kind: str, *aliases: str) -> FileType:
    return FileType(content_type, extension, kind, frozenset({extension, *aliases}))


PNG = _type("image/png", ".png", "image")
JPEG = _type("image/jpeg", ".jpg", "image", ".jpeg", ".jpe", ".jfif")
GIF = _type("image/gif", ".gif", "image")
WEBP = _type("image/webp", ".webp", "image")
PDF = _type("application/pdf", ".pdf", "pdf")
MP4 = _type("video/mp4", ".mp4", "video", ".m4v", ".mov")
# QuickTime files are served as video/mp4: browsers play the common (H.264) ones under that type.
MOV = _type("video/mp4", ".mov", "video", ".mp4", ".m4v", ".qt")
M4A = _type("audio/mp4", ".m4a", "audio", ".m4b", ".mp4")
WEBM = _type("video/webm", ".webm", "video")
MATROSKA = _type("video/x-matroska", ".mkv", "video", ".mka")
MP3 = _type("audio/mpeg", ".mp3", "audio")
OGG = _type("audio/ogg", ".ogg", "audio", ".oga", ".opus")
WAV = _type("audio/wav", ".wav", "audio", ".wave")
DOCX = _type(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "document"
)
XLSX = _type(
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "document"
)
PPTX = _type(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", "document"
)
ODT = _type("application/vnd.oasis.opendocument.text", ".odt", "document")
ODS = _type("application/vnd.oasis.opendocument.spreadsheet", ".ods", "document")
ODP = _type("application/vnd.oasis.opendocument.presentation", ".odp", "document")
ZIP = _type("application/zip", ".zip", "archive")
TEXT = _type("text/plain", ".txt", "text", ".text")
MARKDOWN = _type("text/markdown", ".md", "text", ".markdown")
CSV = _type("text/csv", ".csv", "text")

FILE_TYPES = (
    PNG, JPEG, GIF, WEBP, PDF, MP4, MOV, M4A, WEBM, MATROSKA, MP3, OGG, WAV,
    DOCX, XLSX, PPTX, ODT, ODS, ODP, ZIP, TEXT, MARKDOWN, CSV,
)  # fmt: skip
# Every extension of an accepted type → the kinds it may hold: a name claiming one of them must
# hold such content (a ".pdf" holding text is refused; a ".png" holding a JPEG is renamed).
CLAIMED_KINDS: dict[str, set[str]] = {}
for _file_type in FILE_TYPES:
    for _alias in _file_type.aliases:
        CLAIMED_KINDS.setdefault(_alias, set()).add(_file_type.kind)
_ACCEPTED_EXTENSIONS = {t.extension: t.aliases for t in FILE_TYPES}
_OOXML_FOLDERS = {"word/": DOCX, "xl/": XLSX, "ppt/": PPTX}
_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text": ODT,
    b"application/vnd.oasis.opendocument.spreadsheet": ODS,
    b"application/vnd.oasis.opendocument.presentation": ODP,
}
# ISO-BMFF brands of HEIF/AVIF still images: not videos, and not an image type we accept.
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P "}
# Markers of HTML inside an image: a polyglot meant to be sniffed as a page.
_MARKUP_IN_IMAGE = re.compile(
    rb"<(?:script|html|body|iframe|object|embed|!doctype\s+html|\?php)\b", re.IGNORECASE
)
# A GIF whose screen width reads as JavaScript continuing the identifier GIF89a (a comment
# opener, or an assignment of printable text) runs as a script: GIF89a/*…*/=alert(1). Those
# bytes mean widths of 10799 or at least 8253 pixels, which real GIFs do not have.
_GIF_SCRIPT = re.compile(rb"GIF8[79]a(?:/\*|=[\x20-\x7e])")
_PILLOW_FORMATS = {PNG: "PNG", JPEG: "JPEG", GIF: "GIF", WEBP: "WEBP"}
# Control characters text does not hold (tab, line and page breaks and escape are allowed).
_BINARY_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f-\x9f]")
_EXTENSION = re.compile(r"\.(?=[a-z0-9]*[a-z])[a-z0-9]{1,10}$", re.IGNORECASE)

KIND_NAMES = {
    "image": gettext_lazy("images"),
    "pdf": gettext_lazy("PDF documents"),
    "video": gettext_lazy("videos"),
    "audio": gettext_lazy("audio recordings"),
    "text": gettext_lazy("text files"),
    "document": gettext_lazy("office documents"),
    "archive": gettext_lazy("ZIP archives"),
}
KIND_NAME = {
    "image": gettext_lazy("an image"),
    "pdf": gettext_lazy("a PDF document"),
    "video": gettext_lazy("a video"),
    "audio": gettext_lazy("an audio recording"),
    "text": gettext_lazy("a text file"),
    "document": gettext_lazy("an office document"),
    "archive": gettext_lazy("a ZIP archive"),
}


class _Refused(Exception):
    """Raised by the sniffers; inspect_upload turns it into a ValidationError naming the file."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# --- Signature table ---------------------------------------------------------------------------
# Each row: byte patterns at fixed offsets, all of which must match the file's first bytes, and
# the type they mean — or a function of (head, file) that looks further and returns the type, or
# None when the file is of no type we accept. Rows are tried in order; the first match decides,
# except that a row without patterns answering None lets the search go on. Text comes last.


def _iso_media(head: bytes, upload: File) -> FileType | None:
    """MP4, M4A, MOV: an ISO base media file, typed by the brands of its `ftyp` box."""
    box_size = int.from_bytes(head[:4], "big")
    major = head[8:12]
    compatible = {head[i : i + 4] for i in range(16, min(box_size, 64, len(head)) - 3, 4)}
    if major in _HEIF_BRANDS or compatible & {b"mif1", b"msf1"}:
        return None
    if major in _AUDIO_BRANDS:
        return M4A
    if major == b"qt  ":
        return MOV
    return MP4


def _matroska(head: bytes, upload: File) -> FileType | None:
    """WebM and Matroska share the EBML header; its DocType element tells them apart."""
    header = head[:64]
    if b"webm" in header:
        return WEBM
    if b"matroska" in header:
        return MATROSKA
    return None


# MPEG audio frame headers: kbit/s by (is MPEG-1, layer) for bitrate indexes 1 to 14, and the
# sample rates by version field (3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5).
_MPEG_LOW_BITRATES = (8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_MPEG_BITRATES = {
    (True, 1): (32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): _MPEG_LOW_BITRATES,
    (False, 3): _MPEG_LOW_BITRATES,
}
_MPEG_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mpeg_frame_length(header: bytes) -> int | None:
    """The length of the MPEG audio frame this header starts, or None when it is not one."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 0b11
    layer = 4 - ((header[1] >> 1) & 0b11)  # 1, 2 or 3; 4 is reserved
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 0b11
    # Free-format bitrate (index 0) has no computable length: too rare to be worth guessing.
    if version == 0b01 or layer == 4 or bitrate_index in {0, 15} or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _MPEG_BITRATES[mpeg1, layer][bitrate_index - 1] * 1000
    rate = _MPEG_SAMPLE_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    return (72 if layer == 3 and not mpeg1 else 144) * bitrate // rate + padding


def _mpeg_audio_frames(head: bytes, upload: File) -> FileType | None:
    """An MP3 without ID3 tag starts with a frame; a second one must follow right after it.

    One header alone is four bytes any binary (a UTF-16 byte order mark, say) could start with.
    """
    length = _mpeg_frame_length(head[:4])
    if length is None:
        return None
    if len(head) == length or _mpeg_frame_length(head[length : length + 4]) is not None:
        return MP3
    return None


def _zip_based(head: bytes, upload: File) -> FileType | None:
    """Office documents are ZIP files; their members say which kind. Any other ZIP is an archive.

    Only the central directory and the tiny `mimetype` member are read: nothing is extracted.
    """
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    opendocument = _OPENDOCUMENT.get(member.read(100).strip())
                if opendocument:
                    return opendocument
            if "[Content_Types].xml" in names:
                for folder, file_type in _OOXML_FOLDERS.items():
                    if any(name.startswith(folder) for name in names):
                        # Macros are active content, like scripts in a page.
                        if any(name.lower().endswith("vbaproject.bin") for name in names):
                            raise _Refused("macros")
                        return file_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, OSError, ValueError):
        raise _Refused("unreadable", kind=KIND_NAME["archive"]) from None
    return ZIP


Sniffer = FileType | Callable[[bytes, File], FileType | None]

SIGNATURES: tuple[tuple[tuple[tuple[int, bytes], ...], Sniffer], ...] = (
    (((0, b"\x89PNG\r\n\x1a\n"),), PNG),
    (((0, b"\xff\xd8\xff"),), JPEG),
    (((0, b"GIF87a"),), GIF),
    (((0, b"GIF89a"),), GIF),
    (((0, b"RIFF"), (8, b"WEBP")), WEBP),
    (((0, b"RIFF"), (8, b"WAVE")), WAV),
    (((0, b"%PDF-"),), PDF),
    (((4, b"ftyp"),), _iso_media),
    (((0, b"\x1a\x45\xdf\xa3"),), _matroska),
    (((0, b"ID3"),), MP3),
    (((0, b"OggS"),), OGG),
    (((0, b"PK\x03\x04"),), _zip_based),
    (((0, b"PK\x05\x06"),), ZIP),  # an empty archive
    ((), _mpeg_audio_frames),
)


def _sniff_text(head: bytes, *, complete: bool, name: str) -> FileType | None:
    """UTF-8 text without NUL or binary control bytes; markup in it is refused, not accepted."""
    if b"\x00" in head:
        return None
    sample = head.removeprefix(codecs.BOM_UTF8)
    try:
        # A sample cut inside a multi-byte character is fine unless it is the whole file.
        text = codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
    except UnicodeDecodeError:
        return None
    if _BINARY_CONTROLS.search(text):
        return None
    if text.lstrip().startswith("<"):
        # <!doctype html, <html, <svg, <?xml, <script …: anything a browser could take for markup.
        raise _Refused("active_content")
    extension = _last_extension(name).lower()
    if extension in MARKDOWN.aliases:
        return MARKDOWN
    if extension in CSV.aliases:
        return CSV
    return TEXT


def _sniff(head: bytes, upload: File, *, complete: bool, name: str) -> FileType | None:
    """The accepted type the content is, from the table above, or None when it is no such type.

    `head` is the file's first HEAD_BYTES bytes; `complete` says whether it is the whole file.
    Raises _Refused for content recognised and refused (markup, macros, a damaged ZIP).
    """
    for patterns, sniffer in SIGNATURES:
        if all(head[offset : offset + len(magic)] == magic for offset, magic in patterns):
            file_type = sniffer if isinstance(sniffer, FileType) else sniffer(head, upload)
            if file_type is not None or patterns:
                return file_type
    return _sniff_text(head, complete=complete, name=name)


# --- Deeper checks -----------------------------------------------------------------------------


def _check_image(head: bytes, upload: File, file_type: FileType) -> bool:
    """Refuse image/markup polyglots and anything Pillow cannot read as the image it claims.

    Returns whether the image is over the pixel limit, in which case it is not decoded at all.
    """
    if _MARKUP_IN_IMAGE.search(head) or (file_type is GIF and _GIF_SCRIPT.match(head)):
        raise _Refused("active_content")
    unreadable = _Refused("unreadable", kind=KIND_NAME["image"])
    try:
        upload.seek(0)
        try:
            opened = Image.open(upload, formats=[_PILLOW_FORMATS[file_type]])
        except Image.DecompressionBombError:
            # Past Pillow's own guard (twice its default limit): not even kept as a file.
            raise _Refused("bomb", megapixels=2 * Image.MAX_IMAGE_PIXELS // 1_000_000) from None
        with opened as image:
            # The size comes from the header; verify() reads no pixel data either.
            oversized = too_many_pixels(image)
            image.verify()  # PNG: every chunk's CRC; other formats: the headers parsed on open
        if oversized:
            return True
        upload.seek(0)
        with Image.open(upload, formats=[_PILLOW_FORMATS[file_type]]) as image:
            if file_type is JPEG:
                # Decoding at 1/8 scale reads all the compressed data at a 64th of the memory.
                image.draft("RGB", (max(1, image.width // 8), max(1, image.height // 8)))
                image.load()
            elif image.width * image.height <= DECODE_CHECK_PIXELS:
                image.load()
    except (
        UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, IndexError,
        Image.DecompressionBombError,
    ):  # fmt: skip
        raise unreadable from None
    return False


# --- Names -------------------------------------------------------------------------------------


def _last_extension(name: str) -> str:
    match = _EXTENSION.search(name)
    return match.group() if match else ""


def sanitize_filename(name: str, *, extension: str = "") -> str:
    """A name safe to show and to offer in Content-Disposition; never a path to store under.

    Keeps the last path component, drops control and Unicode format characters (a right-to-left
    override would make "gpj.exe" read as "exe.jpg"), collapses whitespace, strips leading and
    trailing dots and spaces, and caps the length at 255 characters keeping the extension.
    Given the `extension` decided from the content, a name ending in another one gets it: the
    wrong last extension is replaced ("photo.jpg.php" holding a PNG → "photo.jpg.png"), and a name
    without one has it appended ("README" holding text → "README.txt").
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(
        " " if char.isspace() else char
        for char in name
        if char.isspace() or unicodedata.category(char) not in {"Cc", "Cf", "Cs"}
    )
    name = " ".join(name.split()).strip(" .") or "file"
    if extension:
        last = _last_extension(name)
        if last.lower() not in _ACCEPTED_EXTENSIONS.get(extension, {extension}):
            name = name.removesuffix(last).rstrip(" .") + extension
    if len(name) > MAX_NAME_LENGTH:
        kept = _last_extension(name)
        name = name[: MAX_NAME_LENGTH - len(kept)].rstrip(" .") + kept
    return name


def storage_name(prefix: str, inspected: InspectedUpload) -> str:
    """Where to store an inspected upload: a fresh random name, never the uploader's."""
    return f"{prefix.strip('/')}/{uuid.uuid4().hex}{inspected.extension}"


# --- The check ---------------------------------------------------------------------------------


def _read(upload: File) -> tuple[int, str, bytes]:
    """The size, SHA-256 and first HEAD_BYTES bytes of a file, read one chunk at a time."""
    digest = hashlib.sha256()
    size = 0
    head = bytearray()
    for chunk in upload.chunks():
        digest.update(chunk)
        size += len(chunk)
        if len(head) < HEAD_BYTES:
            head += chunk[: HEAD_BYTES - len(head)]
    return size, digest.hexdigest(), bytes(head)


def _refusal(code: str, name: str, **params: object) -> ValidationError:
    messages = {
        "empty": _("“%(name)s” is empty."),
        "too_large": _("“%(name)s” is %(size)s; the largest file accepted is %(limit)s."),
        "not_allowed": _("“%(name)s” is not a kind of file accepted here. Accepted: %(kinds)s."),
        "active_content": _(
            "“%(name)s” holds web page, script or XML content, which is never accepted."
        ),
        "mismatch": _("“%(name)s” does not hold what its name says: its content is %(actual)s."),
        "unreadable": _("“%(name)s” looks like %(kind)s but cannot be read as one."),
        "bomb": _(
            "“%(name)s” is an image of more than %(megapixels)s million pixels, which Praxis "
            "does not keep. Reduce its size and upload it again."
        ),
        "macros": _(
            "“%(name)s” contains macros, which are not accepted. Save it without macros and "
            "upload it again."
        ),
    }
    return ValidationError(messages[code], code=code, params={"name": name, **params})


def inspect_upload(
    upload: File, *, max_bytes: int, kinds: set[str] | None = None
) -> InspectedUpload:
    """Check an upload is an accepted, honest file within `max_bytes`; say what it is.

    `kinds` narrows the accepted kinds (default: all of KINDS). Raises ValidationError with a
    message naming the file. The file is read in chunks, never whole, and rewound at the end.
    """
    accepted = KINDS if kinds is None else frozenset(kinds)
    if not accepted <= KINDS:
        raise ValueError(f"Unknown upload kinds: {sorted(accepted - KINDS)}")
    shown_name = sanitize_filename(upload.name or "")

    def too_large(size: int) -> _Refused:
        return _Refused("too_large", size=filesizeformat(size), limit=filesizeformat(max_bytes))

    try:
        # The announced size refuses a file before any of it is read; the counted size, after.
        if upload.size == 0:
            raise _Refused("empty")
        if upload.size > max_bytes:
            raise too_large(upload.size)
        size, sha256, head = _read(upload)
        if size == 0:
            raise _Refused("empty")
        if size > max_bytes:
            raise too_large(size)
        file_type = _sniff(head, upload, complete=size <= HEAD_BYTES, name=shown_name)
        if file_type is None or file_type.kind not in accepted:
            names = [str(label) for kind, label in KIND_NAMES.items() if kind in accepted]
            raise _Refused("not_allowed", kinds=", ".join(names))
        claimed_kinds = CLAIMED_KINDS.get(_last_extension(shown_name).lower())
        if claimed_kinds and file_type.kind not in claimed_kinds:
            raise _Refused("mismatch", actual=KIND_NAME[file_type.kind])
        oversized = file_type.kind == "image" and _check_image(head, upload, file_type)
    except _Refused as refused:
        raise _refusal(refused.code, shown_name, **refused.params) from None
    finally:
        upload.seek(0)

    return InspectedUpload(
        name=sanitize_filename(shown_name, extension=file_type.extension),
        extension=file_type.extension,
        content_type=file_type.content_type,
        kind=file_type.kind,
        size=size,
        sha256=sha256,
        too_many_pixels=oversized,
    )


def without_metadata(upload: File, inspected: InspectedUpload) -> tuple[File, InspectedUpload]:
    """An inspected image without its location and device metadata, pixels untouched, with its
    new size and hash; any other file as it is. Every tool stores what this returns.

    Raises ValidationError naming the file when the image's structure cannot be walked.
    """
    if inspected.kind != "image":
        return upload, inspected
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    try:
        cleaned = strip_metadata(data, inspected.content_type)
    except ValueError:
        raise _refusal("unreadable", inspected.name, kind=KIND_NAME["image"]) from None
    if cleaned == data:
        return upload, inspected
    stripped = replace(inspected, size=len(cleaned), sha256=hashlib.sha256(cleaned).hexdigest())
    return ContentFile(cleaned, name=upload.name), stripped
