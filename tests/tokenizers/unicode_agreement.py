"""Which characters lexica and HF ``tokenizers`` treat alike, for parity tests.

lexica follows Python's current ``unicodedata`` (Unicode 14 on Python 3.11); HF's Rust crates carry
older tables (see docs/unicode.md). Parity tests draw text only from characters on which the two
agree, and test the disagreeing ones explicitly (tests/tokenizers/test_normalizers.py).

The disagreeing set is *measured*, not guessed: ``python tests/tokenizers/unicode_agreement.py``
runs every code point through every HF normalizer and through lexica's, and writes the code points
where they differ to ``unicode_disagreements.json`` next to this file. ``hf_agreeing_text()`` excludes
exactly that set (plus the lone surrogates, which HF cannot receive from Python).

Other stages can add their own measured exclusions with ``hf_agreeing_text(exclude=...)``.
"""

from __future__ import annotations

import functools
import json
import pathlib
import sys
import unicodedata

DATA = pathlib.Path(__file__).with_name("unicode_disagreements.json")
SURROGATES = range(0xD800, 0xE000)


@functools.cache
def disagreements() -> dict[str, list[int]]:
    """``{normalizer_name: [code points where lexica and HF differ]}`` as measured."""
    if not DATA.exists():
        return {}
    return {k: v for k, v in json.loads(DATA.read_text(encoding="utf-8"))["by_normalizer"].items()}


@functools.cache
def disagreeing_code_points() -> frozenset[int]:
    """The union of all measured disagreements."""
    out: set[int] = set()
    for cps in disagreements().values():
        out.update(cps)
    return frozenset(out)


@functools.cache
def _agreeing_alphabet(exclude: frozenset[int]) -> tuple[str, ...]:
    bad = disagreeing_code_points() | exclude
    chars = []
    for cp in range(0x110000):
        if cp in bad or cp in SURROGATES:
            continue
        cat = unicodedata.category(chr(cp))
        # Unassigned and private-use code points are rare in real text; keep a thin sample of them
        # (they are in the measured set when the two libraries differ on them).
        if cat in ("Cn", "Co") and cp % 97:
            continue
        chars.append(chr(cp))
    return tuple(chars)


def agreeing_chars(exclude: frozenset[int] = frozenset()) -> tuple[str, ...]:
    """Every agreeing character (minus ``exclude``), as a tuple for ``st.sampled_from``."""
    return _agreeing_alphabet(exclude)


def hf_agreeing_text(max_size: int = 40, exclude: frozenset[int] = frozenset()):
    """A hypothesis strategy of texts whose characters lexica and HF treat alike.

    Weighted towards what tokenizers meet: ASCII, whitespace and control characters, Latin with
    combining marks, CJK, Hangul, emoji with ZWJ; plus any other agreeing character.
    """
    from hypothesis import strategies as st

    bad = disagreeing_code_points() | exclude
    every = agreeing_chars(exclude)

    def pick(chars: str) -> list[str]:
        return [c for c in chars if ord(c) not in bad]

    common = st.sampled_from(
        pick(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-_()[]{}<>/\\@#$%^&*+=~`|"
            " \t\n\r\x00\x0b\x0c\x1f\x7f\x85\xa0\u1680\u2000\u200b\u200d\u2028\u3000\ufeff\ufffd"
            "éèêëàáâäãåçñöøüÅÉİıΣσςßẞæœﬁﬂ①…™ǅǈ"
            "\u0300\u0301\u0302\u0308\u030a\u0323\u0327\u0345\u0591\u093c\u0f71\u302a"
            "中文字日本語한국어각\u1100\u1161\u11a8가ㄱ"
            "😀👍🏽👨\u200d👩\u200d👧🇫🇷❤\ufe0f"
        )
    )
    char = st.one_of(common, st.sampled_from(every))
    return st.text(alphabet=char, max_size=max_size)


def _measure(only: list[str]) -> dict[str, list[int]]:
    """Run every code point through HF and lexica, per normalizer; return the disagreeing ones."""
    from tokenizers import normalizers as hfn

    from lexica.tokenizers import normalizers as lxn

    pairs = {
        "BertNormalizer": (hfn.BertNormalizer(), lxn.BertNormalizer()),
        "BertNormalizer(strip_accents=False)": (
            hfn.BertNormalizer(strip_accents=False),
            lxn.BertNormalizer(strip_accents=False),
        ),
        "BertNormalizer(lowercase=False)": (hfn.BertNormalizer(lowercase=False), lxn.BertNormalizer(lowercase=False)),
        "Lowercase": (hfn.Lowercase(), lxn.Lowercase()),
        "Strip": (hfn.Strip(), lxn.Strip()),
        "StripAccents": (hfn.StripAccents(), lxn.StripAccents()),
        "NFC": (hfn.NFC(), lxn.NFC()),
        "NFD": (hfn.NFD(), lxn.NFD()),
        "NFKC": (hfn.NFKC(), lxn.NFKC()),
        "NFKD": (hfn.NFKD(), lxn.NFKD()),
        "Nmt": (hfn.Nmt(), lxn.Nmt()),
        "ByteLevel": (hfn.ByteLevel(), lxn.ByteLevel()),
    }
    out: dict[str, list[int]] = {}
    for name, (hf, lx) in pairs.items():
        if only and name not in only:
            continue
        bad = []
        for cp in range(0x110000):
            if cp in SURROGATES:
                continue
            # The character alone, and after a starter and before a space, so that whitespace
            # stripping and composition with a preceding letter are exercised too.
            for text in (chr(cp), "a" + chr(cp) + " "):
                if hf.normalize_str(text) != lx.normalize_str(text):
                    bad.append(cp)
                    break
        out[name] = bad
        print(f"{name}: {len(bad)} disagreeing code points", file=sys.stderr)
    return out


def main() -> None:
    import tokenizers

    # ``python unicode_agreement.py NFC Lowercase`` re-measures only those and keeps the rest.
    only = sys.argv[1:]
    by_normalizer = dict(disagreements()) if only else {}
    by_normalizer.update(_measure(only))
    payload = {
        "python_unicodedata": unicodedata.unidata_version,
        "hf_tokenizers": tokenizers.__version__,
        "by_normalizer": by_normalizer,
    }
    tmp = DATA.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, separators=(",", ":")) + "\n", encoding="utf-8")
    tmp.replace(DATA)


if __name__ == "__main__":
    main()
