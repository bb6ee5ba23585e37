"""Benchmark runner for all of lexica's issues; writes ONE BENCHMARKS.md (``make bench``).

    PYTHONPATH=src .venv/bin/python bench/run.py            # every section, full corpora
    PYTHONPATH=src .venv/bin/python bench/run.py --quick    # ~1 MB per corpus, smoke run of every section
    PYTHONPATH=src .venv/bin/python bench/run.py --sections unigram tiktoken   # some sections only

Sections, in report order: ``tokenizers`` (issue 3: GPT-2 BPE and BERT WordPiece, lexica vs HF
``tokenizers`` vs tiktoken, measured here), ``unigram`` and ``tiktoken`` (issue 4,
bench/unigram_tiktoken_bench.py), ``tokenization`` (issue 5, bench/tokenization_bench.py ``run()``) and
``models`` (issue 6, bench/models.py ``run()``). A section whose module is missing or raises is listed
as skipped, with the reason, and the others still run.

Tokenizers section (shared/BENCHMARKING.md): all sides run in one invocation on the same documents,
interleaved (lexica, HF, tiktoken, lexica, HF, tiktoken ...) for every mode, for ``--rounds`` rounds, each
pass with a fresh tokenizer object (cold caches, the headline); the median round is reported. HF runs
with RAYON_NUM_THREADS=1, set here before ``tokenizers`` is imported; tiktoken's batch call gets
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
import importlib  # noqa: E402
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
if str(BENCH_DIR.parent / "src") not in sys.path:  # this checkout's lexica, also for `make bench` without PYTHONPATH
    sys.path.insert(1, str(BENCH_DIR.parent / "src"))

from corpora import Corpus, load_corpus, spread_select  # noqa: E402
from report import SECTION_TITLES, models_section, tokenization_section, tokenizers_section, write_report  # noqa: E402
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


SECTIONS = ("tokenizers", "unigram", "tiktoken", "tokenization", "models")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="lexica benchmarks (issues 3-6); writes one BENCHMARKS.md")
    p.add_argument("--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
                   help="sections to run (default: all): tokenizers = issue 3 BPE/WordPiece rows, unigram and "
                        "tiktoken = issue 4 (bench/unigram_tiktoken_bench.py), tokenization = issue 5 "
                        "(bench/tokenization_bench.py), models = issue 6 (bench/models.py)")
    p.add_argument("--quick", action="store_true", help="about 1 MB per corpus, fewer model rounds (smoke run)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (>= 3 for published numbers)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds per timed pass before it stops early and is marked partial "
                        "(default 45, quick 10); a corpus lexica cannot encode in 60%% of it is "
                        "measured on an evenly spread subset, for every side")
    p.add_argument("--tokenizers", nargs="+", choices=TOKENIZERS, default=list(TOKENIZERS),
                   help="tokenizers section: which tokenizer.json files")
    p.add_argument("--corpora", nargs="+", choices=CORPORA, default=list(CORPORA),
                   help="corpora of the tokenizers section; unigram and tiktoken use english and multilingual "
                        "among these")
    p.add_argument("--no-subprocess", action="store_true", help="skip peak RSS and the 2-core figure")
    p.add_argument("--no-smollm", action="store_true", help="models section: skip the SmolLM2 GGUF rows")
    p.add_argument("--out", type=Path, default=BENCH_DIR.parent / "BENCHMARKS.md")
    return p.parse_args()


def run_tokenizers(args: argparse.Namespace, corpora: dict[str, Corpus], budget: float) -> list[str]:
    """Issue 3: GPT-2 byte-level BPE and BERT WordPiece, lexica vs HF vs tiktoken."""
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
    return tokenizers_section(results, args, budget, lexica_note)


def call_with(fn: Any, **kwargs: Any) -> Any:
    """Call ``fn`` with those of ``kwargs`` that its signature accepts (other helpers own these modules)."""
    import inspect

    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(**kwargs)
    return fn(**{k: v for k, v in kwargs.items() if k in params})


def optional_module(name: str) -> Any:
    """Import bench/<name>.py; raises with the reason when it is missing or lacks ``run``."""
    if not (BENCH_DIR / f"{name}.py").exists():
        raise FileNotFoundError(f"bench/{name}.py does not exist")
    module = importlib.import_module(name)
    if not callable(getattr(module, "run", None)):
        raise AttributeError(f"bench/{name}.py has no run() function")
    return module


def run_section(name: str, args: argparse.Namespace, corpora: dict[str, Corpus], budget: float) -> list[str]:
    ut_corpora = [c for n, c in corpora.items() if n in ("english", "multilingual")]
    if name == "tokenizers":
        return run_tokenizers(args, corpora, budget)
    if name in ("unigram", "tiktoken"):
        import unigram_tiktoken_bench as ut

        if not ut_corpora:
            raise ValueError("needs the english or multilingual corpus (--corpora)")
        if name == "unigram":
            return ut.markdown_unigram(ut.run_unigram(ut_corpora, args.rounds, budget, args.quick,
                                                      not args.no_subprocess))
        return ut.markdown_tiktoken(ut.run_tiktoken(ut_corpora, args.rounds, budget, args.quick,
                                                    not args.no_subprocess))
    if name == "tokenization":
        module = optional_module("tokenization_bench")
        return tokenization_section(call_with(module.run, rounds=args.rounds), args.rounds)
    if name == "models":
        module = optional_module("models")
        rows = call_with(module.run, threads=1, rounds=args.rounds, iters=1 if args.quick else 2,
                         smollm=not args.no_smollm, load_rounds=1 if args.quick else 3,
                         loads=not args.no_subprocess)
        render = getattr(module, "markdown", None)
        return models_section(rows, (lambda r: render(r, 1)) if callable(render) else None)
    raise ValueError(f"unknown section {name!r}")


def main() -> None:
    args = parse_args()
    budget = args.budget if args.budget is not None else (10.0 if args.quick else 45.0)
    started = time.time()
    needed = set(args.corpora) if "tokenizers" in args.sections else set()
    if {"unigram", "tiktoken"} & set(args.sections):
        needed |= {"english", "multilingual"} & set(args.corpora)
    corpora = {name: load_corpus(name, quick=args.quick) for name in args.corpora if name in needed}
    for c in corpora.values():
        log(f"corpus {c.name}: {len(c.docs):,} docs, {c.n_bytes / 1e6:.2f} MB")
    status: list[tuple[str, str]] = []
    blocks: list[list[str]] = []
    for name in SECTIONS:
        if name not in args.sections:
            status.append((name, "not run (not in `--sections`)"))
            continue
        log(f"== section {name}")
        t0 = time.time()
        try:
            lines = run_section(name, args, corpora, budget)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - one section failing never loses the others
            reason = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
            log(f"section {name} skipped: {reason}")
            status.append((name, f"**skipped**: {reason}"))
            blocks.append([f"## {SECTION_TITLES[name]}", "", f"Skipped: {reason}", ""])
            continue
        status.append((name, f"ran in {(time.time() - t0) / 60:.1f} min"))
        blocks.append(lines)
    write_report(args.out, args, time.time() - started, status, list(corpora.values()), blocks)
    log(f"wrote {args.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
