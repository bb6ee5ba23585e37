"""Unigram: the SentencePiece unigram language model (Kudo 2018), as HF `tokenizers`' `Unigram`.

The vocab is a list of (piece, log-probability score) pairs; a piece's id is its index. A word is
segmented into the pieces whose scores sum highest: Viterbi over a lattice whose nodes are every
vocab piece found at every character position. A position with no single-character piece also
gets an unknown node of one character, scored `min_score - 10` (SentencePiece's `kUnkPenalty`; like
HF, the minimum is over every piece in the vocab). Consecutive unknown nodes are fused into one
token whose string is the text it covers (as HF does; its id is `unk_id`). With `byte_fallback`, an
unknown run becomes its UTF-8 bytes as `<0xXX>` tokens, all with the run's offsets, when the vocab
has all of them; otherwise it stays one unk token.

Ties follow HF's loop exactly: positions left to right, pieces at a position from shortest to
longest, the unknown node last, and a node replaces the best path into its end only when its
score is strictly higher.

Beyond `tokenize`, following SentencePiece's `NBestEncode` and `SampleEncode`:
- `nbest(word, n)`: the n highest-scoring segmentations, best first (A* search over the lattice,
  with the exact best score from each position to the end as the heuristic).
- `sample(word, alpha, nbest_size, seed)`: subword regularisation. `nbest_size` 0 or 1 gives the
  Viterbi segmentation; `nbest_size > 1` draws one of the `nbest_size` best segmentations with
  probability proportional to `exp(alpha * score)`; `nbest_size < 0` draws from every segmentation
  with that probability (forward filtering, backward sampling). Randomness comes from
  `random.Random(seed)` when `seed` is given, else from the model's own generator (seeded by the
  constructor's `seed`), so fixed seeds reproduce; SentencePiece's generator cannot be matched.

Fast path: the lattice is never materialised for `tokenize`. One dict maps every piece to (id,
score) and every proper prefix of a piece to None, so the scan at a position stops at the first
substring that starts no piece: one slice and one dict lookup per lattice node. Finished words go
in a bounded `WordCache`, as in BPE. When no piece holds "▁" past its first character (checked at
load time; true of SentencePiece vocabs) and "▁" is a piece, a word is cut before every "▁": no
lattice node spans such a cut, so Viterbi runs per "▁"-word, each cached, and gives the full path
exactly (ties and float rounding included: see `_segmented_tokens`). This matters when Metaspace
does not split (converted SentencePiece files): a whole paragraph is then one word. A segment's
Viterbi (`_best_path`) records the node scores on the way and builds the (id, piece, start, end)
rows directly unless the path holds unknown nodes; `lexica.tokenizers.fast_unigram` caches these
per original word, ahead of normalization.

SentencePiece mode (`reserved_ids`, `float32_sums`; set by `lexica.tokenizers.sentencepiece` for
`.model` files, never read from or written to tokenizer.json): control, unknown, byte and unused
pieces are kept out of the lattice, and `tokenize` sums path scores in float32, as sentencepiece's
`EncodeOptimized` does, so exact ties break its way. n-best and sampling stay in float64.

tokenizer.json: {"type": "Unigram", "unk_id": int | null, "vocab": [[piece, score], ...],
"byte_fallback": bool}; `to_dict` writes exactly that. HF reads the scores with serde_json's default
float parser, which is not correctly rounded: about one score in six (those written with 17
significant digits, as converted SentencePiece float32 scores are) lands one ulp away from the
value Python's `json` reads. Exact ties in Viterbi depend on those bits, so `from_dict` applies the
same parse (`hf_json_float`) and `to_dict` then writes what HF writes after loading the file.
"""

from __future__ import annotations

import array
import heapq
import itertools
import math
import random
import re
import struct
from collections.abc import Iterable
from typing import Any

from lexica.errors import InvalidInputError, TokenizerFileError
from lexica.tokenizers.models.base import (
    DEFAULT_CACHE_CAPACITY,
    Token,
    WordCache,
    check_bool,
    describe,
    require,
)

__all__ = ["Unigram", "UNK_PENALTY", "hf_json_float"]

