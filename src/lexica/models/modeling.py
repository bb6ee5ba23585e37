"""``PreTrainedModel``: the base of every lexica model. Random init, loading, tying and saving.

Loading (``from_pretrained`` / ``from_state_dict``) follows transformers' behaviour with less memory:

1. The model is built with its *parameters* on the meta device (no memory, no random init); buffers
   are real, so non-persistent ones (position ids, rotary frequencies) are computed as usual.
2. Checkpoint tensors (memory-mapped safetensors views, see checkpoint.py) are renamed (legacy
   ``gamma``/``beta``, base-model prefix added or stripped), shape-checked, converted to the requested
   dtype/device only if needed, and *assigned* to the model: one copy of the weights at most.
3. Weights are tied (input/output embeddings when ``config.tie_word_embeddings``, plus the family's
   ``_tied_weights_keys``). Only the weights still missing are materialised and initialised with the
   family's ``_init_weights``, so a new classification head is random and everything else is loaded.
4. Missing, unexpected and mis-shaped keys are logged and kept in ``model.loading_info``.

Family authors: subclass, set ``config_class`` and ``base_model_prefix``, build modules whose names
are the checkpoint keys, call ``self.post_init()`` at the end of ``__init__``, override
``_init_weights(module)`` if the family's scheme differs from the default (normal(0,
initializer_range) for Linear/Embedding, zero bias, zeroed padding row, LayerNorm 1/0), and implement
``get_input_embeddings``/``get_output_embeddings`` where they exist.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import pathlib
import re
from collections.abc import Iterator
from typing import Any, ClassVar

import torch
from torch import nn

from lexica.errors import CheckpointError, ConfigError, UnsupportedError
from lexica.models.checkpoint import hub_download_file, load_checkpoint, resolve_model_dir, save_checkpoint
from lexica.models.configuration import PretrainedConfig

logger = logging.getLogger(__name__)

__all__ = ["PreTrainedModel", "resolve_dtype", "params_on_meta"]

_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16, "float64": torch.float64}
_NEW_WEIGHTS_HINT = (
    "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference."
)


def resolve_dtype(
    dtype: str | torch.dtype | None, config: PretrainedConfig | None = None,
    state_dict: dict[str, torch.Tensor] | None = None,
) -> torch.dtype:
    """None -> float32; "auto" -> config.dtype, else the checkpoint's floating dtype; names -> dtypes."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        if dtype not in _DTYPES.values():
            raise ConfigError(f"dtype: expected one of {list(_DTYPES)} or 'auto', found {dtype}")
        return dtype
    if dtype == "auto":
        if config is not None and config.dtype in _DTYPES:
            return _DTYPES[config.dtype]
        for t in (state_dict or {}).values():
            if t.is_floating_point() and t.dtype in _DTYPES.values():
                return t.dtype
        return torch.float32
    if isinstance(dtype, str) and dtype.removeprefix("torch.") in _DTYPES:
        return _DTYPES[dtype.removeprefix("torch.")]
    raise ConfigError(f"dtype: expected one of {list(_DTYPES)} or 'auto', found {dtype!r}")


