"""Benchmark runner: lexica's tokenizers against HF ``tokenizers`` and tiktoken; writes BENCHMARKS.md.

    PYTHONPATH=src .venv/bin/python bench/run.py            # full corpora (~18 MB), about 10-20 min
    PYTHONPATH=src .venv/bin/python bench/run.py --quick    # ~1 MB per corpus, smoke run

Follows shared/BENCHMARKING.md: all sides run in one invocation on the same documents, interleaved
(lexica, HF, tiktoken, lexica, HF, tiktoken ...) for every mode, for ``--rounds`` rounds, each pass with
a fresh tokenizer object (cold caches, the headline); the median round is reported. HF runs with
RAYON_NUM_THREADS=1, set here before ``tokenizers`` is imported; tiktoken's batch call gets
num_threads=1. The first round also hashes every document's ids and offsets (outside the timed calls)
and compares each side with HF; a speed row whose check fails or did not run is marked invalid.
Peak RSS and the 2-core batch figure run in fresh subprocesses (bench/child.py).
"""

from __future__ import annotations

import os

# Pin HF's Rayon pool to one thread before anything imports `tokenizers`.
os.environ["RAYON_NUM_THREADS"] = "1"
os.environ["TOKENIZERS_PARALLELISM"] = "true"

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

from corpora import Corpus, load_corpus, spread_select  # noqa: E402
from report import write_report  # noqa: E402
from tokenizers_bench import (  # noqa: E402
    Mismatch,
    PassResult,
    chunked,
    compare,
    compare_texts,
    decode_pass,
    doc_bytes,
    encode_pass,
    lexica_tokenizer_class,
    make_sides,
    tokenizer_json,
)

MODES = ("batch", "single", "decode")
TOKENIZERS = ("gpt2", "bert")
CORPORA = ("english", "code", "multilingual")
SIDE_KEYS = {"lexica": "lexica", "HF tokenizers": "hf", "tiktoken": "tiktoken"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


@dataclass
class Cell:
    """One side x mode for one tokenizer x corpus: MB/s per round, parity check, error."""

    mbps: list[float] = field(default_factory=list)
    complete: bool = True
    docs_done: int = 0
    error: str | None = None
    check: Mismatch | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.mbps) if self.mbps else None


@dataclass
class PairResult:
    """Everything measured for one tokenizer on one corpus."""

    tokenizer: str
    corpus: str
    sides: list[str]
    cells: dict[tuple[str, str], Cell]
    examples: list[str] = field(default_factory=list)
    rss: dict[str, dict[str, Any]] = field(default_factory=dict)
    parallel: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ref_digests: list[tuple[int, int]] = field(default_factory=list)
    n_bytes: int = 0
    subset_bytes: int = 0  # > 0: all sides ran on a spread subset of about this size
    subset_note: str = ""


def run_pass(side: Any, mode: str, corpus: Corpus, chunks: list[list[str]], ref_ids: list[Any] | None,
             record: bool, budget: float) -> PassResult:
    tok = side.make()
    if mode == "decode":
        if ref_ids is None:
            raise RuntimeError("no HF ids to decode")
        sizes = [len(d.encode("utf-8", "surrogatepass")) for d in corpus.docs]
        return decode_pass(side, tok, chunked(ref_ids), sizes, record, budget)
    keep = record and mode == "batch" and side.name == "HF tokenizers"
    return encode_pass(side, tok, chunks, mode == "batch", record, keep, budget)


