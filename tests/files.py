"""Files for attachment tests, made here rather than checked in: real pictures from Pillow, a PDF, text, and
the hostile ones (a program renamed .png, a page renamed .txt, a decompression bomb)."""

from __future__ import annotations

import io

from PIL import Image

MIB = 1024 * 1024


def picture(fmt: str = "PNG", size: tuple[int, int] = (640, 480), color=(40, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, fmt)
    return out.getvalue()


def png(size=(640, 480)) -> bytes:
    return picture("PNG", size)


def jpg(size=(640, 480)) -> bytes:
    return picture("JPEG", size)


def gif(size=(64, 64)) -> bytes:
    return picture("GIF", size)


def pdf(pad_to: int = 0) -> bytes:
    body = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>"
            b"endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n")
    return body + b"%" * max(0, pad_to - len(body) - 6) + b"\n%%EOF" if pad_to else body + b"%%EOF\n"


def text(content: str = "Order 1042 arrived damaged.\nPhotos to follow.\n") -> bytes:
    return content.encode()


def program() -> bytes:
    """The start of a Windows program: what a renamed .exe holds."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00" + b"\x00" * 200


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def decompression_bomb() -> bytes:
    """A few kilobytes of PNG that decode to 100 million pixels."""
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG", optimize=True)
    return out.getvalue()
