"""Issue 4 benchmark rows: Unigram encode (lexica vs sentencepiece vs HF ``tokenizers``) and
cl100k / o200k encode (lexica vs tiktoken), one thread, interleaved, ids checked in the same run.

    PYTHONPATH=src .venv/bin/python bench/unigram_tiktoken_bench.py [--quick] [--rounds 3] [--section unigram tiktoken]
    PYTHONPATH=src .venv/bin/python bench/unigram_tiktoken_bench.py --profile   # cProfile of lexica's Unigram encode

``bench/run.py`` calls ``run_unigram`` / ``run_tiktoken`` and puts ``markdown(...)`` into BENCHMARKS.md.

Unigram model. The committed fixtures (tests/fixtures/sentencepiece) have 500-1,000 pieces, too small to
say anything about speed, so a realistic model is trained here once with ``sentencepiece`` (Unigram,
16,000 pieces, the default ``nmt_nfkc`` normalization, so the Precompiled charsmap is exercised) on an
evenly spread sample of the English and multilingual corpora of bench/corpora.py, and cached in
bench/.cache/unigram/. Its tokenizer.json is made by transformers' ``SpmConverter``
(``build_tokenizer_from_spm_proto``, the same conversion as scripts/fixtures/make_unigram_fixtures.py),
also cached. Sides, in interleaving order:

- ``lexica (.json)``: ``lexica.tokenizers.tokenizer.Tokenizer.from_file(tokenizer.json)``, checked against HF;
- ``lexica (.model)``: ``lexica.tokenizers.sentencepiece.tokenizer_from_model_file(.model)``, checked
  against sentencepiece (skipped with the reason when that function cannot be imported);
- ``HF tokenizers``: ``tokenizers.Tokenizer.from_file(tokenizer.json)`` with ``RAYON_NUM_THREADS=1``;
- ``sentencepiece``: ``SentencePieceProcessor(model_file=.model)``, ``encode(..., num_threads=1)``.

tiktoken. ``TIKTOKEN_CACHE_DIR`` points at litellm's tokenizers folder (shared/ASSETS.md; its files are
named by the sha1 of their URL); ``tiktoken.get_encoding(name)`` loads it once and every round builds a
fresh ``tiktoken.Encoding`` from the same constructor arguments. lexica's side is
``lexica.tokenizers.tiktoken.load_tiktoken_bpe(path, name)`` (a fresh object, so a cold word cache, every
round). Both call ``encode_ordinary`` one document at a time.

Method (shared/BENCHMARKING.md): every round runs every side in turn on identical documents, each pass
with a freshly built tokenizer (loading untimed), median of the rounds reported; the last round adds a
"warm" pass (the same object again). Round 1 hashes every document's ids (outside the timed calls) and
compares each side with its reference. When lexica's probe speed says a corpus would not fit 60% of the
pass budget, every side measures the same evenly spread subset. Peak RSS: one fresh process per side
(``--child-rss``) on the English corpus, VmHWM.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "true")

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib.util  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, Callable  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

from corpora import Corpus, load_corpus, spread_select  # noqa: E402

CACHE = BENCH_DIR / ".cache" / "unigram"
UNIGRAM_VOCAB = 16_000
TRAIN_BYTES = 3_000_000  # per corpus, spread sample of the full corpus
CHUNK = 1000
TIKTOKEN_URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}
SCRIPT = "bench/unigram_tiktoken_bench.py"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def doc_bytes(docs: list[str]) -> int:
    return sum(len(d.encode("utf-8", "surrogatepass")) for d in docs)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name + ".", suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


# ---------------------------------------------------------------- assets


def _need_protobuf() -> None:
    """transformers' SpmConverter parses .model files with protobuf, which the venv does not carry.

    It is looked for in bench/.cache/pylib (``pip install --no-deps --target bench/.cache/pylib
    "protobuf>=7.36.1,<8"``, the runtime sentencepiece's generated module asks for), so the shared venv
    and lexica's tests never see it."""
    if importlib.util.find_spec("google") is None:
        pylib = str(BENCH_DIR / ".cache" / "pylib")
        if pylib not in sys.path:
            sys.path.append(pylib)
        importlib.invalidate_caches()
    try:
        import google.protobuf  # noqa: F401
    except ImportError as exc:
        raise RuntimeError("converting the Unigram model needs protobuf: run `.venv/bin/python -m pip install "
                           "--no-deps --target bench/.cache/pylib 'protobuf>=7.36.1,<8'`") from exc


def unigram_assets() -> tuple[Path, Path, str]:
    """(.model, tokenizer.json, description): trained and converted once, then read from the cache."""
    model = CACHE / f"unigram_{UNIGRAM_VOCAB}.model"
    js = model.with_suffix(".json")
    meta = model.with_suffix(".meta.json")
    if not model.exists() or not meta.exists():
        import io

        import sentencepiece as spm

        lines: list[str] = []
        for name in ("english", "multilingual"):
            lines += spread_select(load_corpus(name).docs, TRAIN_BYTES)
        log(f"training a {UNIGRAM_VOCAB:,}-piece sentencepiece Unigram on {len(lines):,} documents (cached after)")
        t0 = time.perf_counter()
        writer = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines), model_writer=writer, model_type="unigram", vocab_size=UNIGRAM_VOCAB,
            normalization_rule_name="nmt_nfkc", character_coverage=0.9995, num_threads=2, minloglevel=2,
            input_sentence_size=200_000, shuffle_input_sentence=True, max_sentence_length=16384, seed_sentencepiece_size=400_000,
        )
        _write_atomic(model, writer.getvalue())
        desc = (f"sentencepiece {_version('sentencepiece')} Unigram, {UNIGRAM_VOCAB:,} pieces, `nmt_nfkc` normalization "
                f"(Precompiled charsmap), trained on {len(lines):,} documents ({doc_bytes(lines) / 1e6:.1f} MB) spread "
                f"over the full English and multilingual corpora in {time.perf_counter() - t0:.0f} s; cached as "
                f"`bench/.cache/unigram/{model.name}`")
        _write_atomic(meta, json.dumps({"description": desc}).encode())
    if not js.exists() or not t5_json(model).exists():
        _need_protobuf()
    if not js.exists():
        from transformers.convert_slow_tokenizer import SpmConverter, import_protobuf

        proto = import_protobuf().ModelProto()
        proto.ParseFromString(model.read_bytes())
        hf = SpmConverter.build_tokenizer_from_spm_proto(proto, [(p.piece, p.score) for p in proto.pieces])
        _write_atomic(js, hf.to_str().encode("utf-8"))
    if not t5_json(model).exists():
        import types

        from transformers.convert_slow_tokenizer import SpmConverter

        original = types.SimpleNamespace(vocab_file=str(model), add_prefix_space=True, legacy=True)
        _write_atomic(t5_json(model), SpmConverter(original).converted().to_str().encode("utf-8"))
    desc = json.loads(meta.read_text())["description"]
    return model, js, (desc + ". Two tokenizer.json files converted from it by transformers: `spm` = "
                       "`SpmConverter.build_tokenizer_from_spm_proto` (follows the model's normalizer spec; Metaspace "
                       "`split=false`, so a whole document is one lattice), `t5` = `SpmConverter(...).converted()`, the "
                       "classic T5/ALBERT hub layout (Precompiled, Strip, Replace; Metaspace `split=true`, one lattice "
                       "per word, so word caches apply)")