UNK_PENALTY = 10.0  # SentencePiece's kUnkPenalty: unknown nodes score min_score - 10
_new_token = tuple.__new__  # builds a Token without NamedTuple.__new__'s argument handling
_NOT_A_PREFIX = object()  # dict default: the substring starts no piece
_NEG_INF = float("-inf")

# One node of the lattice: (end position, piece id, score); unknown nodes carry id -1.
Node = tuple[int, int, float]


class Unigram:
    """Unigram language-model segmentation. Treat the attributes as read-only after construction."""

    def __init__(
        self,
        vocab: list[tuple[str, float]] | None = None,
        unk_id: int | None = None,
        byte_fallback: bool = False,
        *,
        seed: int | None = None,
        cache_capacity: int = DEFAULT_CACHE_CAPACITY,
        path: str = "model",
        reserved_ids: Iterable[int] = (),
        float32_sums: bool = False,
    ) -> None:
        """`vocab` is [(piece, score), ...] with ids = positions; `path` is named in errors.

        SentencePiece mode (set by `lexica.tokenizers.sentencepiece` for `.model` files; neither is
        part of tokenizer.json, so HF's behaviour comes back after a save and reload):
        `reserved_ids` are pieces the lattice never matches in text (SentencePiece's control,
        unknown, byte and unused pieces: "<s>" in the input is "<", "s", ">"); `float32_sums` rounds
        every path score to float32 as SentencePiece's Viterbi does, so exact ties between
        segmentations break the same way (`vocab` scores must then be the model's float32 values).
        """
        self.vocab = [(str(piece), float(score)) for piece, score in vocab or []]
        if unk_id is not None:
            if not self.vocab:
                raise TokenizerFileError(f"{path}.vocab: empty, but unk_id is {unk_id} (HF: EmptyVocabulary)")
            if not 0 <= unk_id < len(self.vocab):
                raise TokenizerFileError(
                    f"{path}.unk_id: expected an index into {path}.vocab (0 to {len(self.vocab) - 1}), "
                    f"found {unk_id} (HF: UnkIdNotInVocabulary)"
                )
        self.unk_id = unk_id
        self.byte_fallback = byte_fallback
        # A piece listed twice maps to its last id, as HF's token -> id map does.
        self._ids = {piece: index for index, (piece, _) in enumerate(self.vocab)}
        self.reserved_ids = frozenset(reserved_ids)
        self.float32_sums = bool(float32_sums)
        self._table = self._build_table()
        self.min_score = min((score for _, score in self.vocab), default=math.inf)
        self._unk_score = self.min_score - UNK_PENALTY
        if self.float32_sums:
            self._unk_score = _f32(self._unk_score)
        self._byte_ids = [self._ids.get(f"<0x{b:02X}>") for b in range(256)]
        self._rng = random.Random(seed)
        self._cache = WordCache(cache_capacity)
        # Cutting before each "▁" (`_segmented_tokens`): only when no lattice node can span a cut,
        # "▁" is a piece and the unk piece does not start with it.
        self._max_abs = max([abs(self._unk_score)] + [abs(score) for _, score in self.vocab])
        self._segmentable = (
            self._table.get(_SPACE) is not None
            and (unk_id is None or not self.vocab[unk_id][0].startswith(_SPACE))
            and math.isfinite(self._max_abs)
            and all(entry is None or _SPACE not in piece[1:] for piece, entry in self._table.items())
        )
        # Distinct "▁"-words outnumber distinct pre-tokenized words in a text (a paragraph is one
        # word when Metaspace does not split), so this cache is 3x the word cache.
        self._segments = WordCache(3 * cache_capacity)
        self._roundoff = 2.0**-24 if self.float32_sums else 2.0**-53

    def __repr__(self) -> str:
        return f"Unigram(vocab_size={len(self.vocab)}, unk_id={self.unk_id}, byte_fallback={self.byte_fallback})"

    def _build_table(self) -> dict[str, tuple[int, float] | None]:
        """piece -> (id, score) and every proper prefix of a piece -> None (if not a piece itself)."""
        table: dict[str, tuple[int, float] | None] = {}
        vocab = self.vocab
        reserved = self.reserved_ids
        for piece, index in self._ids.items():
            if not piece or index in reserved:
                continue  # an empty piece can never be a lattice node (HF's trie skips it too)
            table[piece] = (index, vocab[index][1])
            for end in range(len(piece) - 1, 0, -1):
                prefix = piece[:end]
                if prefix in table:
                    break  # a shorter prefix of it is already there, whoever added it
                table[prefix] = None
        return table

    # ---- encoding ---------------------------------------------------------------------------

    def tokenize(self, sequence: str) -> list[Token]:
        if not sequence:
            return []
        hit = self._cache.get(sequence)
        if hit is not None:
            return list(hit)
        if self._segmentable and _SPACE in sequence[1:]:
            tokens = self._segmented_tokens(sequence)
        else:
            path = self._viterbi_f32(sequence) if self.float32_sums else self._viterbi(sequence)
            tokens = self._to_tokens(sequence, path)
        self._cache.put(sequence, tuple(tokens))
        return tokens

    def _segmented_tokens(self, text: str) -> list[Token]:
        """`_to_tokens(text, _viterbi(text))`, computed one "▁"-word at a time with a cache per word.

        When no lattice node contains "▁" past its first character, no node spans the position
        before a "▁", so every path passes through it and the full Viterbi restricted to a segment
        is the segment's own Viterbi started from the score `base` reached there. Started from 0
        instead (so it can be cached), its decisions are the same unless two candidates were
        closer than the rounding error that adding `base` can introduce: each cached segment keeps
        the largest |base| its smallest decision margin allows (`_entry`), and beyond it the segment
        is run again from the exact `base`. Exact ties (margin 0) always take that path, so
        tie-breaking is the full Viterbi's, in float64 (HF) and in float32 (SentencePiece) alike.
        "▁" is a piece and the unk piece does not start with "▁", so no segment after the first
        starts with an unknown node, and unknown runs (fused into one token) never cross a cut.
        """
        f32 = self.float32_sums
        get, put = self._segments.get, self._segments.put
        parts: list[tuple[int, tuple]] = []  # (offset of the segment, its tokens)
        base = 0.0  # exact score of the full Viterbi at `offset`, once `pending` is added into it
        pending: list[tuple[float, ...]] = []  # node scores of the segments since `base`
        approx = 0.0  # an estimate of the score at `offset`, good enough for the bound
        offset = 0
        for word in _SEGMENT.findall(text):
            entry = get(word)
            if entry is None:
                entry = self._entry(word, 0.0)
                put(word, entry)
            tokens, scores, total, limit = entry
            if offset and not -limit < approx < limit:
                for node_scores in pending:
                    base = _add_chain(base, node_scores, f32)
                pending = []
                tokens, scores, total, _ = self._entry(word, base)
                base = approx = _add_chain(base, scores, f32)
            else:
                pending.append(scores)
                approx += total
            parts.append((offset, tokens))
            offset += len(word)
        return [_new_token(Token, (i, piece, (o + s, o + e))) for o, tokens in parts for i, piece, s, e in tokens]

    def _entry(self, word: str, base: float) -> tuple[tuple, tuple[float, ...], float, float]:
        """A segment's (tokens as (id, piece, start, end), node scores along its path, their sum,
        the largest |base| from which a run started at 0 provably decides alike).

        The bound: each candidate score is a chain of at most len + 1 rounded additions of values
        below |base| + (len + 1) * max |node score|, computed once from each start; the two runs
        decide alike when the smallest margin exceeds 4 * (len + 2) * roundoff * that magnitude,
        taken twice over to spare."""
        ends, ids, scores, margin = self._best_path(word, base)
        unk_id = self.unk_id
        if -1 in ids or (unk_id is not None and unk_id in ids):  # unknown runs: fused, maybe bytes
            found = self._to_tokens(word, list(zip(ends, ids)))
            tokens = tuple((t.id, t.value, t.offsets[0], t.offsets[1]) for t in found)
        else:
            vocab = self.vocab
            tokens = tuple(zip(ids, [vocab[i][0] for i in ids], [0] + ends[:-1], ends))
        return tokens, tuple(scores), math.fsum(scores), self._bound(margin, len(word))

    def _bound(self, margin: Any, length: Any) -> Any:
        """The bound of `_entry` for a word of ``length`` characters whose Viterbi decided with
        ``margin`` (floats, or numpy arrays of them: the same operations, so the same roundings)."""
        return margin / (8.0 * (length + 2) * self._roundoff) - 2.0 * (length + 1) * self._max_abs

    def _best_path(self, word: str, base0: float) -> tuple[list[int], list[int], list[float], float]:
        """`_viterbi` (float64 or float32 sums) started at score `base0`: (ends, ids, node scores)
        along the best path, and the smallest difference between two finite candidates that
        decided a `best` entry (the decision margin). The same comparisons, and the same order for
        each entry of `best` (the one-character node comes first: it alone ends at i + 1); float32
        sums are rounded by storing them in an ``array("f")`` cell, which gives what `_f32` gives
        (the nearest float32, infinity past the range) in a third of the time."""
        n = len(word)
        get = self._table.get
        no = _NOT_A_PREFIX
        best = [_NEG_INF] * (n + 1)
        best[0] = base0
        starts = [0] * (n + 1)
        ids = [0] * (n + 1)
        nodes = [0.0] * (n + 1)
        unk_score = self._unk_score
        margin = math.inf
        f32 = self.float32_sums
        cell = array.array("f", [0.0])  # storing a float rounds it to float32 (inf past the range, as `_f32`)
        for i in range(n):
            base = best[i]
            # The node of one character first: a piece, or else the unknown node. (The model's loop
            # adds the unknown node after the longer pieces; they end at other positions, so the
            # comparisons are the same.)
            j = i + 1
            first = get(word[i], no)
            if first is no or first is None:
                node, node_id = unk_score, -1
            else:
                node, node_id = first[1], first[0]
            if f32:
                cell[0] = base + node
                score = cell[0]
            else:
                score = base + node
            gap = score - best[j]  # +inf against an unset entry
            if gap > 0.0:
                if gap < margin:
                    margin = gap
                best[j] = score
                starts[j] = i
                ids[j] = node_id
                nodes[j] = node
            elif -gap < margin:
                margin = -gap
            if first is no:  # no piece starts with this character
                continue
            j += 1
            while j <= n:
                entry = get(word[i:j], no)
                if entry is no:
                    break
                if entry is not None:
                    node = entry[1]
                    if f32:
                        cell[0] = base + node
                        score = cell[0]
                    else:
                        score = base + node
                    gap = score - best[j]
                    if gap > 0.0:
                        if gap < margin:
                            margin = gap
                        best[j] = score
                        starts[j] = i
                        ids[j] = entry[0]
                        nodes[j] = node
                    elif -gap < margin:
                        margin = -gap
                j += 1
        path_ends = []
        end = n
        while end > 0:
            path_ends.append(end)
            end = starts[end]
        path_ends.reverse()
        return path_ends, [ids[e] for e in path_ends], [nodes[e] for e in path_ends], margin

    def _node_score(self, node_id: int) -> float:
        return self._table[self.vocab[node_id][0]][1]  # type: ignore[index]

    def _viterbi(self, word: str) -> list[tuple[int, int]]:
        """The best path as (end position, node id) pairs, first to last; id -1 is unknown."""
        n = len(word)
        get = self._table.get
        best = [_NEG_INF] * (n + 1)
        best[0] = 0.0
        starts = [0] * (n + 1)
        ids = [0] * (n + 1)
        for i in range(n):
            base = best[i]
            j = i + 1
            single = False
            while j <= n:
                entry = get(word[i:j], _NOT_A_PREFIX)
                if entry is _NOT_A_PREFIX:
                    break
                if entry is not None:
                    score = base + entry[1]
                    if score > best[j]:  # strictly: an earlier node keeps a tie, as in HF
                        best[j] = score
                        starts[j] = i
                        ids[j] = entry[0]
                    if j == i + 1:
                        single = True
                j += 1
            if not single:
                score = base + self._unk_score
                if score > best[i + 1]:
                    best[i + 1] = score
                    starts[i + 1] = i
                    ids[i + 1] = -1
        path = []
        end = n
        while end > 0:
            path.append((end, ids[end]))
            end = starts[end]
        path.reverse()
        return path

    def _viterbi_f32(self, word: str) -> list[tuple[int, int]]:
        """`_viterbi` with every sum rounded to float32 (SentencePiece's `EncodeOptimized`). The sum
        of two float32 values computed in float64 and then rounded is the float32 sum."""
        n = len(word)
        get = self._table.get
        best = [_NEG_INF] * (n + 1)
        best[0] = 0.0
        starts = [0] * (n + 1)
        ids = [0] * (n + 1)
        unk_score = self._unk_score
        for i in range(n):
            base = best[i]
            j = i + 1
            single = False
            while j <= n:
                entry = get(word[i:j], _NOT_A_PREFIX)
                if entry is _NOT_A_PREFIX:
                    break
                if entry is not None:
                    score = _f32(base + entry[1])
                    if score > best[j]:
                        best[j] = score
                        starts[j] = i
                        ids[j] = entry[0]
                    if j == i + 1:
                        single = True
                j += 1
            if not single:
                score = _f32(base + unk_score)
                if score > best[i + 1]:
                    best[i + 1] = score
                    starts[i + 1] = i
                    ids[i + 1] = -1
        path = []
        end = n
        while end > 0:
            path.append((end, ids[end]))
            end = starts[end]
        path.reverse()
        return path

    def _to_tokens(self, word: str, path: list[tuple[int, int]]) -> list[Token]:
        """Tokens for a path of (end, id) nodes: unknown runs fused, then byte fallback."""
        unk_id, vocab = self.unk_id, self.vocab
        out: list[Token] = []
        start = 0
        run_start = -1  # start of the pending run of unknown nodes (and unk-id pieces), if any
        for end, node_id in path:
            if node_id == -1 or node_id == unk_id:
                if node_id == -1 and unk_id is None:
                    raise InvalidInputError(
                        f"Unigram model: {describe(word)} contains {word[start:end]!r}, which no piece "
                        "covers, and the model has no unk_id (HF: MissingUnkId)"
                    )
                if run_start < 0:
                    run_start = start
            else:
                if run_start >= 0:
                    self._emit_unknown(word, run_start, start, out)
                    run_start = -1
                out.append(_new_token(Token, (node_id, vocab[node_id][0], (start, end))))
            start = end
        if run_start >= 0:
            self._emit_unknown(word, run_start, start, out)
        return out

    def _emit_unknown(self, word: str, start: int, end: int, out: list[Token]) -> None:
        """A fused run: its piece if the run happens to be one, else bytes or the unk token."""
        text = word[start:end]
        offsets = (start, end)
        token_id = self._ids.get(text)
        if token_id is None and self.byte_fallback:
            raw = text.encode("utf-8", "surrogatepass")
            byte_ids = [self._byte_ids[b] for b in raw]
            if None not in byte_ids:
                out.extend(_new_token(Token, (i, f"<0x{b:02X}>", offsets)) for i, b in zip(byte_ids, raw))
                return
        # The token's string is the text it covers, not the unk piece, as in HF.
        out.append(_new_token(Token, (self.unk_id if token_id is None else token_id, text, offsets)))

    # ---- the lattice: n-best and sampling ---------------------------------------------------

    def lattice(self, word: str) -> list[list[Node]]:
        """`nodes[i]`: the (end, id, score) nodes starting at character i, shortest first; an
        unknown node (id -1, score min_score - 10) when no single-character piece starts there."""
        n = len(word)
        get = self._table.get
        nodes: list[list[Node]] = []
        for i in range(n):
            here: list[Node] = []
            for j in range(i + 1, n + 1):
                entry = get(word[i:j], _NOT_A_PREFIX)
                if entry is _NOT_A_PREFIX:
                    break
                if entry is not None:
                    here.append((j, entry[0], entry[1]))
            if not here or here[0][0] != i + 1:
                here.append((i + 1, -1, self._unk_score))
            nodes.append(here)
        return nodes

    def nbest(self, word: str, n: int) -> list[list[Token]]:
        """The `n` best segmentations of `word`, best first (fewer if the word has fewer)."""
        return [tokens for _, tokens in self.nbest_scored(word, n)]

    def nbest_scored(self, word: str, n: int) -> list[tuple[float, list[Token]]]:
        """(score, tokens) for the `n` best segmentations, best first; the score is the sum of the
        lattice node scores (unknown nodes count min_score - 10 each)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidInputError(f"nbest: n must be a positive integer, found {n!r}")
        if not word:
            return [(0.0, [])]
        nodes = self.lattice(word)
        to_end = _best_to_end(nodes)
        counter = itertools.count()
        # Entries (-(score so far + best possible rest), tie counter, position, score so far, path):
        # with an exact heuristic, full paths pop in score order. The path is a linked tuple.
        heap: list = [(-to_end[0], next(counter), 0, 0.0, None)]
        results: list[tuple[float, list[Token]]] = []
        size = len(word)
        while heap and len(results) < n:
            _, _, pos, score, path = heapq.heappop(heap)
            if pos == size:
                results.append((score, self._to_tokens(word, _unlink(path))))
                continue
            for end, node_id, node_score in nodes[pos]:
                total = score + node_score
                heapq.heappush(heap, (-(total + to_end[end]), next(counter), end, total, ((end, node_id), path)))
        return results

    def sample(
        self, word: str, alpha: float = 0.1, nbest_size: int = -1, seed: int | None = None
    ) -> list[Token]:
        """One segmentation drawn with probability proportional to exp(alpha * score)."""
        if isinstance(nbest_size, bool) or not isinstance(nbest_size, int):
            raise InvalidInputError(f"sample: nbest_size must be an integer, found {nbest_size!r}")
        if not isinstance(alpha, (int, float)) or isinstance(alpha, bool) or not math.isfinite(alpha):
            raise InvalidInputError(f"sample: alpha must be a finite number, found {alpha!r}")
        if not word:
            return []
        if nbest_size in (0, 1):
            return self.tokenize(word)
        rng = self._rng if seed is None else random.Random(seed)
        if nbest_size > 1:
            scored = self.nbest_scored(word, nbest_size)
            weights = _softmax([alpha * score for score, _ in scored])
            return list(rng.choices([tokens for _, tokens in scored], weights)[0])
        return self._to_tokens(word, _sample_lattice(self.lattice(word), float(alpha), rng))

    # ---- vocab ------------------------------------------------------------------------------

    def token_to_id(self, token: str) -> int | None:
        return self._ids.get(token)

    def id_to_token(self, id: int) -> str | None:
        if isinstance(id, int) and 0 <= id < len(self.vocab):
            return self.vocab[id][0]
        return None

    def get_vocab(self) -> dict[str, int]:
        return dict(self._ids)

    def get_vocab_size(self) -> int:
        return len(self.vocab)

    def score(self, token: str) -> float | None:
        """The piece's score (log probability), or None if it is not in the vocab."""
        index = self._ids.get(token)
        return None if index is None else self.vocab[index][1]

    def clear_cache(self) -> None:
        self._cache.clear()
        self._segments.clear()

    # ---- serialization ----------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {
            "type": "Unigram",
            "unk_id": self.unk_id,
            "vocab": [[piece, score] for piece, score in self.vocab],
            "byte_fallback": self.byte_fallback,
        }

    @classmethod
    def from_dict(
        cls, d: dict, path: str = "model", seed: int | None = None, cache_capacity: int = DEFAULT_CACHE_CAPACITY
    ) -> Unigram:
        """Build from a tokenizer.json "model" object; `seed` and `cache_capacity` are not in the file."""
        vocab = _check_vocab(require(d, "vocab", path, "Unigram"), f"{path}.vocab")
        unk_id = d.get("unk_id")
        if unk_id is not None and (isinstance(unk_id, bool) or not isinstance(unk_id, int)):
            raise TokenizerFileError(f"{path}.unk_id: expected an integer or null, found {describe(unk_id)}")
        return cls(
            vocab,
            unk_id,
            check_bool(d.get("byte_fallback"), f"{path}.byte_fallback"),
            seed=seed,
            cache_capacity=cache_capacity,
            path=path,
        )


