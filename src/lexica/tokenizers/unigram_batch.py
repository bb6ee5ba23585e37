"""Unigram Viterbi for many words at once, with numpy (the Unigram fast path's batch step).

``best_paths(model, words)`` returns, for every word, exactly what ``Unigram._best_path(word, 0.0)``
returns: the ends, ids and node scores along the best path and the decision margin (the smallest
difference between two finite candidates that decided a ``best`` entry). ``path_columns`` gives the
same as numpy columns; ``fast_unigram.UnigramEncoder.prefetch`` calls it on the words an
``encode_batch`` has not cached yet and builds their cache entries from the columns.

How, with every word's characters in one array (a sentinel after each word):

- **Lattice.** The model's piece table (pieces and all their prefixes) is a trie; its transitions
  are one sorted array of keys ``node * M + code point``. Level k advances every live start
  position by one character with one ``searchsorted``; a start dies when the text so far is no
  prefix of a piece (the sentinel is never one). Every piece reached is a candidate node (start,
  end, id, score); a start without a one-character piece gets the unknown node, as in the model.
- **Viterbi.** ``best[end]`` depends on candidates ending there, in the order the model compares
  them: by start, ascending. Relative end positions are processed in order (e = 1, 2, ...), each
  for all words at once: the candidates of one (word, e) are a row of a matrix, padded with -inf;
  the winner is the row's first maximum (the model replaces only on a strictly greater score) and
  the margin is the smallest |candidate - running maximum before it| (``maximum.accumulate``).
  float32 sums add in float32, which rounds as the model's ``array("f")`` cell does (the float64
  sum of two float32 values rounded once to float32 is the correctly rounded float32 sum).
"""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_CHARS", "best_paths", "path_columns"]

MAX_CHARS = 64  # longer words go to the model one at a time (the rounds grow with the length)
_M = 0x110001  # code points are below 0x110000; the sentinel is 0x110000, in no transition
_SENTINEL = 0x110000

Path = tuple[list[int], list[int], list[float], float]


class _Tables:
    """The trie of one model's piece table as numpy arrays."""

    def __init__(self, model: Any) -> None:
        import numpy as np

        table = model._table
        node_of = {"": 0}
        for key in table:
            node_of[key] = len(node_of)
        keys = [node_of[key[:-1]] * _M + ord(key[-1]) for key in table]
        order = np.argsort(np.array(keys, np.int64))
        self.keys = np.append(np.array(keys, np.int64)[order], np.int64(1) << 62)  # a guard at the end
        self.nodes = np.append(np.arange(1, len(node_of), dtype=np.int64)[order], 0)
        piece = np.full(len(node_of), -1, np.int64)
        score = np.zeros(len(node_of), np.float64)
        for key, entry in table.items():
            if entry is not None:
                piece[node_of[key]] = entry[0]
                score[node_of[key]] = entry[1]
        self.piece = piece
        self.score = score


def _tables(model: Any) -> _Tables:
    tables = model.__dict__.get("_batch_tables")
    if tables is None or tables[0] is not model._table:
        tables = (model._table, _Tables(model))
        model.__dict__["_batch_tables"] = tables
    return tables[1]


def best_paths(model: Any, words: list[str]) -> list[Path]:
    """``model._best_path(word, 0.0)`` for every word (each 1 to ``MAX_CHARS`` characters)."""
    if not words:
        return []
    path_ends, path_ids, path_scores, stops, margin = path_columns(model, words)
    ends_l, ids_l, scores_l = path_ends.tolist(), path_ids.tolist(), path_scores.tolist()
    out: list[Path] = []
    a = 0
    for b, m in zip(stops.tolist(), margin.tolist()):
        out.append((ends_l[a:b], ids_l[a:b], scores_l[a:b], m))
        a = b
    return out


