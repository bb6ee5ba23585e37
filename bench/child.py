"""Subprocess measurements for bench/run.py: peak RSS per side, and the 2-core batch figure.

Each call runs one side in its own fresh process, so one side's allocations never count for another
and thread settings (RAYON_NUM_THREADS, set by the parent in this process's environment) take effect
before ``tokenizers`` is imported. Prints one JSON object on stdout.

    python bench/child.py rss      --tokenizer gpt2 --side lexica --corpus english [--quick]
    python bench/child.py parallel --tokenizer bert --side hf     --corpus code    [--quick] [--workers 2]

Peak RSS is VmHWM (see max_rss_mb), the memory of the whole process: interpreter, imports, corpus,
tokenizer and everything encoding allocates.

Parallel lexica uses a ``multiprocessing`` pool (fork) of ``--workers`` processes: each worker builds its
own Tokenizer in the pool initializer, chunks of CHUNK_DOCS documents go out with ``imap`` (ordered),
each worker calls ``encode_batch`` on its chunk, and ids and offsets come back as lists (pickled).
The timed region is the ``imap`` loop including that transfer, not the pool start-up. HF runs
``encode_batch`` on the same chunks with RAYON_NUM_THREADS=2; tiktoken with ``num_threads=2``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import load_corpus, spread_select  # noqa: E402
from tokenizers_bench import (  # noqa: E402
    HFStyleSide,
    TiktokenSide,
    chunked,
    doc_bytes,
    lexica_tokenizer_class,
    tokenizer_json,
)

_WORKER_TOK: Any = None


def make_side(tokenizer: str, side: str, threads: int) -> Any:
    """Build one side by name without importing the libraries the other sides need."""
    if side == "lexica":
        cls, why = lexica_tokenizer_class()
        if cls is None:
            raise SystemExit(why)
        return HFStyleSide("lexica", cls, tokenizer_json(tokenizer))
    if side == "hf":
        from tokenizers import Tokenizer

        return HFStyleSide("HF tokenizers", Tokenizer, tokenizer_json(tokenizer))
    if side == "tiktoken":
        return TiktokenSide(num_threads=threads)
    raise SystemExit(f"unknown side {side!r}; choices: lexica, hf, tiktoken")


def max_rss_mb() -> float:
    """Peak RSS of this process in MB.

    Linux keeps ru_maxrss across fork+exec, so a child of a large parent would report the parent's
    peak; VmHWM in /proc/self/status belongs to this exec'd image only. ru_maxrss is the fallback.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_rss(args: argparse.Namespace) -> dict[str, Any]:
    side = make_side(args.tokenizer, args.side, 1)
    docs = corpus_docs(args)
    tok = side.make()
    loaded = max_rss_mb()
    n_tokens, n_docs, t0 = 0, 0, time.perf_counter()
    for chunk in chunked(docs):
        out = side.encode_batch(tok, chunk)
        n_tokens += sum(len(side.ids(o)) for o in out)
        n_docs += len(chunk)
        del out
        if time.perf_counter() - t0 > args.budget:
            break
    return {"rss_loaded_mb": loaded, "rss_peak_mb": max_rss_mb(), "n_tokens": n_tokens,
            "n_docs": n_docs, "complete": n_docs == len(docs)}


def corpus_docs(args: argparse.Namespace) -> list[str]:
    """The same documents the parent measured: the corpus, or its spread subset of --subset-bytes."""
    docs = load_corpus(args.corpus, quick=args.quick).docs
    return spread_select(docs, args.subset_bytes) if args.subset_bytes else docs


def _init_worker(tokenizer: str) -> None:
    global _WORKER_TOK
    _WORKER_TOK = make_side(tokenizer, "lexica", 1).make()


def _ready(_: int) -> int:
    time.sleep(0.3)  # long enough that every worker picks up one task
    return os.getpid()


def _encode_chunk(chunk: list[str]) -> list[tuple[list[int], list[tuple[int, int]]]]:
    return [(list(e.ids), [tuple(o) for o in e.offsets]) for e in _WORKER_TOK.encode_batch(chunk)]


def run_parallel(args: argparse.Namespace) -> dict[str, Any]:
    docs = corpus_docs(args)
    chunks = chunked(docs)
    if args.side == "lexica":
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.workers, initializer=_init_worker, initargs=(args.tokenizer,)) as pool:
            while len(set(pool.map(_ready, range(args.workers * 2), chunksize=1))) < args.workers:
                pass
            results: list[tuple[list[int], list[tuple[int, int]]]] = []
            t0 = time.perf_counter()
            for part in pool.imap(_encode_chunk, chunks):
                results.extend(part)
                if time.perf_counter() - t0 > args.budget:
                    break  # leaving the with-block terminates the pool
            seconds = time.perf_counter() - t0
        digests = [(hash(tuple(ids)), hash(tuple(offs))) for ids, offs in results]
    else:
        side = make_side(args.tokenizer, args.side, args.workers)
        tok = side.make()
        seconds, digests = 0.0, []
        for chunk in chunks:
            t0 = time.perf_counter()
            out = side.encode_batch(tok, chunk)
            seconds += time.perf_counter() - t0
            digests.extend(side.digest(o) for o in out)
            if seconds > args.budget:
                break
    return {"seconds": seconds, "n_bytes": doc_bytes(docs[:len(digests)]), "n_docs": len(digests),
            "complete": len(digests) == len(docs),
            "ids_digest": hash(tuple(d[0] for d in digests)),
            "offsets_digest": hash(tuple(d[1] for d in digests))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["rss", "parallel"])
    p.add_argument("--tokenizer", choices=["gpt2", "bert"], required=True)
    p.add_argument("--side", choices=["lexica", "hf", "tiktoken"], required=True)
    p.add_argument("--corpus", choices=["english", "code", "multilingual"], required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--subset-bytes", type=int, default=0, help="use a spread subset of about this size")
    p.add_argument("--budget", type=float, default=60.0, help="stop encoding after this many seconds")
    args = p.parse_args()
    result = run_rss(args) if args.what == "rss" else run_parallel(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
