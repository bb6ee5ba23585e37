"""Read GGUF files (llama.cpp's single-file checkpoint format) into HF-style configs and state dicts.

A GGUF file holds key/value metadata (``llama.block_count``, ``tokenizer.ggml.tokens`` ...) and
tensors named in llama.cpp's scheme (``blk.0.attn_q.weight``), usually quantised in blocks
(Q4_1, Q8_0, K-quants ...). This module:

- reads the metadata (:func:`read_gguf_metadata`), including the tokenizer arrays and chat template,
  for the tokenizer side to build on;
- maps the metadata to a transformers ``config.json``-style dict (:func:`gguf_config_dict`);
- dequantises tensors one at a time straight into float32 (Q4_0, Q4_1, Q8_0 and plain floats
  here, other types with the ``gguf`` package's dequantisers), renames them to HF checkpoint keys
  and undoes llama.cpp's rotary permutation of the q/k projections (:func:`iter_gguf_tensors`,
  :func:`load_gguf_checkpoint`).

It follows the GGUF spec (github.com/ggml-org/ggml/blob/master/docs/gguf.md) and the key mapping
that transformers' GGUF loader uses, so configs and weights agree with it. Only the ``llama``
architecture (Llama, SmolLM2, Mistral-style files) is supported.

The small header (magic, version, typed key/values, tensor table) is parsed here with ``struct``
over a read-only memory map: ``gguf.GGUFReader`` builds one numpy view per array element, which
takes ~6 s and 160 MB for a 49k-token vocabulary. Q4_0, Q4_1, Q8_0 and F32/F16/BF16 are
dequantised here (bit-identical to the ``gguf`` package, ~2x faster, and without importing it: its
import alone takes ~1 s). The ``gguf`` package is needed only for other types (K-quants, IQ*); it
is an optional dependency (``pip install lexica[gguf]``) imported on first use.
"""

from __future__ import annotations

import functools
import logging
import mmap
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from lexica.errors import CheckpointError, UnsupportedError

__all__ = [
    "GGUFMetadata",
    "GGUFTokenizerData",
    "read_gguf_metadata",
    "gguf_config_dict",
    "iter_gguf_tensors",
    "load_gguf_checkpoint",
]

logger = logging.getLogger(__name__)

SUPPORTED_ARCHITECTURES = ["llama"]

# "<arch>.<gguf key>" -> config.json key, as transformers maps them for llama.
_LLAMA_CONFIG_KEYS = {
    "context_length": "max_position_embeddings",
    "block_count": "num_hidden_layers",
    "feed_forward_length": "intermediate_size",
    "embedding_length": "hidden_size",
    "rope.dimension_count": "head_dim",  # rotary dims == head_dim for llama
    "rope.freq_base": "rope_theta",
    "attention.head_count": "num_attention_heads",
    "attention.head_count_kv": "num_key_value_heads",
    "attention.layer_norm_rms_epsilon": "rms_norm_eps",
    "vocab_size": "vocab_size",
}

# "tokenizer.ggml.<key>" -> config.json special-token ids.
_TOKEN_ID_KEYS = {
    "bos_token_id": "bos_token_id",
    "eos_token_id": "eos_token_id",
    "unknown_token_id": "unk_token_id",
    "padding_token_id": "pad_token_id",
}

# llama.cpp tensor names -> HF llama checkpoint keys. Per-layer names live under blk.N.
_LLAMA_GLOBAL_TENSORS = {
    "token_embd.weight": "model.embed_tokens.weight",
    "output_norm.weight": "model.norm.weight",
    "output.weight": "lm_head.weight",
}
_LLAMA_LAYER_TENSORS = {
    "attn_norm": "input_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_norm": "post_attention_layernorm",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}
_LAYER_TENSOR = re.compile(r"blk\.(\d+)\.([a-z_]+)\.(weight|bias)")
# Tensors llama.cpp stores that HF llama has no parameter for (precomputed llama3 rope factors).
_IGNORED_TENSORS = {"rope_freqs.weight"}


