"""How many SMS segments a text costs: GSM-7 when every character is in the GSM 03.38 alphabet, else UCS-2.

GSM-7: 160 characters in one segment, 153 per segment once split (the rest is the concatenation header);
the extension characters (€, [, ], {, }, \\, ~, ^, |, form feed) take two. UCS-2: 70 in one segment, 67
per segment once split, counted in UTF-16 code units, so an emoji takes two.
"""

from __future__ import annotations

from dataclasses import dataclass

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = set("\f^{}\\[~]|€")


@dataclass(frozen=True)
class SegmentCount:
    encoding: str  # GSM-7 | UCS-2
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int

    @property
    def label(self) -> str:
        return f"{self.segments} SMS segment{'' if self.segments == 1 else 's'} ({self.encoding})"


def _count(units: int, single: int, per_part: int) -> int:
    if units == 0:
        return 0
    return 1 if units <= single else -(-units // per_part)


def segments(text: str) -> SegmentCount:
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENSION for ch in text):
        units = sum(2 if ch in _GSM7_EXTENSION else 1 for ch in text)
        return SegmentCount("GSM-7", units, _count(units, 160, 153))
    units = len(text.encode("utf-16-le")) // 2
    return SegmentCount("UCS-2", units, _count(units, 70, 67))
