"""Helpers for model parity tests: tiny random transformers models saved into tmp_path.

Take the ``model_helpers`` fixture (this module) in any test under tests/models; conftest modules
are not importable by name, so the fixture is the way in. transformers is imported lazily and the
test is skipped without it::

    def test_gpt2_lm(tmp_path, model_helpers):
        h = model_helpers
        ref = h.save_reference_model(tmp_path / "ref", "GPT2LMHeadModel",
                                     {"vocab_size": 99, "n_embd": 32, "n_layer": 2, "n_head": 4})  # seeded, eval
        ours = GPT2LMHeadModel.from_pretrained(tmp_path / "ref")
        ids, mask = h.padded_batch(99, [7, 4, 2], pad_id=0)
        h.assert_parity(ref, ours, {"input_ids": ids, "attention_mask": mask, "labels": ids}, ["logits"])
        h.assert_reverse_parity(ours, "GPT2LMHeadModel", tmp_path / "ours", {"input_ids": ids}, ["logits"])

``save_reference_model`` also takes ``max_shard_size`` to write a sharded checkpoint.
``assert_parity`` compares the named output fields and the loss (atol 1e-5), then backpropagates the
loss on both sides and compares every parameter gradient by name. ``assert_reverse_parity`` saves
ours, loads it with transformers, and compares outputs again. The ``TINY`` dict holds small configs.
"""

from __future__ import annotations

import pathlib
import sys
import types
from typing import Any

import pytest
import torch

ATOL = 1e-5

TINY: dict[str, dict[str, Any]] = {
    "bert": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                 max_position_embeddings=64, type_vocab_size=2, hidden_dropout_prob=0.0,
                 attention_probs_dropout_prob=0.0),
    "distilbert": dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=37, max_position_embeddings=64,
                       dropout=0.0, attention_dropout=0.0, qa_dropout=0.0, seq_classif_dropout=0.0),
    "roberta": dict(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                    max_position_embeddings=66, type_vocab_size=1, hidden_dropout_prob=0.0,
                    attention_probs_dropout_prob=0.0, pad_token_id=1, bos_token_id=0, eos_token_id=2),
}


def save_reference_model(
    directory: str | pathlib.Path,
    class_name: str,
    config_kwargs: dict[str, Any],
    *,
    seed: int = 0,
    max_shard_size: str | int | None = None,
) -> torch.nn.Module:
    """Build ``transformers.<class_name>`` from its config class with ``seed``, save it, return it (eval)."""
    transformers = pytest.importorskip("transformers")
    cls = getattr(transformers, class_name)
    torch.manual_seed(seed)
    model = cls(cls.config_class(**config_kwargs)).eval()
    if max_shard_size is None:
        model.save_pretrained(directory)
    else:
        model.save_pretrained(directory, max_shard_size=max_shard_size)
    return model