def _check_vocab(value: object, path: str) -> list[tuple[str, float]]:
    if not isinstance(value, list):
        raise TokenizerFileError(f"{path}: expected a list of [piece, score] pairs, found {describe(value)}")
    vocab = []
    for index, item in enumerate(value):
        ok = (
            isinstance(item, (list, tuple))
            and len(item) == 2
            and isinstance(item[0], str)
            and isinstance(item[1], (int, float))
            and not isinstance(item[1], bool)
        )
        if not ok:
            raise TokenizerFileError(f"{path}[{index}]: expected a [piece, score] pair, found {describe(item)}")
        vocab.append((item[0], hf_json_float(item[1])))
    return vocab


_F32 = struct.Struct("<f")
_SPACE = "\u2581"  # SentencePiece's whitespace: pieces hold it only as their first character
_SEGMENT = re.compile("\u2581[^\u2581]*|[^\u2581]+")  # cut before every "▁"


def _add_chain(base: float, scores: tuple[float, ...], f32: bool) -> float:
    """`base` plus each score in turn, rounded after each addition as the Viterbi does."""
    for score in scores:
        base = _f32(base + score) if f32 else base + score
    return base


def _f32(value: float) -> float:
    """`value` rounded to the nearest float32 (overflow becomes infinity, as in C)."""
    try:
        return _F32.unpack(_F32.pack(value))[0]
    except OverflowError:
        return math.copysign(math.inf, value)


