"""HTML to PDF on the server (WeasyPrint), fetching nothing.

Two things make this more than a call:
- Nothing is fetched: a page could name any address (an image in a member's text, a tracking
  pixel); the fetcher refuses them all. Stylesheets are passed as files read from disk.
- WeasyPrint sets Pillow's process-wide `ImageFile.LOAD_TRUNCATED_IMAGES = True` when it is
  imported, which would let damaged images through the upload checks (core.uploads) of every
  later request in the process. The flag is put back as it was right after the import.
"""

from collections.abc import Iterable
from pathlib import Path

from PIL import ImageFile

_weasyprint = None


def _load():
    """WeasyPrint, imported on first use (loading Pango costs time other pages need not pay)."""
    global _weasyprint
    if _weasyprint is None:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        try:
            import weasyprint
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before
        _weasyprint = weasyprint
    return _weasyprint


def html_to_pdf(html: str, *, stylesheets: Iterable[str | Path] = ()) -> bytes:
    """The PDF of `html`, styled by the CSS files given; every address the page names is
    refused."""
    weasyprint = _load()

    class NothingFetched(weasyprint.URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"a PDF made here fetches nothing: {url}")

    fetcher = NothingFetched()
    sheets = [
        weasyprint.CSS(string=Path(path).read_text(encoding="utf-8"), url_fetcher=fetcher)
        for path in stylesheets
    ]
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets)
