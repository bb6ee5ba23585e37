"""Checkpoint files: find them in a folder or on the hub, read them lazily, write them in shards.

Formats, as transformers writes them:

- ``model.safetensors``: an 8-byte little-endian header length, a JSON header ``{name: {dtype, shape,
  data_offsets}}`` and the raw bytes. We parse it ourselves so that every tensor is a zero-copy view
  of a private (copy-on-write) memory map: loading costs one copy of the weights at most, and a
  truncated file is reported with the tensor that runs past its end.
- ``model.safetensors.index.json``: ``{"metadata": {"total_size": N}, "weight_map": {name: shard}}``
  with shards ``model-00001-of-00003.safetensors``.
- ``pytorch_model.bin`` (+ ``.index.json``): a torch pickle, read ONLY with
  ``torch.load(weights_only=True, mmap=True)``. A pickle that needs anything beyond tensors (e.g. a
  code-execution payload) is refused with CheckpointError; it is never fully unpickled.

Hub ids are resolved only when ``huggingface_hub`` is installed and the path is not a local folder.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import pathlib
import pickle
import re
import struct
import tempfile
from collections.abc import Iterable
from typing import Any

import torch

from lexica.errors import CheckpointError

logger = logging.getLogger(__name__)

__all__ = [
    "SAFE_WEIGHTS_NAME",
    "SAFE_WEIGHTS_INDEX_NAME",
    "WEIGHTS_NAME",
    "WEIGHTS_INDEX_NAME",
    "find_checkpoint_files",
    "load_checkpoint",
    "CheckpointDict",
    "read_safetensors",
    "write_safetensors",
    "save_checkpoint",
    "parse_size",
    "resolve_model_dir",
    "hub_download_file",
]

SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
WEIGHTS_NAME = "pytorch_model.bin"
WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json"

_ST_DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
    "F8_E4M3": torch.float8_e4m3fn,
    "F8_E5M2": torch.float8_e5m2,
}
_ST_NAMES = {v: k for k, v in _ST_DTYPES.items()}


# -- hub -------------------------------------------------------------------------------------------------
def _hub() -> Any:
    try:
        import huggingface_hub
    except ImportError:
        return None
    return huggingface_hub


def hub_download_file(repo_id: str, filename: str) -> pathlib.Path:
    """One file of a hub repo through huggingface_hub's cache; a clear error when that is impossible."""
    hub = _hub()
    if hub is None:
        raise CheckpointError(
            f"{repo_id!r} is not a local folder or file, and huggingface_hub is not installed to fetch it "
            f"from the hub (pip install huggingface_hub)"
        )
    try:
        return pathlib.Path(hub.hf_hub_download(repo_id, filename))
    except Exception as exc:  # network, auth, missing repo: the hub library raises many types
        raise CheckpointError(f"could not fetch {filename} of {repo_id!r} from the hub: {exc}") from None


def resolve_model_dir(path_or_hub_id: str | os.PathLike[str]) -> pathlib.Path:
    """A local folder as is; otherwise a hub snapshot (config, weights, tokenizer files)."""
    path = pathlib.Path(path_or_hub_id)
    if path.is_dir():
        return path
    if path.exists():
        raise CheckpointError(f"{path}: expected a model folder, found a file")
    hub = _hub()
    if hub is None:
        raise CheckpointError(
            f"{str(path_or_hub_id)!r} is not a local folder, and huggingface_hub is not installed to fetch "
            f"it from the hub (pip install huggingface_hub)"
        )
    patterns = ["*.json", "*.txt", "*.model"]
    try:
        snapshot = pathlib.Path(hub.snapshot_download(str(path_or_hub_id), allow_patterns=[*patterns, "*.safetensors"]))
        if not any(snapshot.glob("*.safetensors")):  # older repos ship only pytorch_model*.bin
            snapshot = pathlib.Path(hub.snapshot_download(str(path_or_hub_id), allow_patterns=[*patterns, "*.bin"]))
    except Exception as exc:  # network, auth, missing repo: the hub library raises many types
        raise CheckpointError(f"could not fetch {str(path_or_hub_id)!r} from the hub: {exc}") from None
    return snapshot


# -- finding ---------------------------------------------------------------------------------------------
def find_checkpoint_files(directory: str | os.PathLike[str]) -> list[pathlib.Path]:
    """The weight files of a folder, in preference order safetensors > sharded > bin > sharded bin."""
    return _locate(pathlib.Path(directory))[0]


def _locate(directory: pathlib.Path) -> tuple[list[pathlib.Path], pathlib.Path | None]:
    """(weight files, index file or None) of a folder."""
    for single, index in ((SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME), (WEIGHTS_NAME, WEIGHTS_INDEX_NAME)):
        if (directory / single).is_file():
            return [directory / single], None
        if (directory / index).is_file():
            return _shards_from_index(directory / index), directory / index
    raise CheckpointError(
        f"{directory}: expected one of "
        f"{[SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME, WEIGHTS_NAME, WEIGHTS_INDEX_NAME]}, found none"
    )


