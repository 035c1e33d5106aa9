"""What a file is, decided by its bytes: `filetype` for the binary kinds, a full Pillow decode for pictures
(with a pixel limit against decompression bombs), and for text a strict check that it is UTF-8 text that no
browser would sniff as HTML. A file's name never decides anything."""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

import filetype
from PIL import Image

# A picture larger than this many pixels is refused before it is decoded: a small PNG can expand to gigabytes.
# 24 megapixels holds a phone's photo (12 MP) and a scanner's A4 page at 300 dpi with room to spare.
MAX_PIXELS = 24_000_000
_PILLOW_FORMATS = {"png": "PNG", "gif": "GIF", "jpg": "JPEG"}
_BINARY_KINDS = {"png": "png", "gif": "gif", "jpg": "jpg", "pdf": "pdf"}
CONTENT_TYPES = {"png": "image/png", "gif": "image/gif", "jpg": "image/jpeg", "pdf": "application/pdf",
                 "txt": "text/plain; charset=utf-8"}
IMAGE_KINDS = frozenset(_PILLOW_FORMATS)

# The WHATWG MIME sniffing standard's HTML signatures (and XML/SVG): text that starts like this would be
# rendered as a page by a browser that sniffs, so it is never accepted as a .txt.
_HTML_START = re.compile(
    rb"^\s*<(!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--|\?xml|svg)"
    rb"(\s|>|/)", re.IGNORECASE)


@dataclass(frozen=True)
class Inspected:
    kind: str | None  # png | gif | jpg | pdf | txt, or None: not a kind any channel accepts
    width: int = 0
    height: int = 0
    problem: str = ""  # why a file that looked like a picture was refused (too many pixels, damaged)


def inspect(data: bytes) -> Inspected:
    guessed = filetype.guess(data[:8192])
    kind = _BINARY_KINDS.get(guessed.extension) if guessed else None
    if kind in IMAGE_KINDS:
        return _decoded(data, kind)
    if kind == "pdf":
        return Inspected("pdf")
    if guessed is None and _is_plain_text(data):
        return Inspected("txt")
    return Inspected(None)


def _decoded(data: bytes, kind: str) -> Inspected:
    """A picture is accepted only when Pillow decodes all of it as the format its bytes claim. Our own pixel
    limit (below Pillow's warning threshold) is checked from the header, before anything is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            if image.format != _PILLOW_FORMATS[kind]:
                return Inspected(None)
            width, height = image.size
            if width * height > MAX_PIXELS:
                return Inspected(None, width, height, "has too many pixels to be a picture we can show")
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return Inspected(None, problem="is damaged or not a picture")
    return Inspected(kind, width, height)


def _is_plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if _HTML_START.match(data.lstrip(b"\xef\xbb\xbf")):
        return False
    # Control characters other than tab, newline, carriage return and form feed mean a binary file.
    return not any(ord(ch) < 32 and ch not in "\t\n\r\f" for ch in text[:65536])
