"""Llama: parity with transformers for every head (both directions, left and right padding, tied and
untied embeddings, grouped-query attention), KV cache, attentions, config validation and bad inputs."""

from __future__ import annotations

import logging

import pytest
import torch

from lexica.errors import ConfigError, InputTooLongError, InvalidInputError, UnsupportedError
from lexica.models.llama import (
    MODEL_CLASSES,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForQuestionAnswering,
    LlamaForSequenceClassification,
    LlamaForTokenClassification,
    LlamaModel,
)

# 4 query heads sharing 2 key/value heads (grouped-query attention); head_dim 8.
TINY = dict(vocab_size=99, hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rope_theta=1000.0, pad_token_id=0,
            bos_token_id=1, eos_token_id=2)

CLASSES = {
    "base": ("LlamaModel", LlamaModel),
    "lm": ("LlamaForCausalLM", LlamaForCausalLM),
    "seq-single": ("LlamaForSequenceClassification", LlamaForSequenceClassification),
    "seq-regression": ("LlamaForSequenceClassification", LlamaForSequenceClassification),
    "seq-multi": ("LlamaForSequenceClassification", LlamaForSequenceClassification),
    "token": ("LlamaForTokenClassification", LlamaForTokenClassification),
    "qa": ("LlamaForQuestionAnswering", LlamaForQuestionAnswering),
}


def left_pad(ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Move each row's padding from the right to the left."""
    ids, mask = ids.clone(), mask.clone()
    for i in range(ids.shape[0]):
        shift = ids.shape[1] - int(mask[i].sum())
        ids[i], mask[i] = torch.roll(ids[i], shift), torch.roll(mask[i], shift)
    return ids, mask


def decoder_case(h, head: str, side: str) -> tuple[dict, dict[str, torch.Tensor], list[str]]:
    """(config overrides, inputs with labels, fields) on a padded batch of lengths [7, 4, 2]."""
    overrides, inputs, fields = h.encoder_head_case({"lm": "base"}.get(head, head), 99, pad_id=0)
    if head == "lm":
        fields = ["logits"]
        inputs["labels"] = inputs["input_ids"].masked_fill(inputs["attention_mask"] == 0, -100)
    if side == "left":
        ids, mask = left_pad(inputs["input_ids"], inputs["attention_mask"])
        if "labels" in inputs and inputs["labels"].shape == ids.shape:
            inputs["labels"], _ = left_pad(inputs["labels"], inputs["attention_mask"])
        inputs["input_ids"], inputs["attention_mask"] = ids, mask
    return overrides, inputs, fields


@pytest.mark.parametrize("side", ["right", "left"])
@pytest.mark.parametrize("head", list(CLASSES))
def test_parity_with_transformers(head, side, tmp_path, model_helpers):
    h = model_helpers
    ref_name, cls = CLASSES[head]
    overrides, inputs, fields = decoder_case(h, head, side)
    ref = h.save_reference_model(tmp_path / "ref", ref_name, {**TINY, **overrides})
    ours = cls.from_pretrained(tmp_path / "ref")
    assert ours.loading_info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": []}
    h.assert_parity(ref, ours, inputs, fields)
    h.assert_reverse_parity(ours, ref_name, tmp_path / "ours", h.forward_inputs(inputs), fields)


@pytest.mark.parametrize("tied", [True, False])
def test_causal_lm_tying(tied, tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "LlamaForCausalLM", {**TINY, "tie_word_embeddings": tied})
    ours = LlamaForCausalLM.from_pretrained(tmp_path / "ref")
    assert (ours.lm_head.weight is ours.model.embed_tokens.weight) == tied
    ids, mask = h.padded_batch(99, [6, 3])
    h.assert_parity(ref, ours, {"input_ids": ids, "attention_mask": mask, "labels": ids}, ["logits"])


def test_plain_multi_head_attention(tmp_path, model_helpers):
    """num_key_value_heads == num_attention_heads (no grouping) and an explicit head_dim."""
    h = model_helpers
    config = {**TINY, "num_key_value_heads": 4, "head_dim": 16}
    ref = h.save_reference_model(tmp_path / "ref", "LlamaForCausalLM", config)
    ours = LlamaForCausalLM.from_pretrained(tmp_path / "ref")
    assert ours.model.layers[0].self_attn.q_proj.weight.shape == (64, 32)
    ids, mask = left_pad(*h.padded_batch(99, [6, 3]))
    h.assert_parity(ref, ours, {"input_ids": ids, "attention_mask": mask}, ["logits"])


def test_explicit_position_ids_match(tmp_path, model_helpers):
    """Positions counted from the first real token (what generate passes) give the same logits."""
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "LlamaForCausalLM", TINY)
    ours = LlamaForCausalLM.from_pretrained(tmp_path / "ref")
    ids, mask = left_pad(*h.padded_batch(99, [6, 3, 5]))
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    r = ref(input_ids=ids, attention_mask=mask, position_ids=positions)
    o = ours(input_ids=ids, attention_mask=mask, position_ids=positions)
    torch.testing.assert_close(o.logits, r.logits, atol=1e-5, rtol=0)