def _read_index(index_path: pathlib.Path) -> dict[str, str]:
    try:
        data = json.loads(index_path.read_text(encoding="utf-8"))
        weight_map = data["weight_map"]
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{index_path}: expected a JSON index, found a parse error: {exc}") from None
    except (KeyError, TypeError):
        raise CheckpointError(f"{index_path}: expected a 'weight_map' object, found none") from None
    if not isinstance(weight_map, dict):
        raise CheckpointError(f"{index_path}: weight_map: expected an object, found {type(weight_map).__name__}")
    return weight_map


def _shards_from_index(index_path: pathlib.Path) -> list[pathlib.Path]:
    weight_map = _read_index(index_path)
    shards: dict[str, str] = {}
    for name, shard in weight_map.items():
        shards.setdefault(shard, name)
    paths = []
    for shard, first_tensor in shards.items():
        path = index_path.parent / shard
        if not path.is_file():
            raise CheckpointError(
                f"{index_path}: shard {shard} (holding {first_tensor!r} and others) is missing from {index_path.parent}"
            )
        paths.append(path)
    return paths


# -- reading ---------------------------------------------------------------------------------------------
def _read_safetensors_header(path: pathlib.Path, size: int, buf: mmap.mmap) -> tuple[int, dict[str, Any]]:
    """(offset of the data section, header dict)."""
    if size < 8:
        raise CheckpointError(f"{path}: truncated safetensors file ({size} bytes, no header)")
    (header_len,) = struct.unpack("<Q", buf[:8])
    if 8 + header_len > size:
        raise CheckpointError(f"{path}: truncated safetensors file: header needs {header_len} bytes, file has {size}")
    try:
        header = json.loads(buf[8 : 8 + header_len])
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CheckpointError(f"{path}: corrupt safetensors header: {exc}") from None
    if not isinstance(header, dict):
        raise CheckpointError(f"{path}: corrupt safetensors header: expected an object")
    return 8 + header_len, header


