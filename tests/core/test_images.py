"""core.images.strip_metadata: location and device metadata dropped, pixels kept bit for bit."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, ImageFile, ImageOps, ImageSequence, PngImagePlugin
from PIL.TiffImagePlugin import IFDRational

from core.images import strip_metadata

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
MAKE, MODEL, ORIENTATION, BODY_SERIAL = 0x010F, 0x0110, 0x0112, 0xA431
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:li>GPSLatitude 48,51.5N</rdf:li></x:xmpmeta>'
# Bytes of the metadata above, none of which may be left anywhere in a stripped file.
SECRETS = (b"Canon", b"EOS R5", b"SN-0042", b"48,51.5N", b"secret comment", b"Exif")
ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def _exif(orientation: int | None = None, make: str = "Canon") -> bytes:
    """An EXIF block with a GPS position, camera make, model and body serial number."""
    exif = Image.Exif()
    exif[MAKE], exif[MODEL] = make, "EOS R5"
    if orientation is not None:
        exif[ORIENTATION] = orientation
    exif.get_ifd(EXIF_IFD)[BODY_SERIAL] = "SN-0042"
    degrees = tuple(IFDRational(value) for value in (48, 51, 29))
    exif.get_ifd(GPS_IFD).update({1: "N", 2: degrees, 3: "E", 4: degrees})
    return exif.tobytes()


def _picture(mode: str = "RGB", size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A deterministic busy picture, so that every scan and block carries real data."""
    count = size[0] * size[1] * len(mode)
    return Image.frombytes(mode, size, bytes((i * 37 ^ i >> 3) & 0xFF for i in range(count)))


def _save(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def _frames(data: bytes) -> list[tuple]:
    """Every frame's mode, size, pixels and palette: what the picture looks like."""
    return [
        (frame.mode, frame.size, frame.tobytes(), frame.getpalette())
        for frame in ImageSequence.Iterator(_open(data))
    ]


def _assert_clean(data: bytes) -> None:
    for secret in SECRETS + (XMP,):
        assert secret not in data


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + (len(payload) + 2).to_bytes(2) + payload


def _jpeg_with(data: bytes, *segments: bytes) -> bytes:
    """The JPEG with segments inserted after its SOI and JFIF APP0."""
    at = 4 + int.from_bytes(data[4:6])
    return data[:at] + b"".join(segments) + data[at:]


def _jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's segments from after SOI up to the first SOS."""
    markers, pos = [], 2
    while data[pos + 1] != 0xDA:
        markers.append(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4])
    return [*markers, 0xDA]


def _png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A PNG's chunks (type, body), checking every CRC and that nothing follows IEND."""
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        assert data[pos + 8 + length : pos + 12 + length] == struct.pack(
            ">I", zlib.crc32(kind + body)
        )
        chunks.append((kind, body))
        pos += 12 + length
    assert chunks[-1][0] == b"IEND"
    return chunks


def _png_with(data: bytes, *chunks: tuple[bytes, bytes]) -> bytes:
    """The PNG with chunks inserted right after IHDR."""
    extra = b"".join(
        struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        for kind, body in chunks
    )
    return data[:33] + extra + data[33:]


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """A WebP's chunks (fourcc, body), checking the RIFF size and the even padding."""
    assert int.from_bytes(data[4:8], "little") == len(data) - 8
    chunks, pos = [], 12
    while pos < len(data):
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        chunks.append((fourcc, data[pos + 8 : pos + 8 + size]))
        pos += 8 + size + (size & 1)
    assert pos == len(data)
    return chunks


def _webp_with(data: bytes, *chunks: tuple[bytes, bytes]) -> bytes:
    """The WebP with chunks appended inside its RIFF payload."""
    extra = b"".join(
        fourcc + struct.pack("<I", len(body)) + body + b"\0" * (len(body) & 1)
        for fourcc, body in chunks
    )
    body = data[8:] + extra
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _gif_with(data: bytes, *blocks: bytes) -> bytes:
    """The GIF with blocks inserted after its header and global color table."""
    at = 13 + (3 << ((data[10] & 7) + 1) if data[10] & 0x80 else 0)
    return data[:at] + b"".join(blocks) + data[at:]


# An XMP packet as GIF carries it: raw bytes, then a "magic trailer" that ends the sub-blocks.
GIF_XMP = b"!\xff\x0bXMP DataXMP" + XMP + b"\x01" + bytes(range(255, -1, -1)) + b"\x00"


