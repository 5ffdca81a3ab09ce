"""Serving stored uploads, once the caller has checked the person may have them.

With object storage (COP_S3_BUCKET) the answer is a redirect to a short-lived presigned URL, so
the bytes never pass through the web tier. On the local disk the file is streamed with HTTP
Range support, which video and audio players need to seek. Either way the file can never run as
a page in our origin: only an allowlist of inert types is shown inline, everything else is a
download, and the headers forbid sniffing and scripting.
"""

import re
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from core.uploads import sanitize_filename

# Types a browser shows without running anything; every other type is served as a download.
# PDF is not one of them: a PDF can carry JavaScript that the browser's viewer runs on our
# origin. PDFs are previewed as page images made on the server, and downloaded as attachments.
INLINE_TYPES = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "video/mp4",
        "video/webm",
        "audio/mpeg",
        "audio/ogg",
        "audio/mp4",
        "audio/wav",
        "text/plain",
    }
)
CHUNK_BYTES = 64 * 1024
_SINGLE_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A byte position of more digits is past the end of any file we store. Reading it as a number
# would cost time on thousands of digits, and Python refuses more than 4300 (a 500).
_MAX_POSITION_DIGITS = 18
_BEYOND_ANY_FILE = 10**_MAX_POSITION_DIGITS


class _StoredFileResponse(FileResponse):
    block_size = CHUNK_BYTES


class _ByteRange:
    """A read-only view of `length` bytes of an open file, from where it stands."""

    def __init__(self, file, length: int) -> None:
        self.file = file
        self.remaining = length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.file.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.file.close()


class _Unsatisfiable(Exception):
    pass


def requested_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte positions a Range header asks for, or None to send the whole file.

    One range is served; several, or another unit, are ignored as RFC 9110 allows. Raises
    _Unsatisfiable for a malformed bytes range or one that starts past the end.
    """
    header = header.strip()
    if not header.lower().startswith("bytes="):
        return None
    if "," in header:
        return None
    match = _SINGLE_RANGE.match(header.replace(" ", "").lower())
    if not match or match.groups() == ("", ""):
        raise _Unsatisfiable
    first, last = match.groups()
    if first == "":  # "-n": the last n bytes
        suffix = _position(last)
        if suffix == 0 or size == 0:
            raise _Unsatisfiable
        return max(0, size - suffix), size - 1
    start = _position(first)
    end = size - 1 if last == "" else min(_position(last), size - 1)
    if start >= size or (last != "" and _position(last) < start):
        raise _Unsatisfiable
    return start, end


def _position(digits: str) -> int:
    """A byte position of the header; one too long to be a position in any file counts as
    _BEYOND_ANY_FILE (past the end as a start, the end of the file as a last byte)."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > _MAX_POSITION_DIGITS:
        return _BEYOND_ANY_FILE
    return int(digits)


def _content_type_header(content_type: str) -> str:
    # inspect_upload only accepts UTF-8 text; without a charset browsers guess windows-1252.
    if content_type.startswith("text/") and "charset" not in content_type.lower():
        return f"{content_type}; charset=utf-8"
    return content_type


def _stream(request: HttpRequest, field_file, content_type: str) -> HttpResponse:
    try:
        file = field_file.storage.open(field_file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    size = file.seek(0, 2)
    file.seek(0)
    header = request.META.get("HTTP_RANGE", "")
    # If-Range names a version we never gave out (no ETag or Last-Modified): send it all.
    if not header or request.method not in {"GET", "HEAD"} or "HTTP_IF_RANGE" in request.META:
        return _StoredFileResponse(file, content_type=content_type)
    try:
        byte_range = requested_range(header, size)
    except _Unsatisfiable:
        file.close()
        response = HttpResponse(status=416, content_type=content_type)
        response["Content-Range"] = f"bytes */{size}"
        return response
    if byte_range is None:
        return _StoredFileResponse(file, content_type=content_type)
    first, last = byte_range
    file.seek(first)
    length = last - first + 1
    response = _StoredFileResponse(_ByteRange(file, length), status=206, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Content-Range"] = f"bytes {first}-{last}/{size}"
    return response


def file_response(
    request: HttpRequest, field_file, *, filename: str, content_type: str, inline: bool
) -> HttpResponse:
    """Serve a stored file (anything with `.name` and `.storage`, e.g. a FieldFile).

    Call it only after checking permission. `inline` is honoured for INLINE_TYPES only: HTML,
    SVG, XML or anything unknown is always a download, whatever the caller asks.
    """
    as_attachment = not (inline and content_type.split(";")[0].strip().lower() in INLINE_TYPES)
    disposition = content_disposition_header(as_attachment, sanitize_filename(filename))
    content_type = _content_type_header(content_type)
    storage = field_file.storage
    if not isinstance(storage, FileSystemStorage):
        # Object storage: the bytes go straight from the bucket, under a short-lived signature.
        url = storage.url(
            field_file.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": content_type,
            },
        )
        response = HttpResponseRedirect(url)
        # The presigned URL expires: a cached redirect could outlive it.
        response["Cache-Control"] = "private, no-store"
    else:
        if settings.COP_X_ACCEL_REDIRECT:
            # nginx sends the file (with Range) from its internal location.
            response = HttpResponse(content_type=content_type)
            location = settings.COP_X_ACCEL_REDIRECT.rstrip("/") + "/" + quote(field_file.name)
            response["X-Accel-Redirect"] = location
        else:
            response = _stream(request, field_file, content_type)
            response["Accept-Ranges"] = "bytes"
        response["Cache-Control"] = "private, max-age=300"
        response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    # Applies to the file when opened as a document: no script, no plugin, a unique origin.
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