def padded_batch(
    vocab_size: int, lengths: list[int], *, pad_id: int = 0, low: int = 3, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded random ids (B, max(lengths)) avoiding ids < ``low``, and the 1/0 attention mask."""
    g = torch.Generator().manual_seed(seed)
    t = max(lengths)
    ids = torch.randint(low, vocab_size, (len(lengths), t), generator=g)
    mask = torch.zeros(len(lengths), t, dtype=torch.long)
    for i, n in enumerate(lengths):
        mask[i, :n] = 1
        ids[i, n:] = pad_id
    return ids, mask


def _close(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    assert a.shape == b.shape, f"{what}: shapes {tuple(a.shape)} vs {tuple(b.shape)}"
    diff = (a.detach().float() - b.detach().float()).abs().max().item() if a.numel() else 0.0
    assert diff <= ATOL, f"{what}: max abs difference {diff:.3g} > {ATOL}"


def assert_parity(
    ref: torch.nn.Module, ours: torch.nn.Module, inputs: dict[str, torch.Tensor], fields: list[str],
    *, check_hidden: bool = True,
) -> None:
    """Same outputs (fields, loss, hidden states), then the same gradients of every parameter."""
    ref.zero_grad(set_to_none=True)
    ours.zero_grad(set_to_none=True)
    kwargs = dict(inputs, output_hidden_states=check_hidden)
    r, o = ref(**kwargs), ours(**kwargs)
    for name in fields:
        _close(getattr(r, name), getattr(o, name), name)
    if check_hidden:
        assert len(r.hidden_states) == len(o.hidden_states)
        for i, (a, b) in enumerate(zip(r.hidden_states, o.hidden_states)):
            _close(a, b, f"hidden_states[{i}]")
    if getattr(r, "loss", None) is not None:
        _close(r.loss, o.loss, "loss")
        r.loss.backward()
        o.loss.backward()
        ref_grads = {n: p.grad for n, p in ref.named_parameters() if p.grad is not None}
        our_grads = {n: p.grad for n, p in ours.named_parameters() if p.grad is not None}
        assert set(ref_grads) == set(our_grads), set(ref_grads) ^ set(our_grads)
        for name, grad in ref_grads.items():
            _close(grad, our_grads[name], f"grad of {name}")


def assert_reverse_parity(
    ours: torch.nn.Module, class_name: str, directory: str | pathlib.Path,
    inputs: dict[str, torch.Tensor], fields: list[str],
) -> None:
    """transformers loads what lexica saves (no missing/unexpected keys) and gives the same outputs."""
    transformers = pytest.importorskip("transformers")
    ours.save_pretrained(directory)
    ref, info = getattr(transformers, class_name).from_pretrained(directory, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"], info
    ref.eval()
    ours.eval()
    r, o = ref(**inputs), ours(**inputs)
    for name in fields:
        _close(getattr(r, name), getattr(o, name), name)


# Captured while this file is being imported: every conftest.py is imported under the name "conftest",
# so sys.modules["conftest"] later holds whichever conftest pytest imported last.
_THIS_MODULE = sys.modules[__name__]


@pytest.fixture
def model_helpers() -> types.ModuleType:
    """This module: save_reference_model, padded_batch, assert_parity, assert_reverse_parity, TINY."""
    return _THIS_MODULE


# -- encoder heads (BERT, DistilBERT, RoBERTa) -------------------------------------------------------------
ENCODER_HEADS = ("base", "seq-single", "seq-regression", "seq-multi", "token", "qa", "mlm", "clm", "mc")


def encoder_head_case(
    head: str, vocab_size: int, pad_id: int
) -> tuple[dict[str, Any], dict[str, torch.Tensor], list[str]]:
    """(config overrides, forward inputs with labels, output fields to compare) for one encoder head.

    The batch is padded and of mixed lengths [7, 4, 2]; labels at padded positions are -100.
    """
    ids, mask = padded_batch(vocab_size, [7, 4, 2], pad_id=pad_id)
    g = torch.Generator().manual_seed(1)
    inputs: dict[str, torch.Tensor] = {"input_ids": ids, "attention_mask": mask}
    overrides: dict[str, Any] = {}
    fields = ["logits"]
    if head == "base":
        fields = ["last_hidden_state"]
    elif head == "seq-single":
        overrides = {"num_labels": 2}
        inputs["labels"] = torch.tensor([0, 1, 1])
    elif head == "seq-regression":
        overrides = {"num_labels": 1}
        inputs["labels"] = torch.randn(3, generator=g)
    elif head == "seq-multi":
        overrides = {"num_labels": 3, "problem_type": "multi_label_classification"}
        inputs["labels"] = torch.randint(0, 2, (3, 3), generator=g).float()
    elif head == "token":
        overrides = {"num_labels": 3}
        inputs["labels"] = torch.randint(0, 3, ids.shape, generator=g).masked_fill(mask == 0, -100)
    elif head == "qa":
        inputs["start_positions"] = torch.tensor([1, 0, 9])  # 9 is past the end: clamped and ignored
        inputs["end_positions"] = torch.tensor([3, 2, 1])
        fields = ["start_logits", "end_logits"]
    elif head == "mlm":
        inputs["labels"] = ids.masked_fill(mask == 0, -100)
    elif head == "clm":  # BertLMHeadModel / RobertaForCausalLM: causal self-attention, shifted loss
        overrides = {"is_decoder": True}
        inputs["labels"] = ids.masked_fill(mask == 0, -100)
    elif head == "mc":
        ids2, mask2 = padded_batch(vocab_size, [5, 3, 6], pad_id=pad_id, seed=2)
        ids2 = torch.nn.functional.pad(ids2, (0, 1), value=pad_id)
        mask2 = torch.nn.functional.pad(mask2, (0, 1), value=0)
        inputs = {"input_ids": torch.stack([ids, ids2], dim=1),  # (B=3, C=2, T=7)
                  "attention_mask": torch.stack([mask, mask2], dim=1),
                  "labels": torch.tensor([1, 0, 1])}
    else:
        raise ValueError(head)
    return overrides, inputs, fields


def forward_inputs(inputs: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The inputs without labels (for the reverse-direction comparison)."""
    return {k: v for k, v in inputs.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
