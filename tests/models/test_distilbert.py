"""DistilBERT: parity with transformers for every head (both directions), sinusoidal positions, bad input."""

from __future__ import annotations

import pytest
import torch

from lexica.errors import ConfigError, InputTooLongError, InvalidInputError
from lexica.models.distilbert import (
    DistilBertConfig,
    DistilBertForMaskedLM,
    DistilBertForMultipleChoice,
    DistilBertForQuestionAnswering,
    DistilBertForSequenceClassification,
    DistilBertForTokenClassification,
    DistilBertModel,
)

CLASSES = {
    "base": ("DistilBertModel", DistilBertModel),
    "seq-single": ("DistilBertForSequenceClassification", DistilBertForSequenceClassification),
    "seq-regression": ("DistilBertForSequenceClassification", DistilBertForSequenceClassification),
    "seq-multi": ("DistilBertForSequenceClassification", DistilBertForSequenceClassification),
    "token": ("DistilBertForTokenClassification", DistilBertForTokenClassification),
    "qa": ("DistilBertForQuestionAnswering", DistilBertForQuestionAnswering),
    "mlm": ("DistilBertForMaskedLM", DistilBertForMaskedLM),
    "mc": ("DistilBertForMultipleChoice", DistilBertForMultipleChoice),
}


@pytest.mark.parametrize("head", list(CLASSES))
def test_parity_with_transformers(head, tmp_path, model_helpers):
    h = model_helpers
    ref_name, cls = CLASSES[head]
    overrides, inputs, fields = h.encoder_head_case(head, 99, pad_id=0)
    ref = h.save_reference_model(tmp_path / "ref", ref_name, {**h.TINY["distilbert"], **overrides})
    ours = cls.from_pretrained(tmp_path / "ref")
    assert ours.loading_info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": []}
    h.assert_parity(ref, ours, inputs, fields)
    h.assert_reverse_parity(ours, ref_name, tmp_path / "ours", h.forward_inputs(inputs), fields)


def test_sinusoidal_positions_match(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "DistilBertModel", {**h.TINY["distilbert"], "sinusoidal_pos_embds": True})
    ours = DistilBertModel.from_pretrained(tmp_path / "ref")
    torch.testing.assert_close(ours.embeddings.position_embeddings.weight, ref.embeddings.position_embeddings.weight)
    fresh = DistilBertModel(DistilBertConfig(**{**h.TINY["distilbert"], "sinusoidal_pos_embds": True}))
    torch.testing.assert_close(fresh.embeddings.position_embeddings.weight,
                               ref.embeddings.position_embeddings.weight, atol=1e-6, rtol=0)


def test_default_parameter_count():
    transformers = pytest.importorskip("transformers")
    expected = transformers.DistilBertModel(transformers.DistilBertConfig()).num_parameters()
    assert DistilBertModel(DistilBertConfig()).num_parameters() == expected == 66_362_880


def test_bad_input_and_config():
    model = DistilBertModel(DistilBertConfig(vocab_size=20, dim=8, n_layers=1, n_heads=2, hidden_dim=8,
                                             max_position_embeddings=16)).eval()
    with pytest.raises(InvalidInputError, match="batch dimension"):
        model(input_ids=torch.tensor([1, 2]))
    with pytest.raises(InputTooLongError, match="16"):
        model(input_ids=torch.ones(2, 17, dtype=torch.long))
    with pytest.raises(ConfigError, match="dim"):
        DistilBertConfig(dim=10, n_heads=3)
    with pytest.raises(ConfigError, match="num_labels"):
        DistilBertForQuestionAnswering(DistilBertConfig(num_labels=3))


def test_attentions_match_eager(tmp_path, model_helpers):
    """output_attentions=True takes the eager path; probabilities match transformers' eager attention."""
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "DistilBertModel", h.TINY["distilbert"])
    ref.config._attn_implementation = "eager"  # transformers returns probabilities only from eager
    ours = DistilBertModel.from_pretrained(tmp_path / "ref")
    ids, mask = h.padded_batch(99, [6, 3])
    r = ref(input_ids=ids, attention_mask=mask, output_attentions=True)
    o = ours(input_ids=ids, attention_mask=mask, output_attentions=True)
    torch.testing.assert_close(o.last_hidden_state, r.last_hidden_state, atol=1e-5, rtol=0)
    assert len(o.attentions) == 2 and o.attentions[0].shape == (2, 4, 6, 6)
    for a, b in zip(r.attentions, o.attentions, strict=True):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=0)
