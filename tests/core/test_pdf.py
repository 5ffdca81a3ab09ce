"""core.pdf: HTML to PDF without side effects on the rest of the process."""

import subprocess
import sys

from PIL import ImageFile

from core.pdf import html_to_pdf


def test_pdf_is_a_pdf_with_the_text():
    import pypdfium2

    pdf = html_to_pdf("<h1>Value report</h1><p>Open Practice</p>")

    assert pdf.startswith(b"%PDF")
    text = pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range()
    assert "Open Practice" in text


def test_pdf_leaves_damaged_images_refused_in_the_rest_of_the_process():
    # WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when imported; the upload checks of
    # every later request rely on it staying off. In a fresh interpreter, so that the import
    # really happens here.
    code = (
        "from PIL import ImageFile\n"
        "from core.pdf import html_to_pdf\n"
        "html_to_pdf('<p>x</p>')\n"
        "print(ImageFile.LOAD_TRUNCATED_IMAGES)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "False"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