def t5_json(model: Path) -> Path:
    return model.with_suffix(".t5.json")


def tiktoken_dir() -> Path:
    spec = importlib.util.find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("litellm is not installed (offline tiktoken rank files, shared/ASSETS.md)")
    return Path(list(spec.submodule_search_locations)[0]) / "litellm_core_utils" / "tokenizers"


def tiktoken_file(name: str) -> Path:
    import hashlib

    path = tiktoken_dir() / hashlib.sha1(TIKTOKEN_URLS[name].encode()).hexdigest()
    if not path.exists():
        raise FileNotFoundError(f"{path} (the {name} rank file) is missing")
    return path


def _version(dist: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


# ---------------------------------------------------------------- sides


@dataclass
class Side:
    """One tokenizer under test; ``batch`` is None when it is measured one text at a time only."""

    key: str
    name: str
    make: Callable[[], Any]
    one: Callable[[Any, str], list[int]]
    batch: Callable[[Any, list[str]], list[list[int]]] | None
    ref: str | None = None  # key of the side its ids are checked against (None: it is a reference)


def unigram_sides(model: Path, js: Path, only: str | None = None) -> tuple[list[Side], list[str]]:
    """Sides for the Unigram rows, lexica first, and notes on the sides that are skipped.

    ``only`` builds one side and imports only its library (the peak-RSS children)."""
    if only is not None:
        sides, notes = [], []
        if only.startswith("lexica"):
            sides, notes = _lexica_unigram_sides(model, js)
        else:
            sides = _reference_unigram_sides(model, js, only)
        return [s for s in sides if s.key == only], notes
    sides, notes = _lexica_unigram_sides(model, js)
    return sides + _reference_unigram_sides(model, js, None), notes


def _lexica_unigram_sides(model: Path, js: Path) -> tuple[list[Side], list[str]]:
    notes: list[str] = []
    sides: list[Side] = []
    files = {"spm": str(js), "t5": str(t5_json(model))}
    model_s = str(model)
    try:
        from lexica.tokenizers.tokenizer import Tokenizer as LexTok

        for layout, path in files.items():
            sides.append(Side(f"lexica-{layout}", f"lexica ({layout} .json)", lambda p=path: LexTok.from_file(p),
                              lambda t, x: t.encode(x).ids, lambda t, xs: [e.ids for e in t.encode_batch(xs)],
                              f"hf-{layout}"))
    except Exception as exc:  # noqa: BLE001 - report why, keep the other sides
        notes.append(f"lexica tokenizer.json sides skipped: lexica.tokenizers.tokenizer.Tokenizer not importable ({exc})")
    try:
        from lexica.tokenizers.sentencepiece import tokenizer_from_model_file

        sides.append(Side("lexica-model", "lexica (.model)", lambda: tokenizer_from_model_file(model_s),
                          lambda t, x: t.encode(x).ids, lambda t, xs: [e.ids for e in t.encode_batch(xs)], "spm"))
    except Exception as exc:  # noqa: BLE001
        notes.append(f"lexica (.model) skipped: lexica.tokenizers.sentencepiece.tokenizer_from_model_file "
                     f"not importable ({type(exc).__name__}: {exc})")
    return sides, notes


def _reference_unigram_sides(model: Path, js: Path, only: str | None) -> list[Side]:
    files = {"spm": str(js), "t5": str(t5_json(model))}
    model_s = str(model)
    sides: list[Side] = []
    if only is None or only.startswith("hf"):
        from tokenizers import Tokenizer as HFTok

        for layout, path in files.items():
            sides.append(Side(f"hf-{layout}", f"HF ({layout} .json)", lambda p=path: HFTok.from_file(p),
                              lambda t, x: t.encode(x).ids, lambda t, xs: [e.ids for e in t.encode_batch(xs)]))
    if only is None or only == "spm":
        import sentencepiece as spm

        sides.append(Side("spm", "sentencepiece", lambda: spm.SentencePieceProcessor(model_file=model_s),
                          lambda t, x: t.encode(x), lambda t, xs: t.encode(xs, num_threads=1)))
    return sides


_TT_KWARGS: dict[str, dict[str, Any]] = {}


def tiktoken_sides(name: str, only: str | None = None) -> tuple[list[Side], list[str]]:
    notes: list[str] = []
    sides: list[Side] = []
    path = str(tiktoken_file(name))
    if only == "lexica":
        from lexica.tokenizers.tiktoken import load_tiktoken_bpe

        return [Side("lexica", "lexica", lambda: load_tiktoken_bpe(path, name), lambda t, x: t.encode_ordinary(x),
                     None)], notes
    try:
        from lexica.tokenizers.tiktoken import load_tiktoken_bpe

        sides.append(Side("lexica", "lexica", lambda: load_tiktoken_bpe(path, name), lambda t, x: t.encode_ordinary(x),
                          None, "tiktoken"))
    except Exception as exc:  # noqa: BLE001
        notes.append(f"lexica skipped: lexica.tokenizers.tiktoken.load_tiktoken_bpe not importable ({exc})")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(tiktoken_dir())
    import tiktoken
    from tiktoken_ext.openai_public import ENCODING_CONSTRUCTORS

    if only == "tiktoken":  # peak-RSS child: reading the rank file is part of the load
        return [Side("tiktoken", "tiktoken", lambda: tiktoken.Encoding(**ENCODING_CONSTRUCTORS[name]()),
                     lambda t, x: t.encode_ordinary(x), None)], notes
    if name not in _TT_KWARGS:
        tiktoken.get_encoding(name)  # loads through TIKTOKEN_CACHE_DIR (hash-checked), fails loudly if absent
        _TT_KWARGS[name] = ENCODING_CONSTRUCTORS[name]()
    kwargs = _TT_KWARGS[name]
    sides.append(Side("tiktoken", "tiktoken", lambda: tiktoken.Encoding(**kwargs), lambda t, x: t.encode_ordinary(x),
                      None))
    return sides, notes


# ---------------------------------------------------------------- timed passes


@dataclass
class Cell:
    mbps: list[float] = field(default_factory=list)
    warm: float | None = None
    complete: bool = True
    error: str | None = None
    n_docs: int = 0
    bad: int | None = None  # documents whose ids differ from the reference side's (None: not checked)
    first_bad: int | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.mbps) if self.mbps else None


