"""Model configurations: dataclasses whose fields are the keys of Hugging Face's ``config.json``.

``PretrainedConfig`` holds the keys every family shares (labels, special token ids, embedding tying,
dtype). Each family subclasses it as a dataclass, adds its own keys with HF's defaults, sets the
class attribute ``model_type`` and overrides ``validate()``. Keys lexica does not know are kept in
``extra`` and written back unchanged, so a config survives a load/save round trip.

``num_labels`` is not stored: it is ``len(id2label)``, as in transformers. It can be given to the
constructor, to ``from_dict`` and to ``from_pretrained``; setting it rebuilds ``id2label``/``label2id``
with the ``LABEL_<i>`` names.

Extending (family authors): declare ``@dataclass class FooConfig(PretrainedConfig)``, set
``model_type: ClassVar[str] = "foo"``, list fields with defaults, and override ``validate()`` calling
``super().validate()`` and the ``_check_*`` helpers. Do not override ``__post_init__``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import pathlib
import tempfile
from dataclasses import InitVar, dataclass, field
from typing import Any, ClassVar

from lexica.errors import ConfigError

logger = logging.getLogger(__name__)

__all__ = ["PretrainedConfig", "CONFIG_NAME", "read_json", "write_json_atomic"]

CONFIG_NAME = "config.json"

# Keys transformers writes that describe runtime flags or bookkeeping. They are kept in `extra` like
# any other unknown key; listed here only so the reader knows they are expected there.
_BOOKKEEPING_KEYS = ("transformers_version", "_name_or_path", "output_hidden_states", "return_dict")


def read_json(path: str | os.PathLike[str], what: str = "JSON file") -> dict[str, Any]:
    """Read a JSON object from ``path``; a parse error becomes a ConfigError naming the file."""
    path = pathlib.Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: expected valid JSON in {what}, found a parse error at line {exc.lineno} "
            f"column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object in {what}, found {type(data).__name__}")
    return data


def write_json_atomic(path: str | os.PathLike[str], data: dict[str, Any]) -> None:
    """Write ``data`` as indented, key-sorted JSON through a temp file in the same folder."""
    path = pathlib.Path(path)
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _default_labels(n: int) -> dict[int, str]:
    return {i: f"LABEL_{i}" for i in range(n)}


@dataclass
class PretrainedConfig:
    """Keys shared by every family. Subclasses add theirs; see the module docstring."""

    model_type: ClassVar[str] = ""

    architectures: list[str] | None = None
    id2label: dict[int, str] | None = None
    label2id: dict[str, int] | None = None
    problem_type: str | None = None  # "regression" | "single_label_classification" | "multi_label_classification"
    pad_token_id: int | None = None
    bos_token_id: int | None = None
    eos_token_id: int | list[int] | None = None
    tie_word_embeddings: bool = True
    dtype: str | None = None  # read from "dtype" or the older "torch_dtype"
    extra: dict[str, Any] = field(default_factory=dict)
    num_labels: InitVar[int | None] = None

    _PROBLEM_TYPES: ClassVar[tuple[str, ...]] = (
        "regression",
        "single_label_classification",
        "multi_label_classification",
    )

    def __post_init__(self, num_labels: int | None) -> None:
        # JSON object keys are strings; HF id2label keys are ints.
        if self.id2label is not None:
            try:
                self.id2label = {int(k): str(v) for k, v in dict(self.id2label).items()}
            except (TypeError, ValueError):
                raise ConfigError(
                    f"id2label: expected integer keys, found {list(self.id2label)[:5]}"
                ) from None
        if isinstance(num_labels, int) and not isinstance(num_labels, bool):
            if self.id2label is None or len(self.id2label) != num_labels:
                self.id2label = _default_labels(num_labels)
                self.label2id = None
        elif num_labels is not None:
            raise ConfigError(f"num_labels: expected an int, found {num_labels!r}")
        if self.id2label is None:
            self.id2label = _default_labels(2)
        if self.label2id is None or set(self.label2id.values()) != set(self.id2label):
            self.label2id = {v: k for k, v in self.id2label.items()}
        else:
            self.label2id = {str(k): int(v) for k, v in self.label2id.items()}
        self.validate()

    # -- labels ------------------------------------------------------------------------------------
    def set_num_labels(self, n: int) -> None:
        """Rebuild id2label/label2id with ``n`` ``LABEL_<i>`` names (unless they already have n)."""
        if not isinstance(n, int) or n < 0:
            raise ConfigError(f"num_labels: expected a non-negative int, found {n!r}")
        if len(self.id2label or {}) != n:
            self.id2label = _default_labels(n)
            self.label2id = {v: k for k, v in self.id2label.items()}

    # -- validation --------------------------------------------------------------------------------
    def validate(self) -> None:
        """Raise ConfigError naming the key of the first invalid value. Families extend this."""
        if self.problem_type is not None and self.problem_type not in self._PROBLEM_TYPES:
            raise ConfigError(
                f"problem_type: expected one of {list(self._PROBLEM_TYPES)}, found {self.problem_type!r}"
            )
        if self.dtype is not None and self.dtype not in ("float32", "float16", "bfloat16", "float64", "auto"):
            raise ConfigError(
                f"dtype: expected one of ['float32', 'float16', 'bfloat16', 'float64'], found {self.dtype!r}"
            )

    def _check_positive(self, *keys: str, allow_zero: bool = False) -> None:
        for key in keys:
            value = getattr(self, key)
            ok = isinstance(value, int) and not isinstance(value, bool) and (value >= 0 if allow_zero else value > 0)
            if not ok:
                bound = "a non-negative int" if allow_zero else "a positive int"
                raise ConfigError(f"{key}: expected {bound}, found {value!r}")

    def _check_probability(self, *keys: str) -> None:
        for key in keys:
            value = getattr(self, key)
            if value is not None and not (isinstance(value, (int, float)) and 0.0 <= value <= 1.0):
                raise ConfigError(f"{key}: expected a probability in [0, 1], found {value!r}")

    def _check_divisible(self, key: str, by_key: str) -> None:
        value, by = getattr(self, key), getattr(self, by_key)
        if value % by != 0:
            raise ConfigError(
                f"{key}: expected a multiple of {by_key} ({by}), found {value} "
                f"({value} % {by} = {value % by})"
            )

    def _check_activation(self, key: str) -> None:
        from lexica.models.layers import ACTIVATIONS  # late: layers imports torch

        value = getattr(self, key)
        if value not in ACTIVATIONS:
            raise ConfigError(f"{key}: expected one of {sorted(ACTIVATIONS)}, found {value!r}")

    # -- dict / JSON ---------------------------------------------------------------------------------
    @classmethod
    def _field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if f.name != "extra"]

    @classmethod
    def from_dict(
        cls,
        data: dict[str, Any],
        *,
        num_labels: int | None = None,
        id2label: dict[int, str] | None = None,
        label2id: dict[str, int] | None = None,
        problem_type: str | None = None,
    ) -> PretrainedConfig:
        """Build from a config.json dict; keyword overrides win over the dict's values."""
        data = dict(data)
        found_type = data.pop("model_type", None)
        if cls.model_type and found_type not in (None, cls.model_type):
            logger.warning("Building a %s from a config whose model_type is %r", cls.__name__, found_type)
        if "torch_dtype" in data:
            older = data.pop("torch_dtype")
            data.setdefault("dtype", older)
        names = set(cls._field_names())
        known = {k: v for k, v in data.items() if k in names}
        extra = {k: v for k, v in data.items() if k not in names}
        stored_num_labels = extra.pop("num_labels", None)
        if id2label is not None:
            known["id2label"] = id2label
            known["label2id"] = label2id
        elif label2id is not None:
            known["label2id"] = label2id
        if problem_type is not None:
            known["problem_type"] = problem_type
        if num_labels is None and known.get("id2label") is None:
            num_labels = stored_num_labels
        try:
            return cls(**known, extra=extra, num_labels=num_labels)
        except TypeError as exc:  # a key with a value of the wrong kind for a dataclass field
            raise ConfigError(f"{cls.__name__}: invalid config values: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        """The config.json dict: known keys, then kept unknown keys, then ``model_type``."""
        out: dict[str, Any] = {}
        for name in self._field_names():
            value = getattr(self, name)
            if name == "id2label":
                value = {str(k): v for k, v in (value or {}).items()}
            out[name] = value
        for key, value in self.extra.items():
            out.setdefault(key, value)
        out["model_type"] = self.model_type
        return out

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    # -- files ----------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | os.PathLike[str],
        *,
        num_labels: int | None = None,
        id2label: dict[int, str] | None = None,
        label2id: dict[str, int] | None = None,
        problem_type: str | None = None,
    ) -> PretrainedConfig:
        """Read ``config.json`` from a folder, a config file path, or a hub id (needs huggingface_hub)."""
        data = read_json(resolve_config_file(path_or_hub_id), "config.json")
        return cls.from_dict(
            data, num_labels=num_labels, id2label=id2label, label2id=label2id, problem_type=problem_type
        )

    def save_pretrained(self, save_directory: str | os.PathLike[str]) -> pathlib.Path:
        """Write ``config.json`` atomically into ``save_directory`` (created if needed)."""
        directory = pathlib.Path(save_directory)
        if directory.exists() and not directory.is_dir():
            raise ConfigError(f"save_pretrained: expected a directory, found a file at {directory}")
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CONFIG_NAME
        write_json_atomic(path, self.to_dict())
        return path


# `num_labels` is an init-only argument of the dataclass and, on instances, a computed property.
# The dataclass machinery keeps the InitVar's default in its field record, so replacing the class
# attribute afterwards does not change the generated __init__.
def _get_num_labels(self: PretrainedConfig) -> int:
    return len(self.id2label or {})


PretrainedConfig.num_labels = property(_get_num_labels, PretrainedConfig.set_num_labels)  # type: ignore[assignment]


def resolve_config_file(path_or_hub_id: str | os.PathLike[str]) -> pathlib.Path:
    """Local config file, ``<dir>/config.json``, or the hub file (only with huggingface_hub)."""
    path = pathlib.Path(path_or_hub_id)
    if path.is_file():
        return path
    if path.is_dir():
        config = path / CONFIG_NAME
        if not config.is_file():
            raise ConfigError(f"{path}: expected a {CONFIG_NAME} in this folder, found none")
        return config
    from lexica.models.checkpoint import hub_download_file  # late: avoids an import cycle

    return hub_download_file(str(path_or_hub_id), CONFIG_NAME)
