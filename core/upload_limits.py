"""Refusing oversized uploads while they arrive, before they are written anywhere.

A request announcing more bytes than the largest accepted file (plus room for the form) is
refused before its body is read (`announced_too_large`). Within a multipart body,
`SizeLimitedUploadHandler` stops keeping a file as soon as it passes the limit: the rest of it is
read from the connection and dropped, never written to memory or disk, and the view reports it.
"""

from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

# Room for the other fields and the multipart boundaries around one file.
FORM_OVERHEAD_BYTES = 64 * 1024


def announced_too_large(request: HttpRequest, max_bytes: int, *, files: int = 1) -> bool:
    """Whether the request's Content-Length already says it carries too much."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > files * max_bytes + FORM_OVERHEAD_BYTES


class SizeLimitedUploadHandler(FileUploadHandler):
    """Put first in request.upload_handlers: drops each file past `max_bytes` and remembers its
    name in `refused` (in arrival order)."""

    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.refused: list[str] = []

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.refused.append(self.file_name or "")
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def limit_uploads(request: HttpRequest, max_bytes: int) -> SizeLimitedUploadHandler:
    """Install the limiter on a request whose body has not been read yet; returns it."""
    limiter = SizeLimitedUploadHandler(request, max_bytes)
    request.upload_handlers.insert(0, limiter)
    return limiter
