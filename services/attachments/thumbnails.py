"""Thumbnails shown in the timeline: at most 320×240, made once when the file arrives. Pictures with
transparency stay PNG; the rest become JPEG, which is a fraction of the size for photos."""

from __future__ import annotations

import io

from PIL import Image, ImageOps

BOX = (320, 240)


def thumbnail(data: bytes) -> tuple[bytes, str, tuple[int, int]]:
    """The thumbnail's bytes, its kind (png | jpg) and size. The picture was already fully decoded by
    inspection; a phone's photo is turned the way its camera held it."""
    with Image.open(io.BytesIO(data)) as image:
        image.seek(0)  # an animated GIF: its first frame
        image.draft("RGB", (BOX[0] * 2, BOX[1] * 2))  # a JPEG decodes at a fraction of its size: much faster
        upright = ImageOps.exif_transpose(image)
        picture = upright.convert("RGBA") if _has_alpha(image) else upright.convert("RGB")
        picture.thumbnail(BOX)
        out = io.BytesIO()
        if picture.mode == "RGBA":
            picture.save(out, "PNG", optimize=True)
            kind = "png"
        else:
            picture.save(out, "JPEG", quality=82, optimize=True)
            kind = "jpg"
        return out.getvalue(), kind, picture.size


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