def test_strip_metadata_jpeg_drops_gps_and_camera_exif():
    data = _save(_picture(), "JPEG", exif=_exif())
    assert _open(data).getexif().get_ifd(GPS_IFD)

    stripped = strip_metadata(data, "image/jpeg")

    image = _open(stripped)
    assert "exif" not in image.info
    assert not image.getexif()
    assert not image.getexif().get_ifd(GPS_IFD)
    assert 0xE1 not in _jpeg_markers(stripped)
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_drops_xmp_and_extended_xmp():
    extended = b"http://ns.adobe.com/xmp/extension/\0" + b"0" * 32 + struct.pack(">II", 99, 0)
    data = _jpeg_with(_save(_picture(), "JPEG", xmp=XMP), _segment(0xE1, extended + XMP))
    assert _open(data).info["xmp"] == XMP

    stripped = strip_metadata(data, "image/jpeg")

    assert "xmp" not in _open(stripped).info
    assert b"ns.adobe.com" not in stripped
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_drops_comment():
    data = _save(_picture(), "JPEG", comment="secret comment")
    assert _open(data).info["comment"] == b"secret comment"

    stripped = strip_metadata(data, "image/jpeg")

    assert "comment" not in _open(stripped).info
    assert 0xFE not in _jpeg_markers(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_drops_unknown_app_segments():
    data = _jpeg_with(
        _save(_picture(), "JPEG"),
        _segment(0xE0, b"AVI1\0Canon"),  # APP0 that is not JFIF
        _segment(0xE2, b"FPXR\0Canon"),  # APP2 that is not an ICC profile
        _segment(0xE3, b"Canon"),
        _segment(0xED, b"Photoshop 3.0\0" + b"8BIM" + b"SN-0042"),
        _segment(0xEF, b"EOS R5"),
    )

    stripped = strip_metadata(data, "image/jpeg")

    assert _jpeg_markers(stripped) == [0xE0, 0xDB, 0xDB, 0xC0, 0xC4, 0xC4, 0xC4, 0xC4, 0xDA]
    assert stripped[6:11] == b"JFIF\0"
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_drops_everything_after_eoi():
    # A multi-picture file (MPO): an MPF index in APP2, then a second JPEG with its own EXIF.
    first, second = _picture(), _picture().rotate(90)
    exif = _exif(make="SecondCam")
    data = _save(first, "MPO", save_all=True, append_images=[second], exif=exif)
    assert _open(data).n_frames == 2
    assert data.count(b"SecondCam") == 2

    stripped = strip_metadata(data + b"payload", "image/jpeg")

    assert stripped == strip_metadata(_save(first, "JPEG"), "image/jpeg")
    assert stripped.endswith(b"\xff\xd9")
    assert b"SecondCam" not in stripped
    assert b"MPF" not in stripped
    assert b"payload" not in stripped


def test_strip_metadata_jpeg_keeps_icc_profile():
    data = _save(_picture(), "JPEG", icc_profile=ICC, exif=_exif())

    stripped = strip_metadata(data, "image/jpeg")

    assert _open(stripped).info["icc_profile"] == ICC
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_keeps_adobe_segment_of_cmyk():
    # Without APP14 "Adobe" a decoder would not know the CMYK values are inverted.
    data = _save(_picture("CMYK"), "JPEG", exif=_exif())
    assert "adobe" in _open(data).info

    stripped = strip_metadata(data, "image/jpeg")

    assert "adobe" in _open(stripped).info
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_keeps_orientation_only():
    data = _save(_picture(), "JPEG", exif=_exif(orientation=6))

    stripped = strip_metadata(data, "image/jpeg")

    exif = _open(stripped).getexif()
    assert dict(exif) == {ORIENTATION: 6}
    assert not exif.get_ifd(GPS_IFD)
    assert ImageOps.exif_transpose(_open(stripped)).size == (48, 64)  # shown upright
    assert _jpeg_markers(stripped)[:2] == [0xE0, 0xE1]  # right after SOI and JFIF
    for secret in SECRETS[:-1]:
        assert secret not in stripped
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_orientation_one_leaves_no_exif():
    data = _save(_picture(), "JPEG", exif=_exif(orientation=1))

    stripped = strip_metadata(data, "image/jpeg")

    assert "exif" not in _open(stripped).info
    _assert_clean(stripped)


def test_strip_metadata_progressive_jpeg_keeps_every_scan():
    data = _save(_picture(), "JPEG", progressive=True, exif=_exif(), comment="secret comment")
    scans = data.count(b"\xff\xda")
    assert scans > 1

    stripped = strip_metadata(data, "image/jpeg")

    assert stripped.count(b"\xff\xda") == scans
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_jpeg_keeps_restart_markers_inside_scan():
    data = _save(_picture(), "JPEG", restart_marker_blocks=1, exif=_exif())
    restarts = sum(data.count(bytes((0xFF, rst))) for rst in range(0xD0, 0xD8))
    assert restarts > 1

    stripped = strip_metadata(data, "image/jpeg")

    assert sum(stripped.count(bytes((0xFF, rst))) for rst in range(0xD0, 0xD8)) == restarts
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_png_drops_text_xmp_exif_and_private_chunks():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "secret comment")
    info.add_text("Camera", "EOS R5", zip=True)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    data = _save(_picture(), "PNG", pnginfo=info, exif=_exif(), icc_profile=ICC)
    data = _png_with(data, (b"tIME", b"\x07\xe8\x01\x02\x03\x04\x05"), (b"prVt", b"SN-0042"))
    assert {b"tEXt", b"zTXt", b"iTXt", b"eXIf"} <= {kind for kind, _ in _png_chunks(data)}

    stripped = strip_metadata(data, "image/png")

    assert [kind for kind, _ in _png_chunks(stripped)] == [b"IHDR", b"iCCP", b"IDAT", b"IEND"]
    image = _open(stripped)
    assert not image.getexif()
    assert {"Author", "Camera", "XML:com.adobe.xmp", "xmp", "exif"}.isdisjoint(image.info)
    assert image.info["icc_profile"] == ICC
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_png_drops_everything_after_iend():
    data = _save(_picture(), "PNG")

    stripped = strip_metadata(data + _save(_picture(), "PNG", exif=_exif()), "image/png")

    assert stripped == data
    _assert_clean(stripped)


