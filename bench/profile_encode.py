"""cProfile of lexica's encode on English prose (GCIDE), to find where the time goes.

    PYTHONPATH=src .venv/bin/python bench/profile_encode.py [--tokenizer gpt2|bert] [--mb 1.0] [--top 25]

Encodes about ``--mb`` MB of the english corpus one text at a time with a fresh tokenizer (cold cache,
as in the headline benchmark) and prints the top functions by own time ("tottime") with their share
of the total, then the top by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import load_corpus, spread_select  # noqa: E402
from tokenizers_bench import lexica_tokenizer_class, tokenizer_json  # noqa: E402


def profile(tokenizer: str, mb: float, batch: bool) -> pstats.Stats:
    cls, why = lexica_tokenizer_class()
    if cls is None:
        raise SystemExit(why)
    docs = spread_select(load_corpus("english").docs, int(mb * 1e6))
    tok = cls.from_str(tokenizer_json(tokenizer))
    prof = cProfile.Profile()
    prof.enable()
    if batch:
        tok.encode_batch(docs)
    else:
        for d in docs:
            tok.encode(d)
    prof.disable()
    return pstats.Stats(prof)


def print_top(stats: pstats.Stats, key: int, top: int) -> None:
    """key 2 = tottime, 3 = cumtime in pstats' (cc, nc, tt, ct, callers) tuples."""
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][key], reverse=True)[:top]
    total = stats.total_tt
    label = "own time" if key == 2 else "cumulative"
    print(f"\n{label:>10s}   %    calls  function")
    for (file, line, name), (_, ncalls, tt, ct, _) in rows:
        t = tt if key == 2 else ct
        where = f"{Path(file).name}:{line}" if line else file
        print(f"{t:9.2f}s {100 * t / total:5.1f} {ncalls:8d}  {name} ({where})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tokenizer", choices=["gpt2", "bert"], default="gpt2")
    p.add_argument("--mb", type=float, default=1.0)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--batch", action="store_true", help="one encode_batch call instead of encode per text")
    args = p.parse_args()
    stats = profile(args.tokenizer, args.mb, args.batch)
    print(f"lexica {args.tokenizer} encode, {args.mb} MB English prose, total {stats.total_tt:.2f} s (profiled)")
    print_top(stats, 2, args.top)
    print_top(stats, 3, args.top)


if __name__ == "__main__":
    main()
