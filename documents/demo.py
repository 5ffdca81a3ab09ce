"""Demo library for `manage.py seed_demo`: folders with a PDF, images, a short video and text
files, all generated here (no downloaded media), uploaded through the same service as members'
files so they are checked, versioned, thumbnailed and indexed the same way."""

import io
import os
import tempfile

from django.core.files.base import ContentFile
from django.db import transaction
from PIL import Image, ImageDraw

from accounts.models import User
from communities.models import Community
from documents import services
from documents.models import Document, Folder


def pdf_bytes(title: str, lines: list[str]) -> bytes:
    """A one-page PDF showing `title` and `lines` in Helvetica, built by hand (PDF 1.4)."""

    def escape(text: str) -> str:
        text = text.encode("latin-1", "replace").decode("latin-1")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    commands = ["BT", "/F1 20 Tf", "72 760 Td", f"({escape(title)}) Tj", "/F1 12 Tf"]
    for line in lines:
        commands += ["0 -22 Td", f"({escape(line)}) Tj"]
    commands.append("ET")
    stream = "\n".join(commands).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def png_bytes(label: str, *, color=(40, 110, 170), size=(640, 400)) -> bytes:
    """A simple bar chart with a caption, as PNG."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    width, height = size
    for index, value in enumerate((0.35, 0.6, 0.45, 0.8, 0.55)):
        left = 60 + index * (width - 120) // 5
        top = int(height - 60 - value * (height - 140))
        draw.rectangle([left, top, left + (width - 120) // 5 - 20, height - 60], fill=color)
    draw.text((60, 24), label, fill="black")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def mp4_bytes(label: str = "Praxis", *, seconds: int = 4, fps: int = 10) -> bytes:
    """A short H.264 MP4 (moov first, so players start at once and can seek), made with PyAV."""
    import av

    handle, path = tempfile.mkstemp(suffix=".mp4")
    os.close(handle)
    try:
        with av.open(path, "w", format="mp4", options={"movflags": "+faststart"}) as container:
            stream = container.add_stream("libx264", rate=fps)
            stream.width, stream.height, stream.pix_fmt = 320, 180, "yuv420p"
            stream.options = {"preset": "ultrafast", "crf": "32"}
            for frame_number in range(seconds * fps):
                image = Image.new("RGB", (320, 180), (20 + frame_number * 2 % 200, 80, 150))
                draw = ImageDraw.Draw(image)
                draw.text((20, 70), f"{label}  {frame_number / fps:.1f} s", fill="white")
                for packet in stream.encode(av.VideoFrame.from_image(image)):
                    container.mux(packet)
            for packet in stream.encode():
                container.mux(packet)
        with open(path, "rb") as file:
            return file.read()
    finally:
        os.unlink(path)


# community slug → [(folder path, uploader email, file name, maker, tags, description)]
LIBRARY = {
    "math-teachers": [
        (
            ("Lesson study", "Observation protocols"),
            "facilitator@example.com",
            "observation-protocol.pdf",
            lambda: pdf_bytes(
                "Lesson observation protocol",
                [
                    "1. Before the lesson: agree on the research question.",
                    "2. During: note what pupils say and do, not the teacher.",
                    "3. After: discuss evidence, then the next cycle.",
                ],
            ),
            ["lesson study", "observation"],
            "The protocol we use in **every** lesson study cycle.",
        ),
        (
            ("Lesson study",),
            "member@example.com",
            "handshake-problem-results.png",
            lambda: png_bytes("Handshake problem: time to formula per group"),
            ["problem solving"],
            "",
        ),
        (
            ("Lesson study",),
            "member@example.com",
            "fractions-lesson-clip.mp4",
            lambda: mp4_bytes("Fractions lesson"),
            ["video", "fractions"],
            "A short clip of the opening of the fractions lesson.",
        ),
        (
            ("Resources",),
            "organizer@example.com",
            "reading-list.md",
            lambda: (
                b"# Reading list\n\n- *Principles to Actions* (NCTM)\n"
                b"- Stigler & Hiebert, *The Teaching Gap*\n- Boaler, *Mathematical Mindsets*\n"
            ),
            ["reading"],
            "",
        ),
        (
            ("Resources",),
            "facilitator@example.com",
            "warm-up-problems.txt",
            lambda: (
                b"Warm-up problems\n\n1. How many squares on a chessboard?\n"
                b"2. Sum of the first 100 odd numbers?\n3. Handshakes among 12 people?\n"
            ),
            ["problem solving"],
            "",
        ),
    ],
    "regional-planning": [
        (
            ("Local plans",),
            "organizer@example.com",
            "zoning-checklist.pdf",
            lambda: pdf_bytes(
                "Zoning review checklist",
                [
                    "Heritage constraints mapped?",
                    "Flood risk assessment attached?",
                    "Public consultation dates set?",
                ],
            ),
            ["zoning", "checklist"],
            "",
        ),
        (
            ("Local plans", "Maps"),
            "facilitator@example.com",
            "density-map.png",
            lambda: png_bytes("Housing density by district", color=(160, 80, 40)),
            ["maps"],
            "",
        ),
    ],
}


def _folder(community: Community, path: tuple[str, ...], actor: User) -> Folder:
    parent = None
    for name in path:
        folder = Folder.objects.filter(community=community, parent=parent, name=name).first()
        parent = folder or services.create_folder(community, parent=parent, name=name, actor=actor)
    return parent


@transaction.atomic
def seed_documents(communities: list[Community]) -> None:
    people = {person.email: person for person in User.objects.all()}
    for community in communities:
        for path, email, name, make, tags, description in LIBRARY.get(community.slug, []):
            uploader = people.get(email) or community.created_by
            folder = _folder(community, path, uploader)
            if Document.objects.filter(community=community, current_version__name=name).exists():
                continue
            services.upload_document(
                community,
                upload=ContentFile(make(), name=name),
                actor=uploader,
                folder=folder,
                title=name.rsplit(".", 1)[0].replace("-", " ").capitalize(),
                tags=tags,
                description=description,
            )
