"""GPT-2: parity with transformers for every head (both directions, left and right padding), KV cache,
attentions, config validation and bad inputs."""

from __future__ import annotations

import logging

import pytest
import torch

from lexica.errors import ConfigError, InputTooLongError, InvalidInputError
from lexica.models.gpt2 import (
    MODEL_CLASSES,
    GPT2Config,
    GPT2ForQuestionAnswering,
    GPT2ForSequenceClassification,
    GPT2ForTokenClassification,
    GPT2LMHeadModel,
    GPT2Model,
)

TINY = dict(vocab_size=99, n_positions=64, n_embd=32, n_layer=2, n_head=4, resid_pdrop=0.0, embd_pdrop=0.0,
            attn_pdrop=0.0, pad_token_id=0, bos_token_id=98, eos_token_id=98)

CLASSES = {
    "base": ("GPT2Model", GPT2Model),
    "lm": ("GPT2LMHeadModel", GPT2LMHeadModel),
    "seq-single": ("GPT2ForSequenceClassification", GPT2ForSequenceClassification),
    "seq-regression": ("GPT2ForSequenceClassification", GPT2ForSequenceClassification),
    "seq-multi": ("GPT2ForSequenceClassification", GPT2ForSequenceClassification),
    "token": ("GPT2ForTokenClassification", GPT2ForTokenClassification),
    "qa": ("GPT2ForQuestionAnswering", GPT2ForQuestionAnswering),
}


def left_pad(ids: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Move each row's padding from the right to the left."""
    ids, mask = ids.clone(), mask.clone()
    for i in range(ids.shape[0]):
        n = int(mask[i].sum())
        ids[i] = torch.roll(ids[i], ids.shape[1] - n)
        mask[i] = torch.roll(mask[i], ids.shape[1] - n)
    return ids, mask


def decoder_case(h, head: str, side: str) -> tuple[dict, dict[str, torch.Tensor], list[str]]:
    """(config overrides, inputs with labels, fields) on a padded batch of lengths [7, 4, 2]."""
    encoder_head = {"lm": "base"}.get(head, head)
    overrides, inputs, fields = h.encoder_head_case(encoder_head, 99, pad_id=0)
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


def test_explicit_position_ids_match(tmp_path, model_helpers):
    """Positions counted from the first real token (what generate passes) give the same logits."""
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "GPT2LMHeadModel", TINY)
    ours = GPT2LMHeadModel.from_pretrained(tmp_path / "ref")
    ids, mask = left_pad(*h.padded_batch(99, [6, 3, 5]))
    positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
    r = ref(input_ids=ids, attention_mask=mask, position_ids=positions)
    o = ours(input_ids=ids, attention_mask=mask, position_ids=positions)
    torch.testing.assert_close(o.logits[mask.bool()], r.logits[mask.bool()], atol=1e-5, rtol=0)


def test_kv_cache_prefix_then_one_token_equals_full_forward(tmp_path, model_helpers):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "GPT2LMHeadModel", TINY)
    ours = GPT2LMHeadModel.from_pretrained(tmp_path / "ref")
    ids, mask = left_pad(*h.padded_batch(99, [7, 4, 5]))
    with torch.no_grad():
        full = ours(input_ids=ids, attention_mask=mask).logits
        prefix = ours(input_ids=ids[:, :-1], attention_mask=mask[:, :-1], use_cache=True)
        assert len(prefix.past_key_values) == 2 and prefix.past_key_values[0][0].shape == (3, 4, 6, 8)
        step = ours(input_ids=ids[:, -1:], attention_mask=mask, past_key_values=prefix.past_key_values)
    torch.testing.assert_close(step.logits[:, -1], full[:, -1], atol=1e-5, rtol=0)
    assert step.past_key_values[0][0].shape == (3, 4, 7, 8)


def test_logits_to_keep_and_no_cache(tmp_path, model_helpers):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "GPT2LMHeadModel", TINY)
    ours = GPT2LMHeadModel.from_pretrained(tmp_path / "ref")
    ids, _ = h.padded_batch(99, [5, 5])
    full = ours(input_ids=ids, use_cache=False)
    assert full.past_key_values is None
    last = ours(input_ids=ids, logits_to_keep=1).logits
    assert last.shape == (2, 1, 99)
    torch.testing.assert_close(last[:, 0], full.logits[:, -1], atol=1e-6, rtol=0)


def test_attentions_match_eager(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "GPT2Model", TINY)
    ref.config._attn_implementation = "eager"  # transformers returns probabilities only from eager
    ours = GPT2Model.from_pretrained(tmp_path / "ref")
    ids, mask = h.padded_batch(99, [6, 3])
    r = ref(input_ids=ids, attention_mask=mask, output_attentions=True)
    o = ours(input_ids=ids, attention_mask=mask, output_attentions=True)
    assert len(o.attentions) == 2
    for a, b in zip(r.attentions, o.attentions, strict=True):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=0)