def test_strip_metadata_png_keeps_orientation_only_before_image_data():
    data = _save(_picture(), "PNG", exif=_exif(orientation=6))

    stripped = strip_metadata(data, "image/png")

    chunks = _png_chunks(stripped)  # checks the new chunk's CRC
    assert [kind for kind, _ in chunks] == [b"IHDR", b"eXIf", b"IDAT", b"IEND"]
    assert not chunks[1][1].startswith(b"Exif")  # eXIf holds bare TIFF bytes
    assert dict(_open(stripped).getexif()) == {ORIENTATION: 6}
    for secret in SECRETS[:-1]:
        assert secret not in stripped
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_png_orientation_one_leaves_no_exif():
    data = _save(_picture(), "PNG", exif=_exif(orientation=1))

    stripped = strip_metadata(data, "image/png")

    assert b"eXIf" not in stripped
    assert not _open(stripped).getexif()


def test_strip_metadata_animated_png_keeps_every_frame():
    frames = [_picture(), _picture().rotate(90), _picture().rotate(180)]
    data = _save(frames[0], "PNG", save_all=True, append_images=frames[1:], exif=_exif())
    assert _open(data).n_frames == 3

    stripped = strip_metadata(data, "image/png")

    assert _open(stripped).n_frames == 3
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_webp_drops_exif_and_xmp():
    icc = ICC + b"\0" * (1 - len(ICC) % 2)  # an odd-sized chunk, to be kept padded
    data = _save(_picture(), "WEBP", lossless=True, exif=_exif(), xmp=XMP, icc_profile=icc)
    data = _webp_with(data, (b"GPSx", b"Canon"))  # an unknown chunk, odd-sized
    assert data[20] & 0x0C == 0x0C

    stripped = strip_metadata(data + b"trailing", "image/webp")

    chunks = _webp_chunks(stripped)  # checks RIFF size, padding, nothing trailing
    assert [fourcc for fourcc, _ in chunks] == [b"VP8X", b"ICCP", b"VP8L"]
    assert chunks[0][1][0] & 0x0C == 0  # VP8X no longer announces EXIF and XMP
    image = _open(stripped)
    assert "exif" not in image.info
    assert "xmp" not in image.info
    assert image.info["icc_profile"] == icc
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_animated_webp_keeps_every_frame():
    frames = [_picture(), _picture().rotate(90), _picture().rotate(180)]
    data = _save(
        frames[0],
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        lossless=True,
        duration=[100, 200, 300],
        loop=3,
        exif=_exif(),
        xmp=XMP,
    )

    stripped = strip_metadata(data, "image/webp")

    assert [fourcc for fourcc, _ in _webp_chunks(stripped)] == [b"VP8X", b"ANIM"] + [b"ANMF"] * 3
    image = _open(stripped)
    assert image.n_frames == 3
    assert image.info["loop"] == 3
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_gif_drops_comment_xmp_and_trailing_bytes():
    data = _gif_with(_save(_picture().convert("P"), "GIF", comment="secret comment"), GIF_XMP)
    assert _open(data).info["comment"] == b"secret comment"

    stripped = strip_metadata(data + b"trailing Canon", "image/gif")

    assert "comment" not in _open(stripped).info
    assert b"XMP DataXMP" not in stripped
    assert stripped.endswith(b"\0;")
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