def timed_pass(side: Side, tok: Any, docs: list[str], batch: bool, record: bool,
               budget: float) -> tuple[float, int, bool, list[int]]:
    """(seconds, bytes, complete, per-document id hashes); only the encode calls are timed."""
    gc.collect()
    seconds, n_bytes, digests = 0.0, 0, []
    for i in range(0, len(docs), CHUNK):
        chunk = docs[i:i + CHUNK]
        t0 = time.perf_counter()
        out = side.batch(tok, chunk) if batch else [side.one(tok, d) for d in chunk]
        seconds += time.perf_counter() - t0
        n_bytes += doc_bytes(chunk)
        if record:
            digests.extend(hash(tuple(ids)) for ids in out)
        del out
        if seconds > budget and i + CHUNK < len(docs):
            return seconds, n_bytes, False, digests
    return seconds, n_bytes, True, digests


def fit(corpus: Corpus, sides: list[Side], budget: float) -> tuple[list[str], str]:
    """The documents every side measures: all, or an even spread that the slowest lexica side fits."""
    lex = [s for s in sides if s.key.startswith("lexica")]
    probe = spread_select(corpus.docs, max(50_000, corpus.n_bytes // 100))
    rate = float("inf")
    for s in lex:
        try:
            tok = s.make()
            t0 = time.perf_counter()
            for d in probe:
                s.one(tok, d)
            rate = min(rate, doc_bytes(probe) / (time.perf_counter() - t0))
        except Exception:  # noqa: BLE001 - the timed rounds report it
            continue
    target = rate * budget * 0.6
    if target >= corpus.n_bytes:
        return corpus.docs, ""
    docs = spread_select(corpus.docs, int(target))
    return docs, (f"{corpus.name}: measured on an evenly spread subset of {doc_bytes(docs) / 1e6:.2f} of "
                  f"{corpus.n_bytes / 1e6:.2f} MB ({len(docs):,} docs): lexica's probe speed ({rate / 1e6:.3f} MB/s) "
                  f"would not fit the {budget:.0f} s pass budget")


def measure(label: str, corpus: Corpus, sides: list[Side], modes: list[str], rounds: int,
            budget: float) -> dict[str, Any]:
    docs, note = fit(corpus, sides, budget)
    if note:
        log("  " + note)
    cells = {(s.key, m): Cell() for s in sides for m in modes}
    digests: dict[tuple[str, str], list[int]] = {}
    for r in range(rounds):
        for mode in modes:
            for s in sides:
                cell = cells[(s.key, mode)]
                if cell.error or (mode == "batch" and s.batch is None):
                    continue
                try:
                    tok = s.make()
                    sec, nb, complete, dig = timed_pass(s, tok, docs, mode == "batch", r == 0, 2 * budget)
                    if r == rounds - 1 and mode == modes[0]:
                        wsec, wnb, _, _ = timed_pass(s, tok, docs, mode == "batch", False, 2 * budget)
                        cell.warm = wnb / 1e6 / wsec
                except Exception as exc:  # noqa: BLE001 - a failing side is reported in its cell
                    cell.error = f"{type(exc).__name__}: {exc}"[:160]
                    log(f"  {label} {s.name} {mode}: {cell.error}")
                    continue
                cell.mbps.append(nb / 1e6 / sec)
                cell.complete &= complete
                if r == 0:
                    digests[(s.key, mode)] = dig
                log(f"  {label} {corpus.name} round {r + 1} {mode:6s} {s.name:16s} {nb / 1e6 / sec:7.3f} MB/s"
                    + ("" if complete else " (partial)"))
    for s in sides:
        for mode in modes:
            cell, got = cells[(s.key, mode)], digests.get((s.key, mode))
            ref_key = s.ref or s.key
            ref = digests.get((ref_key, mode)) or digests.get((ref_key, modes[0]))
            if got is None or ref is None:
                continue
            n = min(len(got), len(ref))
            bad = [i for i in range(n) if got[i] != ref[i]]
            cell.n_docs, cell.bad, cell.first_bad = n, len(bad), (bad[0] if bad else None)
    # Cross-check of the two references (HF vs sentencepiece), informative only.
    cross = {}
    for key in ("hf-spm", "hf-t5"):
        if (key, modes[0]) in digests and ("spm", modes[0]) in digests:
            a, b = digests[(key, modes[0])], digests[("spm", modes[0])]
            n = min(len(a), len(b))
            cross[key] = (sum(a[i] != b[i] for i in range(n)), n)
    return {"label": label, "corpus": corpus.name, "n_bytes": doc_bytes(docs), "n_docs": len(docs),
            "full_bytes": corpus.n_bytes, "note": note, "sides": [(s.key, s.name, s.ref) for s in sides],
            "modes": modes, "cells": cells, "cross": cross, "docs": docs}


def first_difference(side: Side, ref: Side, doc: str) -> str:
    a, b = side.one(side.make(), doc), ref.one(ref.make(), doc)
    pos = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return (f"{side.name} vs {ref.name} on {doc[:60]!r}...: first difference at token {pos}: {a[pos:pos + 4]} vs "
            f"{b[pos:pos + 4]} (lengths {len(a)} vs {len(b)})")


# ---------------------------------------------------------------- peak RSS children


def child_rss(section: str, key: str, corpus: str, quick: bool, encoding: str, budget: float,
              subset: int) -> dict[str, Any]:
    from child import max_rss_mb

    docs = load_corpus(corpus, quick=quick).docs
    if subset:
        docs = spread_select(docs, subset)
    if section == "unigram":
        model, js, _ = unigram_assets()
        sides, _ = unigram_sides(model, js, only=key)
    else:
        sides, _ = tiktoken_sides(encoding, only=key)
    side = next((s for s in sides if s.key == key), None)
    if side is None:
        raise SystemExit(f"side {key} unavailable")
    gc.collect()
    try:  # reset VmHWM (Linux >= 4.0), so that reading the corpus does not count as the tokenizer's peak
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    before = current_rss_mb()
    tok = side.make()
    loaded = max_rss_mb()
    t0, n = time.perf_counter(), 0
    for d in docs:
        side.one(tok, d)
        n += 1
        if time.perf_counter() - t0 > budget:
            break
    return {"rss_before_mb": before, "rss_loaded_mb": loaded, "rss_peak_mb": max_rss_mb(), "n_docs": n,
            "complete": n == len(docs)}


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_rss(section: str, keys: list[str], corpus: str, quick: bool, encoding: str, budget: float,
                subset: int) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        cmd = [sys.executable, __file__, "--child-rss", section, key, "--corpus", corpus, "--encoding", encoding,
               "--budget", str(budget), "--subset-bytes", str(subset)] + (["--quick"] if quick else [])
        env = dict(os.environ, RAYON_NUM_THREADS="1")
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            out[key] = {"error": (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1][:160]}
        else:
            out[key] = json.loads(proc.stdout.strip().splitlines()[-1])
        log(f"  rss {section} {key}: {out[key]}")
    return out


# ---------------------------------------------------------------- entry points


def run_unigram(corpora: list[Corpus], rounds: int = 3, budget: float = 45.0, quick: bool = False,
                rss: bool = True) -> dict[str, Any]:
    """Unigram rows for every corpus (modes: encode_batch, one text at a time)."""
    model, js, desc = unigram_assets()
    sides, notes = unigram_sides(model, js)
    results = []
    for c in corpora:
        log(f"unigram x {c.name}")
        res = measure("unigram", c, sides, ["batch", "single"], rounds, budget)
        examples = []
        for s in sides:
            cell = res["cells"][(s.key, "batch")]
            if s.ref and cell.first_bad is not None:
                ref = next(x for x in sides if x.key == s.ref)
                examples.append(first_difference(s, ref, res["docs"][cell.first_bad]))
        res["examples"] = examples
        results.append(res)
    rss_out = {}
    if rss and corpora:
        first = results[0]
        rss_out = measure_rss("unigram", [s.key for s in sides], first["corpus"], quick, "", budget,
                              first["n_bytes"] if first["note"] else 0)
    return {"section": "unigram", "model": desc, "notes": notes, "results": results, "rss": rss_out,
            "rounds": rounds, "budget": budget}


def run_tiktoken(corpora: list[Corpus], rounds: int = 3, budget: float = 45.0, quick: bool = False,
                 rss: bool = True, encodings: tuple[str, ...] = ("cl100k_base", "o200k_base")) -> dict[str, Any]:
    results, notes, rss_out = [], [], {}
    for name in encodings:
        sides, n = tiktoken_sides(name)
        notes += [f"{name}: {x}" for x in n]
        for c in corpora:
            log(f"{name} x {c.name}")
            res = measure(name, c, sides, ["single"], rounds, budget)
            res["examples"] = [first_difference(s, next(x for x in sides if x.key == s.ref),
                                                res["docs"][res["cells"][(s.key, "single")].first_bad])
                               for s in sides if s.ref and res["cells"][(s.key, "single")].first_bad is not None]
            results.append(res)
        if rss and corpora:
            first = next(r for r in results if r["label"] == name)
            rss_out[name] = measure_rss("tiktoken", [s.key for s in sides], first["corpus"], quick, name, budget,
                                        first["n_bytes"] if first["note"] else 0)
    return {"section": "tiktoken", "notes": notes, "results": results, "rss": rss_out, "rounds": rounds,
            "budget": budget, "dir": str(tiktoken_dir())}


# ---------------------------------------------------------------- markdown


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "-" if a is None or not b else f"**{a / b:.2f}x**"


def _cell(c: Cell | None) -> str:
    if c is None:
        return "skipped"
    if c.error:
        return f"error: {c.error}"
    return _f(c.median) + ("" if c.complete else " (partial)")


def _check(c: Cell | None, ref_name: str) -> str:
    if c is None or c.error:
        return "-"
    if c.bad is None:
        return "not checked (row invalid)"
    if c.bad == 0:
        return f"identical to {ref_name} ({c.n_docs:,} docs)"
    return f"**INVALID**: ids differ from {ref_name} in {c.bad:,}/{c.n_docs:,} docs"


MODE_TITLES = {"batch": "encode_batch", "single": "encode, one text at a time"}


def markdown_unigram(out: dict[str, Any]) -> list[str]:
    lines = [f"## Unigram encode, one thread (issue 4; script: `{SCRIPT}`)", "",
             f"- Model: {out['model']}.",
             "- Sides: lexica `Tokenizer.from_file(tokenizer.json)` (each layout; ids checked against HF on the same "
             "file) and `lexica.tokenizers.sentencepiece.tokenizer_from_model_file(.model)` (ids checked against "
             "sentencepiece); HF `tokenizers` `Tokenizer.from_file` with `RAYON_NUM_THREADS=1`; sentencepiece "
             "`SentencePieceProcessor(model_file=...)`, `encode(list, num_threads=1)` in the batch mode.",
             f"- {out['rounds']} interleaved rounds (all six sides in turn), a fresh object every pass (loading "
             "untimed), **median** MB/s. Ratio = lexica / reference (> 1: lexica faster). The `.model` row compares "
             "with HF on the `spm` file (the same normalizer and one lattice per document).",
             "- Target (issue 4): lexica >= 1.0x HF `tokenizers` single-thread.", ""]
    lines += [f"- {n}" for n in out["notes"]]
    lines += ["| corpus | MB | mode | lexica loads | lexica MB/s | HF MB/s | lexica / HF | sentencepiece MB/s | "
              "lexica / sentencepiece | >= 1.0x HF | parity |", "|---|---:|---|---|---:|---:|---:|---:|---:|---|---|"]
    for res in out["results"]:
        cells = res["cells"]
        for mode in res["modes"]:
            sp = cells.get(("spm", mode))
            sp_med = sp.median if sp is not None and not sp.error else None
            for key, hf_key, ref_name, label in (("lexica-spm", "hf-spm", "HF", "`spm` tokenizer.json"),
                                                 ("lexica-t5", "hf-t5", "HF", "`t5` tokenizer.json"),
                                                 ("lexica-model", "hf-spm", "sentencepiece", "`.model`")):
                lx, hf = cells.get((key, mode)), cells.get((hf_key, mode))
                lx_med = lx.median if lx is not None and not lx.error else None
                hf_med = hf.median if hf is not None and not hf.error else None
                met = ("-" if lx_med is None or not hf_med or lx is None or lx.bad != 0
                       else ("yes" if lx_med >= hf_med else "**no**"))
                lines.append(f"| {res['corpus']} | {res['n_bytes'] / 1e6:.2f} | {MODE_TITLES[mode]} | {label} | "
                             f"{_cell(lx)} | {_cell(hf)} | {_ratio(lx_med, hf_med)} | {_cell(sp)} | "
                             f"{_ratio(lx_med, sp_med)} | {met} | {_check(lx, ref_name)} |")
    keys = [("lexica-spm", "lexica spm"), ("lexica-t5", "lexica t5"), ("lexica-model", "lexica .model"),
            ("hf-spm", "HF spm"), ("hf-t5", "HF t5"), ("spm", "sentencepiece")]
    lines += ["", "Warm (the same object again, a second encode_batch pass in the last round), MB/s:", "",
              "| corpus | " + " | ".join(k[1] for k in keys) + " |", "|---|" + "---:|" * len(keys)]
    for res in out["results"]:
        w = [_f(res["cells"][(k, "batch")].warm) if (k, "batch") in res["cells"] else "skipped" for k, _ in keys]
        lines.append(f"| {res['corpus']} | " + " | ".join(w) + " |")
    lines.append("")
    for res in out["results"]:
        if res["note"]:
            lines.append(f"- {res['note']}.")
        for key, (bad, n) in res["cross"].items():
            lines.append(f"- {res['corpus']}: the references HF ({key[3:]} .json) and sentencepiece: ids "
                         f"{'identical' if not bad else f'differ in {bad:,}'} of {n:,} docs.")
        lines += [f"- First difference: {e}" for e in res["examples"]]
    lines += [""] + rss_lines(out["rss"], "unigram") + [""]
    return lines


def markdown_tiktoken(out: dict[str, Any]) -> list[str]:
    lines = [f"## tiktoken encodings: cl100k_base and o200k_base, one thread (issue 4; script: `{SCRIPT}`)", "",
             f"- Rank files: litellm's offline copies (`TIKTOKEN_CACHE_DIR={out['dir']}`, files named by the sha1 of "
             "their URL). lexica: `lexica.tokenizers.tiktoken.load_tiktoken_bpe(path, name).encode_ordinary`; "
             "tiktoken: `tiktoken.get_encoding(name)` once, then a fresh `tiktoken.Encoding` from the same "
             "constructor arguments every pass, `.encode_ordinary`. One document per call, no thread pool.",
             f"- {out['rounds']} interleaved rounds, fresh objects every pass (lexica's word cache starts cold), "
             "**median** MB/s; \"warm\" = a second pass with the same object in the last round. "
             "Ratio = lexica / tiktoken (> 1: lexica faster). tiktoken is the speed leader (Rust); no target.", ""]
    lines += [f"- {n}" for n in out["notes"]]
    lines += ["| encoding | corpus | MB | lexica MB/s | tiktoken MB/s | lexica / tiktoken | lexica warm | "
              "tiktoken warm | parity |", "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for res in out["results"]:
        lx, tt = res["cells"].get(("lexica", "single")), res["cells"].get(("tiktoken", "single"))
        lines.append(f"| {res['label']} | {res['corpus']} | {res['n_bytes'] / 1e6:.2f} | {_cell(lx)} | {_cell(tt)} | "
                     f"{_ratio(lx.median if lx and not lx.error else None, tt.median if tt and not tt.error else None)} | "
                     f"{_f(lx.warm) if lx else '-'} | {_f(tt.warm) if tt else '-'} | {_check(lx, 'tiktoken')} |")
    lines.append("")
    for res in out["results"]:
        if res["note"]:
            lines.append(f"- {res['label']} x {res['note']}.")
        lines += [f"- First difference: {e}" for e in res["examples"]]
    for name, r in out["rss"].items():
        lines += [""] + rss_lines(r, name)
    return lines + [""]


def rss_lines(rss: dict[str, dict[str, Any]], what: str) -> list[str]:
    if not rss:
        return []
    out = [f"Peak memory, {what}: one fresh process per side (`{SCRIPT} --child-rss`) that imports only its own "
           "library and reads the corpus, resets its peak (`/proc/self/clear_refs`), loads the tokenizer, then encodes "
           "the first corpus of the table one document at a time. Before = VmRSS just before loading (interpreter, "
           "library, corpus); after load and peak = VmHWM since the reset.", "",
           "| side | RSS before load (MB) | after load (MB) | peak (MB) | growth from before load (MB) |",
           "|---|---:|---:|---:|---:|"]
    for key, d in rss.items():
        if "error" in d:
            out.append(f"| {key} | error: {d['error']} | | | |")
            continue
        part = "" if d.get("complete", True) else f" (partial: {d['n_docs']:,} docs)"
        out.append(f"| {key} | {d['rss_before_mb']:.0f} | {d['rss_loaded_mb']:.0f} | {d['rss_peak_mb']:.0f}{part} | "
                   f"{d['rss_peak_mb'] - d['rss_before_mb']:.0f} |")
    return out


def profile_unigram(n_bytes: int = 200_000, top: int = 30) -> str:
    import cProfile
    import io
    import pstats

    from lexica.tokenizers.tokenizer import Tokenizer

    model, js, _ = unigram_assets()
    docs = spread_select(load_corpus("english", quick=True).docs, n_bytes)
    tok = Tokenizer.from_file(str(js))
    prof = cProfile.Profile()
    prof.enable()
    tok.encode_batch(docs)
    prof.disable()
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(top)
    return s.getvalue()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--budget", type=float, default=None)
    p.add_argument("--section", nargs="+", choices=["unigram", "tiktoken"], default=["unigram", "tiktoken"])
    p.add_argument("--corpora", nargs="+", default=["english", "multilingual"])
    p.add_argument("--no-subprocess", action="store_true")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--child-rss", nargs=2, metavar=("SECTION", "SIDE"))
    p.add_argument("--corpus", default="english")
    p.add_argument("--encoding", default="")
    p.add_argument("--subset-bytes", type=int, default=0)
    args = p.parse_args()
    budget = args.budget if args.budget is not None else (10.0 if args.quick else 45.0)
    if args.child_rss:
        print(json.dumps(child_rss(args.child_rss[0], args.child_rss[1], args.corpus, args.quick, args.encoding,
                                   2 * budget, args.subset_bytes)))
        return
    if args.profile:
        print(profile_unigram())
        return
    corpora = [load_corpus(n, quick=args.quick) for n in args.corpora]
    if "unigram" in args.section:
        print("\n".join(markdown_unigram(run_unigram(corpora, args.rounds, budget, args.quick, not args.no_subprocess))))
    if "tiktoken" in args.section:
        print("\n".join(markdown_tiktoken(run_tiktoken(corpora, args.rounds, budget, args.quick,
                                                       not args.no_subprocess))))


if __name__ == "__main__":
    main()
