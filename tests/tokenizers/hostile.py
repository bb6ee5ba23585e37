"""Load the committed hostile strings (tests/data/hostile_strings.json) for the parity tests.

Entries whose ``text`` is an object are generated here (the 100k-character word would bloat the
file): ``{"generate": "repeat", "unit": u, "count": n}`` is ``u * n``.
"""

from __future__ import annotations

import functools
import gc
import json
import pathlib

from lexica.errors import LexicaError

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "hostile_strings.json"
SURROGATES = range(0xD800, 0xE000)


def _materialize(text: object, name: str) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, dict) and text.get("generate") == "repeat":
        return str(text["unit"]) * int(text["count"])
    raise ValueError(f"{DATA}: entry {name!r}: unknown text spec {text!r}")


@functools.cache
def hostile_strings() -> tuple[tuple[str, str], ...]:
    """``(name, text)`` for every hostile string, generated ones included."""
    entries = json.loads(DATA.read_text(encoding="utf-8"))["strings"]
    return tuple((e["name"], _materialize(e["text"], e["name"])) for e in entries)


def has_surrogate(text: str) -> bool:
    return any(ord(c) in SURROGATES for c in text)


def hf_safe(text: str) -> str:
    """What lexica actually encodes (and what HF can receive): lone surrogates -> U+FFFD."""
    return "".join("\ufffd" if ord(c) in SURROGATES else c for c in text)


# ---------------------------------------------------------------------- comparing with HF

ENCODING_FIELDS = (
    "ids", "tokens", "offsets", "type_ids", "word_ids", "sequence_ids",
    "special_tokens_mask", "attention_mask",
)


def encoding_diff(ours, ref, where: str = "") -> str | None:
    """The first field where a lexica Encoding and an HF Encoding differ (overflowing included)."""
    for name in ENCODING_FIELDS:
        a, b = getattr(ours, name), getattr(ref, name)  # lists (offsets: lists of tuples) in both
        if a != b:
            a, b = list(a), list(b)
            i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
            return f"{where}{name} differ at {i}: ours {a[i:i + 6]} (len {len(a)}) vs HF {b[i:i + 6]} (len {len(b)})"
    theirs = ref.overflowing  # HF builds (copies) the whole list on every access: once here
    if len(ours.overflowing) != len(theirs):
        return f"{where}overflowing: ours {len(ours.overflowing)} vs HF {len(theirs)}"
    for k, (a, b) in enumerate(zip(ours.overflowing, theirs)):
        diff = encoding_diff(a, b, f"{where}overflowing[{k}].")
        if diff:
            return diff
    return None


def outcome(fn, *args):
    """``("ok", value)`` or ``("error", None)``: both libraries must agree on failing too."""
    try:
        return "ok", fn(*args)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # noqa: BLE001 - any error (HF panics are BaseExceptions) is "refused"
        return "error", None


def lexica_outcome(fn, *args):
    """Like ``outcome``, but lexica may only refuse with a ``LexicaError`` (anything else is a crash
    and propagates)."""
    try:
        return "ok", fn(*args)
    except LexicaError:
        return "error", None


def same_encode(ours, ref, sequence, pair=None, is_pretokenized=False, add_special_tokens=True) -> str | None:
    """Encode with both (HF gets lone surrogates as U+FFFD); return a description of any difference."""
    hf_seq = _hf_input(sequence)
    hf_pair = None if pair is None else _hf_input(pair)
    k1, a = lexica_outcome(lambda: ours.encode(sequence, pair, is_pretokenized, add_special_tokens))
    k2, b = outcome(lambda: ref.encode(hf_seq, hf_pair, is_pretokenized=is_pretokenized,
                                       add_special_tokens=add_special_tokens))
    if k1 != k2:
        return f"lexica {k1} but HF {k2}"
    return None if a is None else encoding_diff(a, b)


def same_decode(ours, ref, ids, skip_special_tokens=True) -> str | None:
    a, b = ours.decode(ids, skip_special_tokens), ref.decode(ids, skip_special_tokens=skip_special_tokens)
    return None if a == b else f"decode differs: ours {a[:80]!r} vs HF {b[:80]!r}"


def _hf_input(x):
    if isinstance(x, str):
        return hf_safe(x)
    return [hf_safe(w) for w in x]


def check_offsets(text: str, encoding) -> None:
    """Offsets of the non-special tokens are in bounds, and their starts and ends never go back."""
    last_start = last_end = 0
    for (start, end), special in zip(encoding.offsets, encoding.special_tokens_mask):
        if special:
            continue
        assert 0 <= start <= end <= len(text), (start, end, len(text))
        assert start >= last_start and end >= last_end, ((start, end), (last_start, last_end))
        last_start, last_end = start, end


def entries_left_tracked(tokenizer, texts: list[str], keep=lambda word: True) -> tuple[int, list]:
    """Fill ``tokenizer``'s fast path cache from ``texts`` (each alone, then upper-cased and reversed as
    one batch: prefetched) with the cycle collector off, run exactly two collections, and return the
    number of cache entries of the words ``keep`` accepts and those still tracked by the collector."""
    from lexica.tokenizers import fast_path

    encoder = fast_path._encoder(tokenizer)
    gc.disable()  # no collection but the two below
    try:
        for text in texts:  # per word (``_compute``)
            tokenizer.encode(text)
        tokenizer.encode_batch([t.upper() for t in texts] + [t[::-1] for t in texts])
        entries = [e for w, e in [*encoder._old.items(), *encoder._young.items()] if keep(w)]
        gc.collect()
        gc.collect()
    finally:
        gc.enable()
    return len(entries), [e for e in entries if gc.is_tracked(e)]