@contextlib.contextmanager
def params_on_meta() -> Iterator[None]:
    """Inside, every registered nn.Parameter moves to the meta device; buffers stay real.

    ``torch.empty`` allocations made by layer constructors are lazy (untouched pages), and their
    ``reset_parameters`` then runs on meta tensors, so building costs neither memory nor init time.
    ``nn.init.normal_``/``trunc_normal_`` skip meta tensors here: on meta they go through a Python
    decomposition whose first use imports torch._dynamo (5-10 s), and there is nothing to fill anyway.
    Not thread-safe: it patches torch.nn for the duration.
    """
    original = nn.Module.register_parameter
    normal, trunc_normal = nn.init.normal_, nn.init.trunc_normal_

    def register(module: nn.Module, name: str, param: nn.Parameter | None) -> None:
        if param is not None and param.device.type != "meta":
            param = nn.Parameter(param.to("meta"), requires_grad=param.requires_grad)
        original(module, name, param)

    def skip_meta(fn: Any) -> Any:
        def init(tensor: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
            return tensor if tensor.is_meta else fn(tensor, *args, **kwargs)

        return init

    nn.Module.register_parameter = register  # type: ignore[method-assign]
    nn.init.normal_, nn.init.trunc_normal_ = skip_meta(normal), skip_meta(trunc_normal)
    try:
        yield
    finally:
        nn.Module.register_parameter = original  # type: ignore[method-assign]
        nn.init.normal_, nn.init.trunc_normal_ = normal, trunc_normal


def _legacy_name(key: str) -> str:
    # Early TF-converted BERT checkpoints name LayerNorm parameters gamma/beta.
    if key.endswith(".gamma"):
        return key[: -len("gamma")] + "weight"
    if key.endswith(".beta"):
        return key[: -len("beta")] + "bias"
    return key


class PreTrainedModel(nn.Module):
    """Base class; see the module docstring for what subclasses provide."""

    config_class: ClassVar[type[PretrainedConfig]] = PretrainedConfig
    base_model_prefix: ClassVar[str] = ""
    # Parameters that are always the same tensor, as {target name: source name} (e.g. BERT's decoder bias).
    _tied_weights_keys: ClassVar[dict[str, str]] = {}
    # Regexes of checkpoint keys that are expected to be unused (e.g. old saved position_ids buffers).
    _keys_to_ignore_on_load_unexpected: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: PretrainedConfig) -> None:
        super().__init__()
        if not isinstance(config, PretrainedConfig):
            raise ConfigError(f"config: expected a {self.config_class.__name__}, found {type(config).__name__}")
        config.validate()
        self.config = config
        self.loading_info: dict[str, list[Any]] = {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": []}

    # -- init ------------------------------------------------------------------------------------------
    def _init_weights(self, module: nn.Module) -> None:
        """Default scheme (BERT-style): normal(0, initializer_range) weights, zero biases, LayerNorm 1/0."""
        std = getattr(self.config, "initializer_range", 0.02)
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=std)
            if module.padding_idx is not None:
                with torch.no_grad():
                    module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            if module.weight is not None:
                nn.init.ones_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)

    def post_init(self) -> None:
        """Call at the end of a subclass's __init__: random init with the family scheme, then tie.

        Modules whose parameters are on meta (while ``from_pretrained`` builds the skeleton) are
        skipped: they are filled from the checkpoint, and ops on meta tensors cost seconds of
        one-time setup inside torch.
        """
        with torch.no_grad():
            for module in self.modules():
                if not any(p.is_meta for p in module.parameters()):
                    self._init_weights(module)
        self.tie_weights()

    @classmethod
    def from_config(cls, config: PretrainedConfig, *, dtype: str | torch.dtype | None = None) -> PreTrainedModel:
        """Random weights (reproducible under torch.manual_seed), in float32 unless ``dtype`` says."""
        model = cls(config)
        return model.to(resolve_dtype(dtype, config)) if dtype is not None else model

    # -- embeddings and tying --------------------------------------------------------------------------
    def get_input_embeddings(self) -> nn.Module:
        base = getattr(self, self.base_model_prefix, None) if self.base_model_prefix else None
        if base is None or base is self:
            raise NotImplementedError(f"{type(self).__name__} must implement get_input_embeddings()")
        return base.get_input_embeddings()

    def get_output_embeddings(self) -> nn.Module | None:
        return None

    def _tie_pairs(self) -> list[tuple[str, str]]:
        """(target, source) parameter names that must be one tensor; target takes source's tensor."""
        pairs = list(self._tied_weights_keys.items())
        output = self.get_output_embeddings()
        if output is not None and getattr(self.config, "tie_word_embeddings", False):
            names = {id(m): n for n, m in self.named_modules()}
            src = names[id(self.get_input_embeddings())]
            pairs.insert(0, (f"{names[id(output)]}.weight", f"{src}.weight" if src else "weight"))
        return pairs

    def _set_param(self, name: str, param: nn.Parameter) -> None:
        owner, _, attr = name.rpartition(".")
        setattr(self.get_submodule(owner) if owner else self, attr, param)

    def tie_weights(self) -> None:
        """Make each tied target share its source's tensor (a target that alone is loaded lends it)."""
        for target, source in self._tie_pairs():
            src, tgt = self.get_parameter(source), self.get_parameter(target)
            if src.device.type == "meta" and tgt.device.type != "meta":
                self._set_param(source, tgt)
            else:
                self._set_param(target, src)

    # -- info ------------------------------------------------------------------------------------------
    def num_parameters(self, only_trainable: bool = False, exclude_embeddings: bool = False) -> int:
        """Number of distinct parameters (tied weights count once)."""
        skip = set()
        if exclude_embeddings:
            skip = {id(m.weight) for m in self.modules() if isinstance(m, nn.Embedding)}
        return sum(
            p.numel() for p in self.parameters()
            if (p.requires_grad or not only_trainable) and id(p) not in skip
        )

    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        return next(p.dtype for p in self.parameters() if p.is_floating_point())

    # -- loading ---------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | os.PathLike[str],
        *,
        config: PretrainedConfig | None = None,
        dtype: str | torch.dtype | None = None,
        device: str | torch.device | None = None,
        gguf_file: str | os.PathLike[str] | None = None,
        num_labels: int | None = None,
        id2label: dict[int, str] | None = None,
        label2id: dict[str, int] | None = None,
        problem_type: str | None = None,
        ignore_mismatched_sizes: bool = False,
    ) -> PreTrainedModel:
        """Load a folder (or hub id) with config.json + weights, or a GGUF file; see the module docstring."""
        labels = {"num_labels": num_labels, "id2label": id2label, "label2id": label2id, "problem_type": problem_type}
        if gguf_file is not None:
            config_dict, state_dict, source = load_gguf(path_or_hub_id, gguf_file, dtype)
            config = cls.config_class.from_dict(config_dict, **labels) if config is None else config
        else:
            directory = resolve_model_dir(path_or_hub_id)
            config = cls.config_class.from_pretrained(directory, **labels) if config is None else config
            state_dict, source = load_checkpoint(directory), str(directory)
        config = with_label_overrides(config, **labels)
        return cls.from_state_dict(
            state_dict, config, dtype=dtype, device=device, source=source,
            ignore_mismatched_sizes=ignore_mismatched_sizes,
        )

    @classmethod
    def from_state_dict(
        cls,
        state_dict: dict[str, torch.Tensor],
        config: PretrainedConfig,
        *,
        dtype: str | torch.dtype | None = None,
        device: str | torch.device | None = None,
        source: str = "<state dict>",
        ignore_mismatched_sizes: bool = False,
    ) -> PreTrainedModel:
        """Build ``cls(config)`` with parameters on meta, then fill it from ``state_dict`` (HF names)."""
        target_dtype = resolve_dtype(dtype, config, state_dict)
        device = torch.device(device) if device is not None else torch.device("cpu")
        with params_on_meta():
            model = cls(config)
        model_shapes = {k: v.shape for k, v in model.state_dict().items()}
        renamed = model._rename_checkpoint_keys(state_dict, set(model_shapes))
        loaded, mismatched, unexpected = {}, [], []
        for ckpt_key, key in renamed.items():
            tensor = state_dict[ckpt_key]
            if key not in model_shapes:
                unexpected.append(ckpt_key)
            elif tuple(tensor.shape) != tuple(model_shapes[key]):
                mismatched.append((key, tuple(tensor.shape), tuple(model_shapes[key])))
            else:
                to_dtype = target_dtype if tensor.is_floating_point() else tensor.dtype
                loaded[key] = tensor.to(device=device, dtype=to_dtype)
        if mismatched and not ignore_mismatched_sizes:
            files = getattr(state_dict, "files", {})  # checkpoint key -> file, when read by load_checkpoint
            inverse = {v: k for k, v in renamed.items()}
            where = {k: f" in {files[inverse[k]]}" if inverse.get(k) in files else "" for k, _, _ in mismatched}
            listing = "; ".join(f"{k}{where[k]}: checkpoint {c}, model {m}" for k, c, m in mismatched)
            raise CheckpointError(
                f"{source}: tensor shapes do not fit {cls.__name__}: {listing}. Check that config.json "
                f"matches the weights, or pass ignore_mismatched_sizes=True to re-initialise these"
            )
        model.load_state_dict(loaded, strict=False, assign=True)
        model.tie_weights()
        missing = model._materialise_missing(target_dtype, device)
        model.tie_weights()
        order = {k: i for i, k in enumerate(model_shapes)}
        mismatched.sort(key=lambda item: order[item[0]])
        missing = [k for k in missing if k not in {m[0] for m in mismatched}]
        model.to(device)
        patterns = [re.compile(p) for p in cls._keys_to_ignore_on_load_unexpected]
        unexpected = [k for k in unexpected if not any(p.search(k) for p in patterns)]
        model.loading_info = {"missing_keys": missing, "unexpected_keys": unexpected, "mismatched_keys": mismatched}
        model._log_loading(source)
        return model.eval()

    def _rename_checkpoint_keys(self, state_dict: dict[str, torch.Tensor], model_keys: set[str]) -> dict[str, str]:
        """{checkpoint key: model key}: legacy names fixed, base-model prefix added or stripped."""
        prefix = f"{self.base_model_prefix}." if self.base_model_prefix else ""
        model_has = bool(prefix) and any(k.startswith(prefix) for k in model_keys)
        ckpt_has = bool(prefix) and any(k.startswith(prefix) for k in state_dict)
        out = {}
        for key in state_dict:
            new = _legacy_name(key)
            if model_has and not ckpt_has and prefix + new in model_keys:
                new = prefix + new  # base checkpoint into a model with a head
            elif ckpt_has and not model_has and new.startswith(prefix):
                new = new[len(prefix):]  # head checkpoint into the base model
            out[key] = new
        return out

    def _materialise_missing(self, dtype: torch.dtype, device: torch.device) -> list[str]:
        """Create and initialise the parameters still on meta; return their names in model order."""
        missing = [n for n, p in self.named_parameters(remove_duplicate=False) if p.device.type == "meta"]
        owners: dict[str, list[str]] = {}
        for name in missing:
            owner, _, attr = name.rpartition(".")
            owners.setdefault(owner, []).append(attr)
        for owner, attrs in owners.items():
            module = self.get_submodule(owner) if owner else self
            # Loaded siblings are swapped out so _init_weights cannot overwrite them in place.
            kept = {n: p for n, p in module.named_parameters(recurse=False) if n not in attrs}
            for n, p in module.named_parameters(recurse=False):
                # zeros, not empty: a parameter the family's _init_weights does not know stays finite
                fresh = torch.zeros(p.shape, dtype=dtype if p.is_floating_point() else p.dtype, device=device)
                setattr(module, n, nn.Parameter(fresh, requires_grad=p.requires_grad))
            with torch.no_grad():
                self._init_weights(module)
            for n, p in kept.items():
                setattr(module, n, p)
        still = [n for n, p in self.named_parameters() if p.device.type == "meta"]
        if still:
            raise CheckpointError(f"{type(self).__name__}: could not initialise parameters {still}")
        tied_targets = {target for target, _ in self._tie_pairs()}
        return [n for n in missing if n not in tied_targets]

    def _log_loading(self, source: str) -> None:
        info, name = self.loading_info, type(self).__name__
        if info["unexpected_keys"]:
            logger.warning("Some weights of the checkpoint at %s were not used when initializing %s: %s",
                           source, name, info["unexpected_keys"])
        if info["missing_keys"]:
            logger.warning("Some weights of %s were not initialized from the model checkpoint at %s and are "
                           "newly initialized: %s\n%s", name, source, info["missing_keys"], _NEW_WEIGHTS_HINT)
        if info["mismatched_keys"]:
            listing = [f"{k}: checkpoint {c}, model {m}" for k, c, m in info["mismatched_keys"]]
            logger.warning("Some weights of %s were not initialized from the checkpoint at %s because their "
                           "shapes differ, and are newly initialized: %s\n%s", name, source, listing, _NEW_WEIGHTS_HINT)

    # -- saving ----------------------------------------------------------------------------------------
    def save_pretrained(self, save_directory: str | os.PathLike[str], max_shard_size: int | str = "5GB") -> None:
        """config.json + model.safetensors (or shards + index), atomically; tied weights stored once."""
        directory = pathlib.Path(save_directory)
        if directory.exists() and not directory.is_dir():
            raise CheckpointError(f"save_pretrained: expected a directory, found a file at {directory}")
        config = copy.deepcopy(self.config)
        config.architectures = [type(self).__name__]
        config.dtype = str(self.dtype).removeprefix("torch.")
        state: dict[str, torch.Tensor] = {}
        seen: set[int] = set()
        for name, tensor in self.state_dict(keep_vars=True).items():
            if id(tensor) in seen:  # a tied duplicate: transformers stores the first name only
                continue
            seen.add(id(tensor))
            state[name] = tensor.detach()
        save_checkpoint(state, directory, max_shard_size)
        config.save_pretrained(directory)