@pytest.mark.parametrize("explicit_positions", [False, True])
def test_kv_cache_prefix_then_one_token_equals_full_forward(explicit_positions, tmp_path, model_helpers):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "LlamaForCausalLM", TINY)
    ours = LlamaForCausalLM.from_pretrained(tmp_path / "ref")
    ids, mask = left_pad(*h.padded_batch(99, [7, 4, 5]))
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1) if explicit_positions else None
    with torch.no_grad():
        full = ours(input_ids=ids, attention_mask=mask, position_ids=positions).logits
        prefix = ours(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], use_cache=True,
                      position_ids=None if positions is None else positions[:, :-1])
        assert len(prefix.past_key_values) == 2 and prefix.past_key_values[0][0].shape == (3, 2, 6, 8)
        step = ours(input_ids=ids[:, -1:], attention_mask=mask, past_key_values=prefix.past_key_values,
                    position_ids=None if positions is None else positions[:, -1:])
    torch.testing.assert_close(step.logits[:, -1], full[:, -1], atol=1e-5, rtol=0)


def test_attentions_match_eager(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "LlamaModel", TINY)
    ref.config._attn_implementation = "eager"  # transformers returns probabilities only from eager
    ours = LlamaModel.from_pretrained(tmp_path / "ref")
    ids, mask = h.padded_batch(99, [6, 3])
    r = ref(input_ids=ids, attention_mask=mask, output_attentions=True)
    o = ours(input_ids=ids, attention_mask=mask, output_attentions=True)
    assert len(o.attentions) == 2 and o.attentions[0].shape == (2, 4, 6, 6)
    for a, b in zip(r.attentions, o.attentions, strict=True):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=0)


def test_causal_lm_checkpoint_into_classifier_reports_new_weights(tmp_path, model_helpers, caplog):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "LlamaForCausalLM", TINY)
    with caplog.at_level(logging.WARNING):
        model = LlamaForSequenceClassification.from_pretrained(tmp_path / "ref", num_labels=4)
    assert model.loading_info["missing_keys"] == ["score.weight"]
    assert model.loading_info["unexpected_keys"] == ["lm_head.weight"]
    assert "newly initialized" in caplog.text


def test_too_long_and_unbatched_input():
    model = LlamaForCausalLM(LlamaConfig(**TINY)).eval()
    with pytest.raises(InputTooLongError, match="truncation=True"):
        model(input_ids=torch.ones(1, 65, dtype=torch.long))
    with pytest.raises(InvalidInputError, match="batch dimension"):
        model(input_ids=torch.ones(5, dtype=torch.long))
    with pytest.raises(InvalidInputError, match="exactly one"):
        model()


@pytest.mark.parametrize(
    "bad, key",
    [({"hidden_size": 30}, "hidden_size"), ({"num_key_value_heads": 3}, "num_attention_heads"),
     ({"num_hidden_layers": 0}, "num_hidden_layers"), ({"hidden_act": "nope"}, "hidden_act")],
)
def test_invalid_config_names_key(bad, key):
    with pytest.raises(ConfigError, match=key):
        LlamaConfig(**{**TINY, **bad})


def test_unsupported_rope_type_refused_by_model_not_config():
    config = LlamaConfig(**{**TINY, "rope_parameters": {"rope_type": "yarn", "rope_theta": 1.0, "factor": 2.0}})
    with pytest.raises(UnsupportedError, match="yarn"):
        LlamaModel(config)


def test_config_reads_both_rope_formats_and_round_trips(tmp_path):
    old = LlamaConfig.from_dict({**TINY, "rope_theta": 500.0})
    new = LlamaConfig.from_dict({**TINY, "rope_parameters": {"rope_type": "default", "rope_theta": 700.0}})
    assert (old.rope_theta_value(), new.rope_theta_value()) == (500.0, 700.0)
    new.save_pretrained(tmp_path)
    again = LlamaConfig.from_pretrained(tmp_path)
    assert again.rope_theta_value() == 700.0 and again.to_dict() == new.to_dict()
    transformers = pytest.importorskip("transformers")
    ref = transformers.LlamaConfig.from_pretrained(tmp_path)
    assert ref.rope_parameters["rope_theta"] == 700.0 and ref.num_key_value_heads == 2


def test_random_init_reproducible_and_scheme():
    config = LlamaConfig(**{**TINY, "hidden_size": 64})
    torch.manual_seed(3)
    a = LlamaForCausalLM(config)
    torch.manual_seed(3)
    b = LlamaForCausalLM(config)
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name
    assert torch.all(a.model.embed_tokens.weight[0] == 0)  # padding row
    assert torch.all(a.model.norm.weight == 1)
    assert abs(a.model.layers[0].mlp.up_proj.weight.std().item() - 0.02) < 0.003
    assert a.lm_head.weight is not a.model.embed_tokens.weight  # Llama default: untied


def test_model_classes_table():
    assert set(MODEL_CLASSES) == {"base", "causal-lm", "sequence-classification", "token-classification",
                                  "question-answering"}


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_matches_transformers(dtype, tmp_path, model_helpers):
    transformers = pytest.importorskip("transformers")
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "LlamaForCausalLM", TINY)
    ref = transformers.LlamaForCausalLM.from_pretrained(tmp_path / "ref", dtype=dtype).eval()
    ours = LlamaForCausalLM.from_pretrained(tmp_path / "ref", dtype=dtype)
    assert ours.dtype == dtype
    ids, mask = left_pad(*h.padded_batch(99, [6, 3]))
    with torch.no_grad():
        r, o = ref(input_ids=ids, attention_mask=mask).logits, ours(input_ids=ids, attention_mask=mask).logits
    assert o.dtype == dtype
    torch.testing.assert_close(o.float(), r.float(), atol=1e-2, rtol=0)