def fit_to_budget(tokenizer: str, corpus: Corpus, sides: list[Any], budget: float) -> tuple[Corpus, int, str]:
    """Shrink the corpus (for every side alike) when lexica could not encode it within the pass budget.

    lexica encodes a 1% spread sample (at least 50 kB) one text at a time with a fresh tokenizer; if the
    projected pass would take more than 60% of the budget, all sides measure the same evenly spread
    subset sized to fit, so every ratio still compares identical data.
    """
    lexica = next((s for s in sides if s.name == "lexica"), None)
    if lexica is None:
        return corpus, 0, ""
    probe = spread_select(corpus.docs, max(50_000, corpus.n_bytes // 100))
    try:
        tok = lexica.make()
        t0 = time.perf_counter()
        for d in probe:
            lexica.encode_one(tok, d)
        rate = doc_bytes(probe) / (time.perf_counter() - t0)
    except Exception:  # noqa: BLE001 - the timed rounds report the error
        return corpus, 0, ""
    target = int(rate * budget * 0.6)
    if target >= corpus.n_bytes:
        return corpus, 0, ""
    sub = Corpus(corpus.name, spread_select(corpus.docs, target), corpus.source)
    note = (f"{tokenizer} x {corpus.name}: measured on an evenly spread subset of "
            f"{sub.n_bytes / 1e6:.2f} of {corpus.n_bytes / 1e6:.2f} MB ({len(sub.docs):,} docs), because lexica's "
            f"probe speed ({rate / 1e6:.3f} MB/s) would not fit the {budget:.0f} s pass budget")
    return sub, target, note


def measure_pair(tokenizer: str, corpus: Corpus, sides: list[Any], rounds: int, budget: float) -> PairResult:
    """Interleaved timed rounds for every side and mode, then the parity checks of round 1."""
    corpus, subset_bytes, note = fit_to_budget(tokenizer, corpus, sides, budget)
    if note:
        log("  " + note)
    res = PairResult(tokenizer, corpus.name, [s.name for s in sides],
                     {(s.name, m): Cell() for s in sides for m in MODES},
                     n_bytes=corpus.n_bytes, subset_bytes=subset_bytes, subset_note=note)
    chunks = chunked(corpus.docs)
    recorded: dict[tuple[str, str], PassResult] = {}
    ref_ids = None
    for r in range(rounds):
        for mode in MODES:
            for side in sides:
                cell = res.cells[(side.name, mode)]
                if cell.error:
                    continue
                try:
                    p = run_pass(side, mode, corpus, chunks, ref_ids, r == 0, 2 * budget)
                except Exception as exc:  # noqa: BLE001 - a failing side is reported, not fatal
                    cell.error = f"{type(exc).__name__}: {exc}"[:160]
                    log(f"  {side.name} {mode}: {cell.error}")
                    continue
                cell.mbps.append(p.mbps)
                cell.complete &= p.complete
                cell.docs_done = max(cell.docs_done, len(p.digests) or len(p.texts_hash) or cell.docs_done)
                if r == 0:
                    recorded[(side.name, mode)] = p
                    if p.ids:
                        ref_ids = p.ids
                log(f"  round {r + 1} {mode:6s} {side.name:14s} {p.mbps:7.2f} MB/s"
                    + ("" if p.complete else f" (partial, {p.n_bytes / 1e6:.2f} MB in budget)"))
    check_pair(res, sides, recorded, corpus)
    return res


def check_pair(res: PairResult, sides: list[Any], recorded: dict[tuple[str, str], PassResult],
               corpus: Corpus) -> None:
    """Compare each side's round-1 outputs with HF's batch output (decode: with HF's decode)."""
    ref = recorded.get(("HF tokenizers", "batch"))
    ref_text = recorded.get(("HF tokenizers", "decode"))
    if ref is None:
        return
    res.ref_digests = ref.digests
    for side in sides:
        for mode in MODES:
            p = recorded.get((side.name, mode))
            if p is None:
                continue
            if mode == "decode":
                if ref_text is not None:
                    res.cells[(side.name, mode)].check = compare_texts(ref_text.texts_hash, p.texts_hash)
                continue
            m = compare(ref.digests, p.digests, side.has_offsets)
            res.cells[(side.name, mode)].check = m
            if m.first_bad is not None and side.name == "lexica" and len(res.examples) < 3:
                res.examples.append(mismatch_example(res.tokenizer, corpus, m.first_bad, mode))


def mismatch_example(tokenizer: str, corpus: Corpus, index: int, mode: str) -> str:
    """Describe the first differing token of one document, re-encoded by lexica and HF."""
    from tokenizers import Tokenizer as HFTokenizer

    cls, _ = lexica_tokenizer_class()
    js = tokenizer_json(tokenizer)
    doc = corpus.docs[index]
    a, b = cls.from_str(js).encode(doc), HFTokenizer.from_str(js).encode(doc)
    la, lb = list(zip(a.ids, map(tuple, a.offsets))), list(zip(b.ids, map(tuple, b.offsets)))
    pos = next((i for i, (x, y) in enumerate(zip(la, lb)) if x != y), min(len(la), len(lb)))
    return (f"{tokenizer}/{corpus.name} doc {index} ({mode}): {doc[:70]!r}... first difference at token "
            f"{pos}: lexica {la[pos:pos + 3]} vs HF {lb[pos:pos + 3]} (lengths {len(la)} vs {len(lb)})")


def run_child(what: str, res: PairResult, side: str, quick: bool, budget: float,
              threads: int) -> dict[str, Any]:
    env = dict(os.environ, RAYON_NUM_THREADS=str(threads), TOKENIZERS_PARALLELISM="true")
    cmd = [sys.executable, str(BENCH_DIR / "child.py"), what, "--tokenizer", res.tokenizer, "--side", side,
           "--corpus", res.corpus, "--budget", str(2 * budget), "--workers", str(threads),
           "--subset-bytes", str(res.subset_bytes)] + (["--quick"] if quick else [])
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["exit %d" % proc.returncode])[-1][:160]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_subprocesses(res: PairResult, quick: bool, rounds: int, budget: float) -> None:
    """Peak RSS per side (one fresh process each), then the 2-core batch rounds (interleaved)."""
    keys = [SIDE_KEYS[s] for s in res.sides]
    for key in keys:
        res.rss[key] = run_child("rss", res, key, quick, budget, 1)
        log(f"  rss {key:8s} {res.rss[key]}")
    for r in range(rounds):
        for key in keys:
            out = run_child("parallel", res, key, quick, budget, 2)
            if "error" not in out:
                n = out["n_docs"]
                ref = res.ref_digests[:n]
                out["ids_ok"] = out["ids_digest"] == hash(tuple(d[0] for d in ref))
                out["offsets_ok"] = out["offsets_digest"] == hash(tuple(d[1] for d in ref))
                out["mbps"] = out["n_bytes"] / 1e6 / out["seconds"]
            res.parallel.setdefault(key, []).append(out)
            log(f"  2-core round {r + 1} {key:8s} " + (f"{out['mbps']:.2f} MB/s" if "mbps" in out else str(out)))


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="lexica tokenizer benchmarks; writes BENCHMARKS.md")
    p.add_argument("--quick", action="store_true", help="about 1 MB per corpus (smoke run)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (>= 3 for published numbers)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds per timed pass before it stops early and is marked partial "
                        "(default 45, quick 10); a corpus lexica cannot encode in 60%% of it is "
                        "measured on an evenly spread subset, for every side")
    p.add_argument("--tokenizers", nargs="+", choices=TOKENIZERS, default=list(TOKENIZERS))
    p.add_argument("--corpora", nargs="+", choices=CORPORA, default=list(CORPORA))
    p.add_argument("--no-subprocess", action="store_true", help="skip peak RSS and the 2-core figure")
    p.add_argument("--out", type=Path, default=BENCH_DIR.parent / "BENCHMARKS.md")
    return p.parse_args()


def main() -> None:
    args = parse_args()
    budget = args.budget if args.budget is not None else (10.0 if args.quick else 45.0)
    started = time.time()
    corpora = {name: load_corpus(name, quick=args.quick) for name in args.corpora}
    for c in corpora.values():
        log(f"corpus {c.name}: {len(c.docs):,} docs, {c.n_bytes / 1e6:.2f} MB")
    lexica_cls, lexica_note = lexica_tokenizer_class()
    if lexica_cls is None:
        log(f"lexica side skipped: {lexica_note}")
    results: list[PairResult] = []
    for tok_name in args.tokenizers:
        tokenizer_json(tok_name)  # build the shared tokenizer.json once, before any child needs it
        for c in corpora.values():
            log(f"{tok_name} x {c.name}")
            res = measure_pair(tok_name, c, make_sides(tok_name, lexica_cls), args.rounds, budget)
            if not args.no_subprocess:
                measure_subprocesses(res, args.quick, args.rounds, budget)
            results.append(res)
    write_report(args.out, results, list(corpora.values()), args=args, budget=budget,
                 lexica_note=lexica_note, elapsed=time.time() - started)
    log(f"wrote {args.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