@dataclass
class GGUFTokenizerData:
    """The ``tokenizer.*`` metadata of a GGUF file, for building a tokenizer from it.

    ``model`` is llama.cpp's tokenizer kind ("gpt2" = byte-level BPE, "llama" = SentencePiece);
    ``pre`` names its pre-tokenizer regex set ("smollm", "llama-bpe" ...). ``token_type`` uses
    llama.cpp's codes (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
    """

    model: str | None = None
    pre: str | None = None
    tokens: list[str] = field(default_factory=list)
    token_type: list[int] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)
    merges: list[str] = field(default_factory=list)
    bos_token_id: int | None = None
    eos_token_id: int | None = None
    unk_token_id: int | None = None
    pad_token_id: int | None = None
    add_bos_token: bool | None = None
    add_eos_token: bool | None = None
    add_space_prefix: bool | None = None
    chat_template: str | None = None


@dataclass
class GGUFMetadata:
    """Everything in a GGUF file except the tensor data.

    ``fields`` maps every metadata key to its parsed value (scalars as Python values, arrays as
    lists, strings decoded). ``tensors`` maps each tensor name to (numpy shape, quantisation type).
    ``tokenizer`` gathers the ``tokenizer.*`` keys (built on first access: loading weights skips it).
    """

    path: str
    architecture: str
    fields: dict[str, Any]
    tensors: dict[str, tuple[tuple[int, ...], str]]

    @functools.cached_property
    def tokenizer(self) -> GGUFTokenizerData:
        return _tokenizer_data(self.fields)


def _gguf_module() -> Any:
    try:
        import gguf
    except ImportError as exc:  # optional dependency
        raise ImportError(
            "reading GGUF files needs the optional 'gguf' package: pip install 'lexica[gguf]' (or pip install gguf)"
        ) from exc
    return gguf


# GGUF metadata value types (spec order) -> struct format of one little-endian scalar.
_SCALAR_FORMATS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"
}
_NUMPY_DTYPES = {
    0: "<u1", 1: "<i1", 2: "<u2", 3: "<i2", 4: "<u4", 5: "<i4", 6: "<f4", 7: "?", 10: "<u8", 11: "<i8", 12: "<f8"
}
_STRING, _ARRAY = 8, 9


@dataclass
class _TensorInfo:
    name: str
    shape: tuple[int, ...]  # numpy order: (rows..., row length); GGUF stores the reverse
    qtype: int  # GGMLQuantizationType value
    offset: int  # absolute byte offset in the file