def test_token_type_ids_match(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "GPT2Model", TINY)
    ours = GPT2Model.from_pretrained(tmp_path / "ref")
    ids, _ = h.padded_batch(99, [5, 5])
    types = torch.tensor([[0, 0, 1, 1, 1], [0, 1, 0, 1, 0]])
    torch.testing.assert_close(
        ours(input_ids=ids, token_type_ids=types).last_hidden_state,
        ref(input_ids=ids, token_type_ids=types).last_hidden_state, atol=1e-5, rtol=0,
    )


def test_base_checkpoint_into_head_reports_new_weights(tmp_path, model_helpers, caplog):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "GPT2Model", TINY)
    with caplog.at_level(logging.WARNING):
        model = GPT2ForSequenceClassification.from_pretrained(tmp_path / "ref", num_labels=3)
    assert model.loading_info["missing_keys"] == ["score.weight"]
    assert "newly initialized" in caplog.text and "score.weight" in caplog.text
    assert model.score.weight.shape == (3, 32)


def test_too_long_and_unbatched_input():
    model = GPT2LMHeadModel(GPT2Config(**TINY)).eval()
    with pytest.raises(InputTooLongError, match="64"):
        model(input_ids=torch.ones(1, 65, dtype=torch.long))
    with pytest.raises(InvalidInputError, match="batch dimension"):
        model(input_ids=torch.ones(5, dtype=torch.long))
    with pytest.raises(InvalidInputError, match="vocabulary"):
        model(input_ids=torch.tensor([[1, 99]]))
    with pytest.raises(InvalidInputError, match="position_ids"):
        model(input_ids=torch.ones(1, 3, dtype=torch.long), position_ids=torch.tensor([[0, 1, 64]]))
    cache = model(input_ids=torch.ones(1, 60, dtype=torch.long), use_cache=True).past_key_values
    with pytest.raises(InputTooLongError):  # 60 cached + 5 new positions
        model(input_ids=torch.ones(1, 5, dtype=torch.long), past_key_values=cache)


def test_sequence_classification_batch_needs_pad_token():
    model = GPT2ForSequenceClassification(GPT2Config(**{**TINY, "pad_token_id": None})).eval()
    assert model(input_ids=torch.ones(1, 4, dtype=torch.long)).logits.shape == (1, 2)
    with pytest.raises(InvalidInputError, match="pad_token_id"):
        model(input_ids=torch.ones(2, 4, dtype=torch.long))


def test_attention_mask_shape_is_checked():
    model = GPT2Model(GPT2Config(**TINY)).eval()
    with pytest.raises(InvalidInputError, match="attention_mask"):
        model(input_ids=torch.ones(2, 4, dtype=torch.long), attention_mask=torch.ones(2, 5))


@pytest.mark.parametrize(
    "bad, key",
    [({"n_embd": 30, "n_head": 4}, "n_embd"), ({"n_layer": -1}, "n_layer"),
     ({"activation_function": "nope"}, "activation_function"), ({"attn_pdrop": 1.5}, "attn_pdrop")],
)
def test_invalid_config_names_key(bad, key):
    with pytest.raises(ConfigError, match=key):
        GPT2Config(**{**TINY, **bad})


def test_config_round_trip_and_aliases(tmp_path):
    config = GPT2Config.from_dict({**TINY, "my_key": [1, 2]}, num_labels=3)
    assert (config.hidden_size, config.num_hidden_layers, config.max_position_embeddings) == (32, 2, 64)
    config.save_pretrained(tmp_path)
    again = GPT2Config.from_pretrained(tmp_path)
    assert again.to_dict() == config.to_dict()
    assert again.extra["my_key"] == [1, 2] and again.num_labels == 3
    transformers = pytest.importorskip("transformers")
    ref = transformers.GPT2Config.from_pretrained(tmp_path)
    assert (ref.n_embd, ref.n_layer, ref.num_labels, ref.pad_token_id) == (32, 2, 3, 0)


def test_random_init_reproducible_and_scheme():
    config = GPT2Config(**{**TINY, "n_embd": 64, "n_layer": 8})
    torch.manual_seed(3)
    a = GPT2LMHeadModel(config)
    torch.manual_seed(3)
    b = GPT2LMHeadModel(config)
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert torch.equal(p, q), name
    assert a.lm_head.weight is a.transformer.wte.weight  # tied
    block = a.transformer.h[0]
    assert abs(block.mlp.c_fc.weight.std().item() - 0.02) < 0.003
    assert abs(block.mlp.c_proj.weight.std().item() - 0.02 / 4) < 0.001  # 0.02 / sqrt(2 * n_layer)
    assert torch.all(block.attn.c_attn.bias == 0) and torch.all(block.ln_1.weight == 1)


def test_conv1d_layout_is_in_by_out(tmp_path, model_helpers):
    """The quirk: c_attn.weight is (in, 3 * out) as in the checkpoint, not nn.Linear's (out, in)."""
    model = GPT2Model(GPT2Config(**TINY))
    assert model.h[0].attn.c_attn.weight.shape == (32, 96)
    assert model.h[0].mlp.c_fc.weight.shape == (32, 128)


def test_model_classes_table():
    assert set(MODEL_CLASSES) == {"base", "causal-lm", "sequence-classification", "token-classification",
                                  "question-answering"}