def with_label_overrides(
    config: PretrainedConfig,
    *,
    num_labels: int | None = None,
    id2label: dict[int, str] | None = None,
    label2id: dict[str, int] | None = None,
    problem_type: str | None = None,
) -> PretrainedConfig:
    """A copy of ``config`` with the given label arguments applied (the original is left alone)."""
    if num_labels is None and id2label is None and label2id is None and problem_type is None:
        return config
    data = config.to_dict()
    if id2label is not None:
        data["id2label"], data["label2id"] = id2label, label2id
    if problem_type is not None:
        data["problem_type"] = problem_type
    if num_labels is not None and id2label is None:
        data.pop("id2label", None)
        data.pop("label2id", None)
    return type(config).from_dict(data, num_labels=num_labels)


def load_gguf(
    path_or_hub_id: str | os.PathLike[str], gguf_file: str | os.PathLike[str],
    dtype: str | torch.dtype | None = None,
) -> tuple[dict[str, Any], dict[str, torch.Tensor], str]:
    """(config dict, state dict with HF names, file name) through ``lexica.models.gguf``.

    Tensors come out in ``dtype`` (float32 for None or "auto": GGUF weights are dequantised to
    float32), each converted as it is dequantised, so a half-precision load never holds a float32 copy
    of the whole model.

    ``gguf_file`` is a path, or a file name inside the folder / hub repo ``path_or_hub_id``.
    ``lexica.models.gguf.load_gguf_checkpoint(path) -> (config_dict, state_dict)`` must put
    ``model_type`` in the config dict (the Auto classes dispatch on it).
    """
    path = pathlib.Path(gguf_file)
    base = pathlib.Path(path_or_hub_id)
    if not path.is_file():
        if base.is_file() and base.suffix == ".gguf":
            path = base
        elif base.is_dir():
            path = base / gguf_file
            if not path.is_file():
                raise CheckpointError(f"gguf_file: {path} does not exist")
        else:
            path = hub_download_file(str(path_or_hub_id), str(gguf_file))
    try:
        from lexica.models.gguf import load_gguf_checkpoint
    except ImportError as exc:
        raise UnsupportedError(f"gguf_file: GGUF loading is unavailable ({exc}); pip install gguf") from None
    target = torch.float32 if dtype is None or dtype == "auto" else resolve_dtype(dtype)
    config_dict, state_dict = load_gguf_checkpoint(path, dtype=target)
    return config_dict, state_dict, str(path)
