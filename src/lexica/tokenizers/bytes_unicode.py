"""The GPT-2 byte <-> printable-character table used by every byte-level component.

GPT-2's byte-level BPE (Radford et al., 2019; ``bytes_to_unicode`` in openai/gpt-2 ``encoder.py``)
works on bytes but wants every byte to be a visible, non-whitespace character so that merges never
see spaces or control characters. The 188 bytes that are already printable Latin-1 characters
(``!``..``~``, ``¡``..``¬``, ``®``..``ÿ``) map to themselves; the remaining 68 bytes map, in byte
order, to U+0100, U+0101, ... This is the table HF ``tokenizers`` uses for its ByteLevel
normalizer, pre-tokenizer and decoder.
"""

from __future__ import annotations

__all__ = ["BYTES_TO_UNICODE", "UNICODE_TO_BYTES"]


def _build_table() -> dict[int, str]:
    printable = (
        list(range(ord("!"), ord("~") + 1))
        + list(range(ord("¡"), ord("¬") + 1))
        + list(range(ord("®"), ord("ÿ") + 1))
    )
    table = {b: chr(b) for b in printable}
    shifted = 0
    for b in range(256):
        if b not in table:
            # Unprintable bytes go past Latin-1, in byte order, so the table is a bijection.
            table[b] = chr(256 + shifted)
            shifted += 1
    return dict(sorted(table.items()))


BYTES_TO_UNICODE: dict[int, str] = _build_table()
UNICODE_TO_BYTES: dict[str, int] = {c: b for b, c in BYTES_TO_UNICODE.items()}
