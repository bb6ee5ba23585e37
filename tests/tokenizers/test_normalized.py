"""NormalizedString / PreTokenizedString: alignments, slicing, the five split behaviors."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lexica.tokenizers.normalized import NormalizedString, PreTokenizedString, SplitDelimiterBehavior


def pieces(parts: list[NormalizedString]) -> list[tuple[str, tuple[int, int]]]:
    return [(p.normalized, p.offsets_original()) for p in parts]


@pytest.mark.parametrize(
    ("behavior", "expected"),
    [
        ("removed", [("a", (0, 1)), ("b", (3, 4))]),
        ("isolated", [("a", (0, 1)), ("-", (1, 2)), ("-", (2, 3)), ("b", (3, 4))]),
        ("merged_with_previous", [("a-", (0, 2)), ("-", (2, 3)), ("b", (3, 4))]),
        ("merged_with_next", [("a", (0, 1)), ("-", (1, 2)), ("-b", (2, 4))]),
        ("contiguous", [("a", (0, 1)), ("--", (1, 3)), ("b", (3, 4))]),
    ],
)
def test_split_behaviors(behavior: str, expected: list) -> None:
    n = NormalizedString("a--b")
    assert pieces(n.split("-", SplitDelimiterBehavior(behavior))) == expected


def test_split_behaviors_match_hf() -> None:
    pre = pytest.importorskip("tokenizers.pre_tokenizers")
    text = "--a-b--c-"
    for behavior in SplitDelimiterBehavior:
        ours = [p for p in pieces(NormalizedString(text).split("-", behavior)) if p[0]]
        theirs = pre.Split("-", behavior.value).pre_tokenize_str(text)
        assert ours == theirs, behavior


def test_alignments_survive_transform_and_slice() -> None:
    n = NormalizedString("Éa")
    # NFD-like: É -> E + combining acute (inserted char shares É's alignment)
    n.transform([("E", 0), ("\u0301", 1), ("a", 0)])
    assert n.alignments == [(0, 1), (0, 1), (1, 2)]
    tail = n.slice(2, 3)
    assert tail.normalized == "a" and tail.offsets_original() == (1, 2)
    assert n.original_range(0, 2) == (0, 1)


def test_filter_prepend_append() -> None:
    n = NormalizedString("a\x00b")
    n.filter(lambda c: c != "\x00")
    assert n.normalized == "ab" and n.alignments == [(0, 1), (2, 3)]
    n.prepend("▁")
    n.append("!")
    assert n.normalized == "▁ab!"
    assert n.alignments == [(0, 1), (0, 1), (2, 3), (2, 3)]
    empty = NormalizedString("")
    empty.prepend("▁")
    assert empty.normalized == ""  # HF: prepend on an empty string is a no-op


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from(list(SplitDelimiterBehavior)))
def test_split_pieces_slice_original(text: str, behavior: SplitDelimiterBehavior) -> None:
    for part in NormalizedString(text).split(" ", behavior):
        start, end = part.offsets_original()
        assert text[start:end] == part.original == part.normalized


def test_pretokenized_rows_offsets() -> None:
    from lexica.tokenizers.models.base import Token

    pts = PreTokenizedString("hello world")
    pts.split(lambda _, n: n.split(" ", SplitDelimiterBehavior.REMOVED))
    pts.tokenize(lambda n: [Token(len(n.normalized), n.normalized, (0, len(n.normalized)))])
    rows = pts.rows()
    assert rows.tokens == ["hello", "world"]
    assert rows.offsets == [(0, 5), (6, 11)]
    assert rows.words == [0, 1]