def path_columns(model: Any, words: list[str]) -> tuple[Any, Any, Any, Any, Any]:
    """`best_paths` as numpy columns: the ends (relative to the word), ids and node scores of all
    paths' nodes one word after the other, each word's stop in them (cumulative), and the margins.
    ``words`` is not empty."""
    import numpy as np

    t = _tables(model)
    f32 = bool(model.float32_sums)
    n_words = len(words)
    lengths = np.fromiter(map(len, words), np.int64, n_words)
    ends = np.cumsum(lengths + 1) - 1  # sentinel positions
    bases = ends - lengths
    cps = np.frombuffer(("\x00".join(words) + "\x00").encode("utf-32-le"), np.uint32).astype(np.int64)
    cps[ends] = _SENTINEL
    size = len(cps)
    word_at = np.repeat(np.arange(n_words), lengths + 1)  # the word of every position (sentinel: its word's)

    # Lattice: (start, length, id, score) of every node.
    starts_l, lens_l, ids_l, scores_l = [], [], [], []
    pos = np.flatnonzero(cps != _SENTINEL)
    node = np.zeros(len(pos), np.int64)
    single = np.zeros(size, bool)  # a one-character piece starts here
    k = 0
    while len(pos):
        k += 1
        query = node * _M + cps[pos + k - 1]
        at = np.searchsorted(t.keys, query)
        alive = t.keys[at] == query
        pos, node = pos[alive], t.nodes[at[alive]]
        piece = t.piece[node]
        is_piece = piece >= 0
        if is_piece.any():
            starts_l.append(pos[is_piece])
            lens_l.append(np.full(int(is_piece.sum()), k, np.int64))
            ids_l.append(piece[is_piece])
            scores_l.append(t.score[node[is_piece]])
            if k == 1:
                single[pos[is_piece]] = True
    unknown = np.flatnonzero(~single & (cps != _SENTINEL))
    starts_l.append(unknown)
    lens_l.append(np.ones(len(unknown), np.int64))
    ids_l.append(np.full(len(unknown), -1, np.int64))
    scores_l.append(np.full(len(unknown), float(model._unk_score)))
    c_start = np.concatenate(starts_l)
    c_len = np.concatenate(lens_l)
    c_id = np.concatenate(ids_l)
    c_score = np.concatenate(scores_l)
    c_word = word_at[c_start]
    c_end_rel = c_start - bases[c_word] + c_len
    # By relative end, then by word and start: one key, as a start position determines its word.
    order = np.argsort(c_end_rel * size + c_start)
    c_start, c_len, c_id, c_score, c_word, c_end_rel = (
        c_start[order], c_len[order], c_id[order], c_score[order], c_word[order], c_end_rel[order])

    # Viterbi, one relative end position at a time.
    dtype = np.float32 if f32 else np.float64
    best = np.full(size, -np.inf, dtype)
    best[bases] = 0.0
    from_start = np.zeros(size, np.int64)
    node_id = np.zeros(size, np.int64)
    node_score = np.zeros(size, np.float64)
    margin = np.full(n_words, np.inf)
    scores_typed = c_score.astype(dtype)
    bounds = np.searchsorted(c_end_rel, np.arange(1, int(lengths.max()) + 2))
    with np.errstate(invalid="ignore", over="ignore"):
        for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
            if a == b:
                continue
            words_here = c_word[a:b]
            new_group = np.ones(b - a, bool)
            new_group[1:] = words_here[1:] != words_here[:-1]
            first = np.flatnonzero(new_group)
            group = np.cumsum(new_group) - 1
            rank = np.arange(b - a) - first[group]
            width = int(rank.max()) + 1
            candidates = (best[c_start[a:b]] + scores_typed[a:b]).astype(np.float64)
            matrix = np.full((len(first), width), -np.inf)
            matrix[group, rank] = candidates
            win = first + np.argmax(matrix, axis=1) + a
            if width > 1:
                running = np.maximum.accumulate(matrix, axis=1)
                gaps = np.abs(matrix[:, 1:] - running[:, :-1])
                gaps[np.isnan(gaps)] = np.inf  # padding (-inf - -inf)
                gaps[matrix[:, 1:] == -np.inf] = np.inf
                row_words = words_here[first]
                margin[row_words] = np.minimum(margin[row_words], gaps.min(axis=1))
            end_pos = c_start[win] + c_len[win]
            best[end_pos] = matrix.max(axis=1)
            from_start[end_pos] = c_start[win]
            node_id[end_pos] = c_id[win]
            node_score[end_pos] = c_score[win]
    # Back from every word's end to its start, all words at once.
    cur = ends
    word = np.arange(n_words)
    hops_w, hops_e = [], []
    while len(cur):
        hops_w.append(word)
        hops_e.append(cur)
        cur = from_start[cur]
        alive = cur > bases[word]
        cur, word = cur[alive], word[alive]
    hop_w = np.concatenate(hops_w)
    hop_e = np.concatenate(hops_e)
    order = np.argsort(hop_e)  # positions grow with the word: by word, then along the path
    hop_w, hop_e = hop_w[order], hop_e[order]
    stops = np.cumsum(np.bincount(hop_w, minlength=n_words))
    return hop_e - bases[hop_w], node_id[hop_e], node_score[hop_e], stops, margin