_POW10 = [float(f"1e{i}") for i in range(309)]  # serde_json's POW10 table: correctly rounded literals
_U64_MAX = 2**64 - 1


def hf_json_float(value: float | int) -> float:
    """The f64 HF's serde_json reads for the JSON number that `value` is written as.

    JSON writers (Python's `repr`, Rust's ryu) write the shortest digits that round-trip. serde_json
    (without its `float_roundtrip` feature) gathers up to u64-many significant digits into an
    integer, drops the rest, converts it to f64 and then multiplies or divides by 10**exponent:
    two roundings instead of one. Integers it reads as u64/i64 and converts exactly as `float`.
    """
    if isinstance(value, int) or not math.isfinite(value):
        return float(value)
    text = repr(float(value))
    negative = text.startswith("-")
    mantissa, _, exp_text = text.lstrip("-").partition("e")
    exponent = int(exp_text) if exp_text else 0
    whole, _, fraction = mantissa.partition(".")
    significand = int(whole)
    for digit in fraction:
        if significand * 10 + int(digit) > _U64_MAX:
            break  # serde ignores digits past u64 precision
        significand = significand * 10 + int(digit)
        exponent -= 1
    result = float(significand)
    while True:
        if abs(exponent) < len(_POW10):
            result = result * _POW10[exponent] if exponent >= 0 else result / _POW10[-exponent]
            break
        if result == 0.0:
            break
        result /= 1e308  # only negative exponents get here: a positive one would be infinite
        exponent += 308
    return -result if negative else result


