"""PDFs that try to run something when opened, built with pypdf on a page of documents.demo.

Each carries one way a PDF viewer can be made to act: JavaScript run on opening (an /OpenAction,
or the document-level /Names /JavaScript tree), JavaScript on a form field and on the page
(additional actions /AA: focus, keystroke, page open), and a /Launch action that asks the viewer
to start a program. The alerts name the PDF, so a test can tell which one fired.
"""

import io

from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from documents.demo import pdf_bytes


def _javascript(code: str) -> DictionaryObject:
    return DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject(code)}
    )


def _writer(title: str) -> PdfWriter:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_bytes(title, ["Nothing to see here."]))))
    return writer


def _bytes(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_javascript() -> bytes:
    """Two alerts from the catalog's /OpenAction."""
    writer = _writer("Open action")
    writer.root_object[NameObject("/OpenAction")] = _javascript("app.alert('x'); app.alert('y');")
    return _bytes(writer)


def named_javascript() -> bytes:
    """An alert from the document-level JavaScript name tree (/Names /JavaScript)."""
    writer = _writer("Named JavaScript")
    writer.add_open_action(JavaScript("app.alert('named');"))  # pypdf's former add_js
    return _bytes(writer)


def form_field_actions() -> bytes:
    """A text field whose widget runs JavaScript on focus, keystroke and page open, on a page that
    runs JavaScript when opened; the field's value asks for a password, like app.response."""
    writer = _writer("Form field")
    field = writer.add_annotation(
        0,
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/FT"): NameObject("/Tx"),
                NameObject("/T"): TextStringObject("password"),
                NameObject("/V"): TextStringObject("Type your Praxis password"),
                NameObject("/DA"): TextStringObject("/Helv 12 Tf 0 g"),
                NameObject("/F"): NumberObject(4),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (72, 600, 360, 630)]),
                NameObject("/AA"): DictionaryObject(
                    {
                        NameObject("/Fo"): _javascript("app.alert('focus');"),
                        NameObject("/K"): _javascript("app.response('Password?');"),
                        NameObject("/PO"): _javascript("app.alert('field page open');"),
                    }
                ),
            }
        ),
    ).indirect_reference
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _javascript("app.alert('page open');")}
    )
    writer.root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject([field]),
            NameObject("/NeedAppearances"): BooleanObject(True),
        }
    )
    return _bytes(writer)


def launch_action() -> bytes:
    """An /OpenAction that asks the viewer to start a program."""
    writer = _writer("Launch")
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("/bin/sh"),
            NameObject("/Win"): DictionaryObject({NameObject("/F"): TextStringObject("cmd.exe")}),
        }
    )
    return _bytes(writer)


HOSTILE_PDFS = {
    "open-action": open_action_javascript,
    "named-javascript": named_javascript,
    "form-field-actions": form_field_actions,
    "launch-action": launch_action,
}