class _HeaderParser:
    """Parses a GGUF header from a memory map: magic, version, key/values, tensor table.

    gguf's own GGUFReader builds a numpy view for every array element (~6 s and 160 MB for a
    49k-token vocabulary); parsing with struct and reading numeric arrays with one frombuffer
    takes a fraction of a second.
    """

    def __init__(self, path: str, buffer: np.ndarray) -> None:
        # A memoryview over the map: slicing it and struct.unpack_from on it copy nothing.
        self.path, self.buf, self.pos = path, memoryview(buffer), 0

    def _advance(self, size: int) -> int:
        start = self.pos
        if start + size > len(self.buf):
            raise CheckpointError(f"{self.path}: GGUF header is truncated at byte {start}")
        self.pos += size
        return start

    def scalar(self, kind: int) -> Any:
        fmt = _SCALAR_FORMATS[kind]
        return struct.unpack_from(fmt, self.buf, self._advance(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        size = self.scalar(10)
        start = self._advance(size)
        return str(self.buf[start : start + size], "utf-8", errors="replace")

    def strings(self, count: int) -> list[str]:
        """An array of strings (vocabularies, merges: ~100k items), in one tight loop."""
        buf, pos, end, out = self.buf, self.pos, len(self.buf), []
        read_size = struct.Struct("<Q").unpack_from
        for _ in range(count):
            if pos + 8 > end:
                break
            size = read_size(buf, pos)[0]
            pos += 8
            if pos + size > end:
                break
            out.append(str(buf[pos : pos + size], "utf-8", errors="replace"))
            pos += size
        else:
            self.pos = pos
            return out
        raise CheckpointError(f"{self.path}: GGUF header is truncated at byte {pos}")

    def value(self, kind: int) -> Any:
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind, count = self.scalar(4), self.scalar(10)
            if item_kind in _NUMPY_DTYPES:  # numeric array: one read
                dtype = np.dtype(_NUMPY_DTYPES[item_kind])
                start = self._advance(count * dtype.itemsize)
                return np.frombuffer(self.buf, dtype=dtype, count=count, offset=start).tolist()
            if item_kind == _STRING:
                return self.strings(count)
            return [self.value(item_kind) for _ in range(count)]
        if kind not in _SCALAR_FORMATS:
            raise CheckpointError(f"{self.path}: unknown GGUF value type {kind} at byte {self.pos}")
        return self.scalar(kind)

    def parse(self) -> tuple[dict[str, Any], list[_TensorInfo]]:
        if bytes(self.buf[self._advance(4) : 4]) != b"GGUF":
            raise CheckpointError(f"{self.path}: not a GGUF file (the first 4 bytes are not b'GGUF')")
        version = self.scalar(4)
        if version not in (2, 3):
            raise UnsupportedError(f"{self.path}: GGUF version {version} is not supported; supported: [2, 3]")
        n_tensors, n_fields = self.scalar(10), self.scalar(10)
        fields = {}
        for _ in range(n_fields):
            key = self.string()
            fields[key] = self.value(self.scalar(4))
        raw = []
        for _ in range(n_tensors):
            name = self.string()
            dims = [self.scalar(10) for _ in range(self.scalar(4))]
            raw.append((name, tuple(reversed(dims)), self.scalar(4), self.scalar(10)))
        alignment = int(fields.get("general.alignment", 32))
        data_start = -(-self.pos // alignment) * alignment  # round up to the alignment
        tensors = [_TensorInfo(name, shape, qtype, data_start + off) for name, shape, qtype, off in raw]
        return fields, tensors


def _open(path: str | os.PathLike[str]) -> tuple[np.ndarray, dict[str, Any], list[_TensorInfo]]:
    """Memory-map a GGUF file and parse its header: (byte map, metadata, tensor table)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise CheckpointError(f"{path}: GGUF file not found")
    # A plain ndarray over a read-only mmap (np.memmap's subclass hooks cost ~1 s over 270 tensors).
    with open(path, "rb") as f:
        try:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            raise CheckpointError(f"{path}: not a GGUF file (it is empty)") from None
    buffer = np.frombuffer(mapped, dtype=np.uint8)
    fields, tensors = _HeaderParser(path, buffer).parse()
    return buffer, fields, tensors


def read_gguf_metadata(path: str | os.PathLike[str]) -> GGUFMetadata:
    """Read the metadata and tensor table of a GGUF file (no tensor data is read)."""
    _, fields, tensors = _open(path)
    return _metadata(os.fspath(path), fields, tensors)


def _metadata(path: str, fields: dict[str, Any], tensors: list[_TensorInfo]) -> GGUFMetadata:
    architecture = fields.get("general.architecture")
    if not isinstance(architecture, str):
        raise CheckpointError(f"{path}: metadata key 'general.architecture' is missing")
    return GGUFMetadata(
        path=path,
        architecture=architecture,
        fields=fields,
        tensors={t.name: (t.shape, _qtype_name(t.qtype)) for t in tensors},
    )


def _qtype_name(qtype: int) -> str:
    if qtype in _BLOCK_TYPES:
        return _BLOCK_TYPES[qtype][0]
    try:
        return _gguf_module().GGMLQuantizationType(qtype).name
    except (ImportError, ValueError):  # names of the other types come from the optional gguf package
        return f"GGML type {qtype}"


def _tokenizer_data(fields: dict[str, Any]) -> GGUFTokenizerData:
    def get(key: str) -> Any:
        return fields.get(f"tokenizer.ggml.{key}")

    return GGUFTokenizerData(
        model=get("model"),
        pre=get("pre"),
        tokens=list(get("tokens") or []),
        token_type=[int(t) for t in get("token_type") or []],
        scores=[float(s) for s in get("scores") or []],
        merges=list(get("merges") or []),
        bos_token_id=get("bos_token_id"),
        eos_token_id=get("eos_token_id"),
        unk_token_id=get("unknown_token_id"),
        pad_token_id=get("padding_token_id"),
        add_bos_token=get("add_bos_token"),
        add_eos_token=get("add_eos_token"),
        add_space_prefix=get("add_space_prefix"),
        chat_template=fields.get("tokenizer.chat_template"),
    )


def gguf_config_dict(metadata: GGUFMetadata) -> dict[str, Any]:
    """The transformers-style ``config.json`` dict for a GGUF file's model, as transformers builds it."""
    arch = metadata.architecture
    if arch not in SUPPORTED_ARCHITECTURES:
        raise UnsupportedError(
            f"{metadata.path}: GGUF architecture {arch!r} is not supported; supported: {SUPPORTED_ARCHITECTURES}"
        )
    config: dict[str, Any] = {"model_type": "llama", "architectures": ["LlamaForCausalLM"]}
    for gguf_key, hf_key in _LLAMA_CONFIG_KEYS.items():
        if f"{arch}.{gguf_key}" in metadata.fields:
            config[hf_key] = metadata.fields[f"{arch}.{gguf_key}"]
    for gguf_key, hf_key in _TOKEN_ID_KEYS.items():
        if f"tokenizer.ggml.{gguf_key}" in metadata.fields:
            config[hf_key] = metadata.fields[f"tokenizer.ggml.{gguf_key}"]
    if "vocab_size" not in config and metadata.fields.get("tokenizer.ggml.tokens"):
        config["vocab_size"] = len(metadata.fields["tokenizer.ggml.tokens"])
    # llama.cpp drops output.weight when the LM head shares the embedding matrix.
    config["tie_word_embeddings"] = "output.weight" not in metadata.tensors
    for required in ("hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"):
        if required not in config:
            raise CheckpointError(f"{metadata.path}: GGUF metadata has no value for {required!r}")
    config.setdefault("num_key_value_heads", config["num_attention_heads"])
    return config


def _hf_tensor_name(gguf_name: str) -> str | None:
    """HF key for a llama.cpp tensor name, or None when HF llama has no such tensor."""
    if gguf_name in _LLAMA_GLOBAL_TENSORS:
        return _LLAMA_GLOBAL_TENSORS[gguf_name]
    match = _LAYER_TENSOR.fullmatch(gguf_name)
    if match and match.group(2) in _LLAMA_LAYER_TENSORS:
        layer, part, kind = match.groups()
        return f"model.layers.{layer}.{_LLAMA_LAYER_TENSORS[part]}.{kind}"
    return None


def _unpermute_rotary(weight: torch.Tensor | np.ndarray, n_heads: int) -> torch.Tensor | np.ndarray:
    """Undo llama.cpp's row permutation of a q_proj/k_proj weight (or bias).

    Rotary embedding rotates pairs of dimensions inside each head. HF llama pairs dimension i with
    i + head_dim/2 ("rotate_half"); llama.cpp (like Meta's original code) pairs 2i with 2i+1. When
    llama.cpp converts an HF checkpoint it reorders each head's output rows from the half-split
    layout into the interleaved one: rows (h, s, i) with s in {0, 1} (which half) and i < head_dim/2
    become (h, i, s). Here we apply the inverse: view rows as (h, i, s) and swap back to (h, s, i).
    Then q·k and the attention output are exactly those of the HF model. Shapes: (n_heads*head_dim, in).
    """
    rows = weight.shape[0]
    if rows % (2 * n_heads):
        raise CheckpointError(f"q/k projection with {rows} rows is not divisible into {n_heads} heads of even size")
    half = rows // n_heads // 2
    # (n_heads, half, 2, in) -> (n_heads, 2, half, in) -> (rows, in)
    return weight.reshape(n_heads, half, 2, *weight.shape[1:]).swapaxes(1, 2).reshape(weight.shape)


# -- dequantisation -------------------------------------------------------------------------------------
# GGML types dequantised here, written from the block layouts of ggml's ggml-common.h:
# value -> (name, values per block, bytes per block). Each block starts with fp16 scale(s):
#   Q4_0: d, 16 bytes of nibbles  -> (q - 8) * d        Q4_1: d, m, 16 bytes of nibbles -> q * d + m
#   Q8_0: d, 32 int8              -> q * d              F32 / F16 / BF16: plain arrays
# Nibbles: byte j holds value j (low 4 bits) and value j + 16 (high 4 bits). The arithmetic is the
# gguf package's, in the same order and in float32, so results are bit-identical to gguf.dequantize
# (what transformers uses); tests check that. Other types (K-quants, IQ*) go through gguf.dequantize.
# numpy, not torch: these are a few memory-bound passes per tensor, and torch's intra-op threads
# made them 10x slower on a busy 2-core machine (every small op waits for a descheduled thread).
_BLOCK_TYPES: dict[int, tuple[str, int, int]] = {
    0: ("F32", 1, 4), 1: ("F16", 1, 2), 30: ("BF16", 1, 2), 2: ("Q4_0", 32, 18), 3: ("Q4_1", 32, 20),
    8: ("Q8_0", 32, 34),
}


def _fp16_column(blocks: np.ndarray, start: int) -> np.ndarray:
    """Bytes start..start+2 of every block as float16 -> float32, shape (N, 1)."""
    return np.ascontiguousarray(blocks[:, start : start + 2]).view(np.float16).astype(np.float32)


def _dequantize_blocks_into(name: str, blocks: np.ndarray, out: np.ndarray) -> None:
    """(N, bytes per block) uint8 -> ``out`` (N, values per block) float32, written in place."""
    if name == "F32":
        out[:] = np.ascontiguousarray(blocks).view(np.float32)
    elif name == "F16":
        out[:] = np.ascontiguousarray(blocks).view(np.float16)
    elif name == "BF16":  # bfloat16 is the top half of a float32
        out.view(np.uint32)[:] = np.ascontiguousarray(blocks).view(np.uint16).astype(np.uint32) << 16
    elif name == "Q8_0":
        out[:] = blocks[:, 2:].view(np.int8)
        out *= _fp16_column(blocks, 0)
    else:
        packed = blocks[:, 2:] if name == "Q4_0" else blocks[:, 4:]  # (N, 16)
        out[:, :16] = packed & 0x0F  # byte j: value j in the low nibble ...
        out[:, 16:] = packed >> 4  # ... and value j + 16 in the high nibble
        if name == "Q4_0":
            out -= 8.0
            out *= _fp16_column(blocks, 0)  # (q - 8) * d
        else:
            out *= _fp16_column(blocks, 0)
            out += _fp16_column(blocks, 2)  # Q4_1: q * d + m


def _raw_rows(
    path: str, buffer: np.ndarray, info: _TensorInfo, block_size: int, type_size: int, qname: str
) -> tuple[np.ndarray, int, int]:
    """The tensor's bytes as (rows, bytes per row), after checking block alignment and file size."""
    row_length = info.shape[-1]
    rows = int(np.prod(info.shape[:-1], dtype=np.int64))
    if row_length % block_size:
        raise CheckpointError(f"{path}: tensor {info.name!r} rows of {row_length} are not whole {qname} blocks")
    row_bytes = row_length // block_size * type_size
    end = info.offset + rows * row_bytes
    if end > len(buffer):
        raise CheckpointError(
            f"{path}: tensor {info.name!r} needs bytes up to {end} but the file has {len(buffer)} (truncated?)"
        )
    return buffer[info.offset : end].reshape(rows, row_bytes), rows, row_length


def _dequantize(path: str, buffer: np.ndarray, info: _TensorInfo) -> torch.Tensor:
    """Dequantise one tensor from the memory map into a new float32 tensor of shape ``info.shape``.

    Work goes in chunks of about 1M values (4 MB of output), so temporaries stay small next to the
    output; the file's bytes are read through the read-only map and never copied whole.
    """
    if info.qtype in _BLOCK_TYPES:
        qname, block_size, type_size = _BLOCK_TYPES[info.qtype]
        raw, rows, row_length = _raw_rows(path, buffer, info, block_size, type_size, qname)
        out = np.empty((rows, row_length), dtype=np.float32)
        step = max(1, (1 << 20) // row_length)
        for start in range(0, rows, step):
            chunk = raw[start : start + step].reshape(-1, type_size)  # (blocks, bytes per block)
            # Rows are whole blocks, so the output rows viewed as (blocks, values per block) line up.
            _dequantize_blocks_into(qname, chunk, out[start : start + step].reshape(-1, block_size))
    else:
        out = _dequantize_with_gguf(path, buffer, info)
    return torch.from_numpy(out.reshape(info.shape))


def _dequantize_with_gguf(path: str, buffer: np.ndarray, info: _TensorInfo) -> np.ndarray:
    """Types lexica does not dequantise itself (K-quants, IQ*), through the gguf package."""
    gguf = _gguf_module()
    try:
        qtype = gguf.GGMLQuantizationType(info.qtype)
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    except (ValueError, KeyError) as exc:
        raise UnsupportedError(f"{path}: tensor {info.name!r} has unknown GGML type {info.qtype}") from exc
    raw, rows, row_length = _raw_rows(path, buffer, info, block_size, type_size, qtype.name)
    out = np.empty((rows, row_length), dtype=np.float32)  # returned as (rows, row length)
    # gguf.dequantize keeps every per-row-group result alive before concatenating them, which doubles
    # the memory of a large tensor; feeding it ~4 MB of output rows at a time bounds that overhead.
    step = max(1, (1 << 20) // row_length)
    try:
        for start in range(0, rows, step):
            out[start : start + step] = gguf.dequantize(raw[start : start + step], qtype)
    except NotImplementedError as exc:
        raise UnsupportedError(
            f"{path}: tensor {info.name!r} uses {qtype.name}, which the installed gguf package cannot dequantise"
        ) from exc
    return out


def iter_gguf_tensors(
    path: str | os.PathLike[str], dtype: torch.dtype = torch.float32
) -> Iterator[tuple[str, torch.Tensor]]:
    """Yield (HF key, tensor) for each tensor of a llama GGUF file, one at a time.

    Each tensor is dequantised from the memory-mapped file straight into a float32 array, fixed up,
    and converted to ``dtype``; only one dequantised tensor is alive inside this generator at a time,
    so a caller that copies each tensor into its parameter keeps peak memory near one copy of the
    weights.
    """
    path = os.fspath(path)
    buffer, fields, tensors = _open(path)
    config = gguf_config_dict(_metadata(path, fields, tensors))
    yield from _iter_tensors(path, buffer, tensors, config, dtype)


def _iter_tensors(
    path: str, buffer: np.ndarray, tensors: list[_TensorInfo], config: dict[str, Any], dtype: torch.dtype
) -> Iterator[tuple[str, torch.Tensor]]:
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    for info in tensors:
        name = _hf_tensor_name(info.name)
        if name is None:
            if info.name not in _IGNORED_TENSORS:
                raise CheckpointError(f"{path}: tensor {info.name!r} has no counterpart in the HF llama model")
            logger.warning("%s: ignoring GGUF tensor %s (llama3 rope factors are not applied)", path, info.name)
            continue
        tensor = _dequantize(path, buffer, info)
        if ".self_attn.q_proj." in name:
            tensor = _unpermute_rotary(tensor, heads)
        elif ".self_attn.k_proj." in name:
            tensor = _unpermute_rotary(tensor, kv_heads)
        yield name, tensor if dtype == torch.float32 else tensor.to(dtype)


def load_gguf_checkpoint(
    path: str | os.PathLike[str], dtype: torch.dtype = torch.float32
) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """Return ``(config_dict, state_dict)`` for a llama GGUF file, with HF keys and dequantised weights.

    When the embeddings are tied (no ``output.weight`` in the file) the state dict has no
    ``lm_head.weight``; the model ties it to ``model.embed_tokens.weight``. Peak memory is about one
    copy of the weights in ``dtype`` plus one tensor being dequantised.
    """
    path = os.fspath(path)
    buffer, fields, tensors = _open(path)
    config = gguf_config_dict(_metadata(path, fields, tensors))
    return config, dict(_iter_tensors(path, buffer, tensors, config, dtype))