def _best_to_end(nodes: list[list[Node]]) -> list[float]:
    """`to_end[i]`: the best score of any path from position i to the end (backward Viterbi)."""
    n = len(nodes)
    to_end = [_NEG_INF] * (n + 1)
    to_end[n] = 0.0
    for i in range(n - 1, -1, -1):
        to_end[i] = max(score + to_end[end] for end, _, score in nodes[i])
    return to_end


def _unlink(path: tuple | None) -> list[tuple[int, int]]:
    out = []
    while path is not None:
        out.append(path[0])
        path = path[1]
    out.reverse()
    return out


def _softmax(logits: list[float]) -> list[float]:
    top = max(logits)
    return [math.exp(x - top) for x in logits]


def _logaddexp(a: float, b: float) -> float:
    if a == _NEG_INF:
        return b
    if a < b:
        a, b = b, a
    return a + math.log1p(math.exp(b - a))


def _sample_lattice(nodes: list[list[Node]], alpha: float, rng: random.Random) -> list[tuple[int, int]]:
    """Forward filtering, backward sampling: a path drawn with probability ∝ exp(alpha * score)."""
    n = len(nodes)
    incoming: list[list[tuple[int, int, float]]] = [[] for _ in range(n + 1)]  # (start, id, alpha*score)
    forward = [_NEG_INF] * (n + 1)  # log of the summed weight of all paths from 0 to each position
    forward[0] = 0.0
    for i, here in enumerate(nodes):
        for end, node_id, score in here:
            weight = alpha * score
            incoming[end].append((i, node_id, weight))
            forward[end] = _logaddexp(forward[end], forward[i] + weight)
    path = []
    end = n
    while end > 0:
        choices = incoming[end]
        weights = [math.exp(forward[start] + w - forward[end]) for start, _, w in choices]
        start, node_id, _ = rng.choices(choices, weights)[0]
        path.append((end, node_id))
        end = start
    path.reverse()
    return path