def test_strip_metadata_animated_gif_keeps_frames_timing_and_looping():
    frames = [_picture().convert("P"), _picture().rotate(90).convert("P"), Image.new("P", (64, 48))]
    data = _save(
        frames[0],
        "GIF",
        save_all=True,
        append_images=frames[1:],
        duration=[100, 200, 300],
        loop=0,
        comment="secret comment",
        transparency=0,
    )
    data = _gif_with(data, GIF_XMP)

    stripped = strip_metadata(data, "image/gif")

    image = _open(stripped)
    assert image.n_frames == 3
    assert image.info["loop"] == 0  # NETSCAPE2.0 kept
    assert [frame.info["duration"] for frame in ImageSequence.Iterator(image)] == [100, 200, 300]
    _assert_clean(stripped)
    assert _frames(stripped) == _frames(data)


SAMPLES = {
    "image/jpeg": lambda: _save(_picture(size=(24, 16)), "JPEG", exif=_exif(6), comment="c"),
    "image/png": lambda: _save(_picture(size=(24, 16)), "PNG", exif=_exif(6)),
    "image/webp": lambda: _save(_picture(size=(24, 16)), "WEBP", exif=_exif(6), xmp=XMP),
    "image/gif": lambda: _gif_with(_save(_picture(size=(24, 16)).convert("P"), "GIF"), GIF_XMP),
}


@pytest.mark.parametrize("content_type", SAMPLES)
def test_strip_metadata_truncated_input_raises_value_error(content_type):
    data = SAMPLES[content_type]()
    strip_metadata(data, content_type)  # whole, it strips

    for cut in range(len(data)):
        with pytest.raises(ValueError):
            strip_metadata(data[:cut], content_type)


@pytest.mark.parametrize(
    ("content_type", "corrupt"),
    [
        ("image/jpeg", lambda data: data[:4] + b"\x00\x01" + data[6:]),  # length below 2
        ("image/jpeg", lambda data: data[:4] + b"\xff\xf0" + data[6:]),  # past the end
        ("image/png", lambda data: data[:33] + b"\xff\xff\xff\xf0" + data[37:]),
        ("image/png", lambda data: data[:-12] + b"\x00\x00\x01\x00" + data[-8:]),  # IEND
        ("image/webp", lambda data: data[:16] + b"\x00\x00\x00\x00" + data[20:]),  # VP8X
        ("image/webp", lambda data: data[:16] + b"\xff\xff\xff\x0f" + data[20:]),
        ("image/gif", lambda data: data[: data.index(b"!\xff") + 2] + b"\xff"),
    ],
)
def test_strip_metadata_length_past_the_end_raises_value_error(content_type, corrupt):
    with pytest.raises(ValueError):
        strip_metadata(corrupt(SAMPLES[content_type]()), content_type)


@pytest.mark.parametrize("content_type", SAMPLES)
def test_strip_metadata_wrong_signature_raises_value_error(content_type):
    for other_type, sample in SAMPLES.items():
        if other_type != content_type:
            with pytest.raises(ValueError):
                strip_metadata(sample(), content_type)


@pytest.mark.parametrize("content_type", ["image/svg+xml", "image/tiff", "application/pdf", ""])
def test_strip_metadata_other_content_types_come_back_unchanged(content_type):
    data = _save(_picture(), "TIFF", exif=_exif())

    assert strip_metadata(data, content_type) is data


def test_strip_metadata_never_decodes_pixels(monkeypatch):
    # Images over the pixel limit are stripped too: decoding them is what the limit prevents.
    samples = {content_type: sample() for content_type, sample in SAMPLES.items()}

    def refuse(self):
        raise AssertionError("pixels decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)
    for content_type, data in samples.items():
        assert len(strip_metadata(data, content_type)) < len(data)


def test_strip_metadata_leaves_a_clean_image_as_it_is():
    for content_type, sample in SAMPLES.items():
        stripped = strip_metadata(sample(), content_type)
        assert strip_metadata(stripped, content_type) == stripped
