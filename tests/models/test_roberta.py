"""RoBERTa: parity with transformers for every head (both directions), padding-aware positions, bad input."""

from __future__ import annotations

import pytest
import torch

from lexica.errors import InputTooLongError
from lexica.models.roberta import (
    RobertaConfig,
    RobertaForMaskedLM,
    RobertaForCausalLM,
    RobertaForMultipleChoice,
    RobertaForQuestionAnswering,
    RobertaForSequenceClassification,
    RobertaForTokenClassification,
    RobertaModel,
)

CLASSES = {
    "base": ("RobertaModel", RobertaModel),
    "seq-single": ("RobertaForSequenceClassification", RobertaForSequenceClassification),
    "seq-regression": ("RobertaForSequenceClassification", RobertaForSequenceClassification),
    "seq-multi": ("RobertaForSequenceClassification", RobertaForSequenceClassification),
    "token": ("RobertaForTokenClassification", RobertaForTokenClassification),
    "qa": ("RobertaForQuestionAnswering", RobertaForQuestionAnswering),
    "mlm": ("RobertaForMaskedLM", RobertaForMaskedLM),
    "clm": ("RobertaForCausalLM", RobertaForCausalLM),
    "mc": ("RobertaForMultipleChoice", RobertaForMultipleChoice),
}


@pytest.mark.parametrize("head", list(CLASSES))
def test_parity_with_transformers(head, tmp_path, model_helpers):
    h = model_helpers
    ref_name, cls = CLASSES[head]
    overrides, inputs, fields = h.encoder_head_case(head, 99, pad_id=1)
    ref = h.save_reference_model(tmp_path / "ref", ref_name, {**h.TINY["roberta"], **overrides})
    ours = cls.from_pretrained(tmp_path / "ref")
    assert ours.loading_info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": []}
    if head == "base":
        fields = fields + ["pooler_output"]
    h.assert_parity(ref, ours, inputs, fields)
    h.assert_reverse_parity(ours, ref_name, tmp_path / "ours", h.forward_inputs(inputs), fields)


def test_inputs_embeds_positions_match(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "RobertaModel", h.TINY["roberta"])
    ours = RobertaModel.from_pretrained(tmp_path / "ref")
    ids, _ = h.padded_batch(99, [5, 5], pad_id=1)
    embeds = ours.get_input_embeddings()(ids)
    torch.testing.assert_close(ours(inputs_embeds=embeds).last_hidden_state,
                               ref(inputs_embeds=embeds).last_hidden_state, atol=1e-5, rtol=0)


def test_position_limit_accounts_for_padding_offset():
    config = RobertaConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=8, max_position_embeddings=18)
    model = RobertaModel(config).eval()
    assert model(input_ids=torch.full((1, 16), 5)).last_hidden_state.shape == (1, 16, 8)
    with pytest.raises(InputTooLongError, match="at most 16"):
        model(input_ids=torch.full((1, 17), 5))


@pytest.mark.parametrize("decoder", [False, True])
def test_attentions_match_eager(decoder, tmp_path, model_helpers):
    """output_attentions=True takes the eager path; with is_decoder the probabilities are causal."""
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "RobertaModel", {**h.TINY["roberta"], "is_decoder": decoder})
    ref.config._attn_implementation = "eager"  # transformers returns probabilities only from eager
    ours = RobertaModel.from_pretrained(tmp_path / "ref")
    ids, mask = h.padded_batch(99, [6, 3], pad_id=1)
    r = ref(input_ids=ids, attention_mask=mask, output_attentions=True)
    o = ours(input_ids=ids, attention_mask=mask, output_attentions=True)
    torch.testing.assert_close(o.last_hidden_state, r.last_hidden_state, atol=1e-5, rtol=0)
    assert len(o.attentions) == 2
    for a, b in zip(r.attentions, o.attentions, strict=True):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=0)
    if decoder:
        assert torch.all(o.attentions[0][0].triu(1) == 0)  # no query attends to a later key


def test_auto_causal_lm_for_encoder_families():
    from lexica.auto import AutoModelForCausalLM

    config = RobertaConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                           intermediate_size=8, is_decoder=True)
    model = AutoModelForCausalLM.from_config(config)
    assert isinstance(model, RobertaForCausalLM)
    assert model.lm_head.decoder.weight is model.roberta.embeddings.word_embeddings.weight