def read_safetensors(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file as zero-copy views of a private memory map."""
    path = pathlib.Path(path)
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size == 0:
                raise CheckpointError(f"{path}: truncated safetensors file (0 bytes)")
            # ACCESS_COPY: pages are shared with the page cache until written (then copied privately).
            buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read: {exc}") from None
    start, header = _read_safetensors_header(path, size, buf)
    tensors: dict[str, torch.Tensor] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        tensors[name] = _tensor_from_buffer(path, buf, start, size, name, info)
    return tensors


def _tensor_from_buffer(
    path: pathlib.Path, buf: mmap.mmap, start: int, size: int, name: str, info: Any
) -> torch.Tensor:
    try:
        dtype = _ST_DTYPES[info["dtype"]]
        shape = [int(d) for d in info["shape"]]
        begin, end = (int(o) for o in info["data_offsets"])
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{path}: tensor {name!r}: unsupported or corrupt header entry {info!r}") from None
    count = 1
    for d in shape:
        count *= d
    itemsize = torch.empty((), dtype=dtype).element_size()
    if end - begin != count * itemsize or begin < 0:
        raise CheckpointError(f"{path}: tensor {name!r}: shape {shape} does not match its byte range {begin}..{end}")
    if start + end > size:
        raise CheckpointError(
            f"{path}: truncated safetensors file: tensor {name!r} needs bytes up to {start + end}, file has {size}"
        )
    if count == 0:
        return torch.empty(shape, dtype=dtype)
    offset = start + begin
    if offset % itemsize:  # unaligned: torch cannot view it in place, so copy this one tensor
        return torch.frombuffer(bytearray(buf[offset : offset + end - begin]), dtype=dtype).reshape(shape)
    return torch.frombuffer(buf, dtype=dtype, count=count, offset=offset).reshape(shape)


def read_torch_pickle(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """A pytorch_model.bin read with weights_only=True; anything beyond tensors is refused."""
    path = pathlib.Path(path)
    try:
        try:
            data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as exc:
            if "mmap" not in str(exc) and "zipfile" not in str(exc):
                raise
            data = torch.load(path, map_location="cpu", weights_only=True)  # legacy (non-zip) format
    except pickle.UnpicklingError as exc:
        raise CheckpointError(
            f"{path}: refused to load: the pickle needs objects other than tensors, which could run code. "
            f"lexica reads pickles only with torch.load(weights_only=True); convert the checkpoint to "
            f"safetensors. Detail: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path}: cannot read torch checkpoint: {exc}") from None
    if not isinstance(data, dict) or not all(isinstance(v, torch.Tensor) for v in data.values()):
        raise CheckpointError(f"{path}: expected a dict of tensors (a state dict), found {type(data).__name__}")
    return data


def read_checkpoint_file(path: pathlib.Path) -> dict[str, torch.Tensor]:
    if path.suffix == ".safetensors":
        return read_safetensors(path)
    return read_torch_pickle(path)


class CheckpointDict(dict):
    """A state dict that also remembers which file each tensor came from (``files``), for errors."""

    files: dict[str, pathlib.Path]


def load_checkpoint(source: str | os.PathLike[str] | Iterable[pathlib.Path]) -> CheckpointDict:
    """Every tensor of a folder's checkpoint (or of the given files), memory-mapped where possible."""
    if isinstance(source, (str, os.PathLike)):
        files, index = _locate(pathlib.Path(source))
    else:
        files, index = list(source), None
    state = CheckpointDict()
    state.files = {}
    for path in files:
        tensors = read_checkpoint_file(path)
        state.update(tensors)
        state.files.update(dict.fromkeys(tensors, path))
    if index is not None:
        for name, shard in _read_index(index).items():
            if name not in state:
                raise CheckpointError(f"{index}: tensor {name!r} is listed in shard {shard} but that file lacks it")
    return state


# -- writing ---------------------------------------------------------------------------------------------
_SIZE_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
               "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(size: int | str) -> int:
    """``5GB`` -> 5 * 10**9 bytes, ``200MiB`` -> 200 * 2**20, an int is bytes already."""
    if isinstance(size, int) and not isinstance(size, bool):
        if size <= 0:
            raise CheckpointError(f"max_shard_size: expected a positive size, found {size}")
        return size
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", str(size))
    unit = match.group(2).upper() if match else ""
    if match is None or (unit or "B") not in _SIZE_UNITS:
        raise CheckpointError(f"max_shard_size: expected e.g. '5GB', '200MB', '1GiB' or bytes, found {size!r}")
    return max(1, int(float(match.group(1)) * _SIZE_UNITS[unit or "B"]))


def _atomic_path(path: pathlib.Path) -> tuple[int, str]:
    return tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")


def write_safetensors(
    path: str | os.PathLike[str], tensors: dict[str, torch.Tensor], metadata: dict[str, str] | None = None
) -> None:
    """Write a safetensors file atomically, one tensor at a time (no second copy of the weights)."""
    path = pathlib.Path(path)
    header: dict[str, Any] = {"__metadata__": dict(metadata or {"format": "pt"})}
    offset = 0
    for name, t in tensors.items():
        nbytes = t.numel() * t.element_size()
        if t.dtype not in _ST_NAMES:
            raise CheckpointError(f"{path}: tensor {name!r}: dtype {t.dtype} cannot be stored in safetensors")
        header[name] = {"dtype": _ST_NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)  # pad so tensor data starts 8-byte aligned
    fd, tmp = _atomic_path(path)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(head)) + head)
            for t in tensors.values():
                if t.numel():
                    flat = t.detach().to("cpu").contiguous().reshape(-1)
                    f.write(memoryview(flat.view(torch.uint8).numpy()))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_checkpoint(
    state_dict: dict[str, torch.Tensor], directory: str | os.PathLike[str], max_shard_size: int | str = "5GB"
) -> list[pathlib.Path]:
    """Write ``model.safetensors``, or shards + ``model.safetensors.index.json`` when over the limit.

    Shards are filled in ``state_dict`` order, as transformers does. Stale weight files from an earlier
    save in the same folder are removed afterwards, so the folder never mixes two checkpoints.
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    limit = parse_size(max_shard_size)
    shards: list[dict[str, torch.Tensor]] = [{}]
    used = 0
    for name, t in state_dict.items():
        nbytes = t.numel() * t.element_size()
        if shards[-1] and used + nbytes > limit:
            shards.append({})
            used = 0
        shards[-1][name] = t
        used += nbytes
    written: list[pathlib.Path] = []
    if len(shards) == 1:
        write_safetensors(directory / SAFE_WEIGHTS_NAME, shards[0])
        written.append(directory / SAFE_WEIGHTS_NAME)
    else:
        weight_map: dict[str, str] = {}
        for i, shard in enumerate(shards, start=1):
            name = f"model-{i:05d}-of-{len(shards):05d}.safetensors"
            write_safetensors(directory / name, shard)
            written.append(directory / name)
            weight_map.update({k: name for k in shard})
        total = sum(t.numel() * t.element_size() for t in state_dict.values())
        from lexica.models.configuration import write_json_atomic

        write_json_atomic(directory / SAFE_WEIGHTS_INDEX_NAME,
                          {"metadata": {"total_size": total}, "weight_map": weight_map})
        written.append(directory / SAFE_WEIGHTS_INDEX_NAME)
    _remove_stale(directory, written)
    return written


def _remove_stale(directory: pathlib.Path, keep: list[pathlib.Path]) -> None:
    pattern = re.compile(r"(model(-\d{5}-of-\d{5})?\.safetensors|model\.safetensors\.index\.json|"
                         r"pytorch_model(-\d{5}-of-\d{5})?\.bin|pytorch_model\.bin\.index\.json)")
    keep_names = {p.name for p in keep}
    for path in directory.iterdir():
        if pattern.fullmatch(path.name) and path.name not in keep_names:
            logger.info("removing stale weight file %s", path)
            path.unlink()
