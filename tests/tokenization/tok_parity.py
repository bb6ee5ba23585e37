"""The field-by-field comparison of a lexica call with a transformers call, shared by the tokenization tests."""

from __future__ import annotations

from typing import Any


def plain(value: Any) -> Any:
    """(kind, dtype, shape, values) of a tensor; lists and tuples as plain lists."""
    if hasattr(value, "dtype") and hasattr(value, "shape"):
        kind = type(value).__module__.split(".")[0]
        return (kind, str(value.dtype).replace("torch.", ""), tuple(value.shape), value.tolist())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _run(tokenizer, args: tuple, options: dict[str, Any]) -> tuple[str, Any]:
    try:
        return "ok", tokenizer(*args, **options)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as err:  # noqa: BLE001 - Rust panics are BaseExceptions
        return "error", err


def compare(ours_tok, hf_tok, args: tuple, hf_args: tuple, options: dict[str, Any]) -> str | None:
    """A description of the first difference between the two calls, or None."""
    k1, ours = _run(ours_tok, args, options)
    k2, hf = _run(hf_tok, hf_args, options)
    if k1 != k2:
        return f"ours {k1} ({ours if k1 == 'error' else ''}) vs HF {k2} ({hf if k2 == 'error' else ''})"
    if k1 == "error":
        return None
    if list(ours.keys()) != list(hf.keys()):
        return f"keys: ours {list(ours.keys())} vs HF {list(hf.keys())}"
    for key in hf.keys():
        a, b = plain(ours[key]), plain(hf[key])
        if a != b:
            return f"{key}: ours {str(a)[:300]} vs HF {str(b)[:300]}"
    if len(ours.encodings) != len(hf.encodings):
        return f"encodings: ours {len(ours.encodings)} vs HF {len(hf.encodings)}"
    for i in range(len(hf.encodings)):
        for what in ("tokens", "word_ids", "sequence_ids"):
            a, b = getattr(ours, what)(i), getattr(hf, what)(i)
            if list(a) != list(b):
                return f"row {i} {what}: ours {a[:12]} vs HF {b[:12]}"
    return None
