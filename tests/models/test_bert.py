"""BERT: parity with transformers for every head (both directions), real MiniLM, bad inputs."""

from __future__ import annotations

import logging

import pytest
import torch

from lexica.errors import ConfigError, InputTooLongError, InvalidInputError, UnsupportedError
from lexica.models.bert import (
    BertConfig,
    BertForMaskedLM,
    BertLMHeadModel,
    BertForMultipleChoice,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertModel,
)

CLASSES = {
    "base": ("BertModel", BertModel),
    "seq-single": ("BertForSequenceClassification", BertForSequenceClassification),
    "seq-regression": ("BertForSequenceClassification", BertForSequenceClassification),
    "seq-multi": ("BertForSequenceClassification", BertForSequenceClassification),
    "token": ("BertForTokenClassification", BertForTokenClassification),
    "qa": ("BertForQuestionAnswering", BertForQuestionAnswering),
    "mlm": ("BertForMaskedLM", BertForMaskedLM),
    "clm": ("BertLMHeadModel", BertLMHeadModel),
    "mc": ("BertForMultipleChoice", BertForMultipleChoice),
}


@pytest.mark.parametrize("head", list(CLASSES))
def test_parity_with_transformers(head, tmp_path, model_helpers):
    h = model_helpers
    ref_name, cls = CLASSES[head]
    overrides, inputs, fields = h.encoder_head_case(head, 99, pad_id=0)
    ref = h.save_reference_model(tmp_path / "ref", ref_name, {**h.TINY["bert"], **overrides})
    ours = cls.from_pretrained(tmp_path / "ref")
    assert ours.loading_info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": []}
    if head == "base":
        fields = fields + ["pooler_output"]
    h.assert_parity(ref, ours, inputs, fields)
    h.assert_reverse_parity(ours, ref_name, tmp_path / "ours", h.forward_inputs(inputs), fields)


def test_token_type_ids_and_attentions_match(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "BertModel", h.TINY["bert"])
    ref.config._attn_implementation = "eager"  # transformers returns probabilities only from eager
    ours = BertModel.from_pretrained(tmp_path / "ref")
    ids, mask = h.padded_batch(99, [6, 3])
    types = torch.tensor([[0, 0, 0, 1, 1, 1], [0, 1, 1, 0, 0, 0]])
    r = ref(input_ids=ids, attention_mask=mask, token_type_ids=types, output_attentions=True)
    o = ours(input_ids=ids, attention_mask=mask, token_type_ids=types, output_attentions=True)
    torch.testing.assert_close(o.last_hidden_state, r.last_hidden_state, atol=1e-5, rtol=0)
    assert len(o.attentions) == 2
    for a, b in zip(r.attentions, o.attentions):
        torch.testing.assert_close(b, a, atol=1e-5, rtol=0)


def test_bert_base_parameter_count():
    assert BertModel(BertConfig()).num_parameters() == 109_482_240


def test_random_init_reproducible_and_scheme():
    config = BertConfig(**{k: v for k, v in {"vocab_size": 50, "hidden_size": 16, "num_hidden_layers": 1,
                                           "num_attention_heads": 2, "intermediate_size": 20}.items()})
    torch.manual_seed(3)
    a = BertForSequenceClassification(config)
    torch.manual_seed(3)
    b = BertForSequenceClassification(config)
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        assert torch.equal(p, q), name
    assert torch.all(a.bert.embeddings.word_embeddings.weight[0] == 0)  # padding row
    assert torch.all(a.classifier.bias == 0)
    assert abs(a.bert.encoder.layer[0].intermediate.dense.weight.std().item() - 0.02) < 0.005


# -- real checkpoint: all-MiniLM-L6-v2 (keys without the `bert.` prefix) ---------------------------------
SENTENCES = ["I've been waiting for a HuggingFace course my whole life.", "So have I!"]
IDS = [
    [101, 1045, 1005, 2310, 2042, 3403, 2005, 1037, 17662, 12172, 2607, 2026, 2878, 2166, 1012, 102],
    [101, 2061, 2031, 1045, 999, 102],
]


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    t = max(len(x) for x in IDS)
    ids = torch.tensor([x + [0] * (t - len(x)) for x in IDS])
    mask = torch.tensor([[1] * len(x) + [0] * (t - len(x)) for x in IDS])
    return ids, mask


def test_minilm_ids_are_the_reference_tokenizers(minilm_dir):
    tokenizers = pytest.importorskip("tokenizers")
    tok = tokenizers.Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tok.no_padding()
    assert [e.ids for e in tok.encode_batch(SENTENCES)] == IDS


def test_minilm_matches_transformers_and_course_cosine(minilm_dir):
    transformers = pytest.importorskip("transformers")
    ours = BertModel.from_pretrained(minilm_dir)
    assert ours.loading_info["missing_keys"] == [] and ours.loading_info["unexpected_keys"] == []
    assert ours.num_parameters() == 22_713_216
    ref = transformers.BertModel.from_pretrained(minilm_dir).eval()
    ids, mask = _batch()
    with torch.no_grad():
        o = ours(input_ids=ids, attention_mask=mask).last_hidden_state
        r = ref(input_ids=ids, attention_mask=mask).last_hidden_state
    torch.testing.assert_close(o, r, atol=1e-5, rtol=0)
    pooled = (o * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    emb = torch.nn.functional.normalize(pooled, dim=-1)
    cosine = (emb[0] @ emb[1]).item()
    assert cosine == pytest.approx(0.2209, abs=1e-4)


def test_minilm_into_classification_head_reports_new_weights(minilm_dir, caplog):
    from lexica.auto import AutoModelForSequenceClassification

    with caplog.at_level(logging.WARNING, logger="lexica.models.modeling"):
        model = AutoModelForSequenceClassification.from_pretrained(minilm_dir, num_labels=5)
    assert isinstance(model, BertForSequenceClassification)
    assert model.loading_info["missing_keys"] == ["classifier.weight", "classifier.bias"]
    assert model.loading_info["unexpected_keys"] == []
    assert "classifier.weight" in caplog.text and "TRAIN" in caplog.text
    ids, mask = _batch()
    logits = model(input_ids=ids, attention_mask=mask).logits
    assert logits.shape == (2, 5)
    assert model.config.id2label == {i: f"LABEL_{i}" for i in range(5)}


def test_minilm_dtypes(minilm_dir):
    model = BertModel.from_pretrained(minilm_dir, dtype="bfloat16")
    assert model.dtype == torch.bfloat16
    assert BertModel.from_pretrained(minilm_dir, dtype="auto").dtype == torch.float32
    with pytest.raises(ConfigError, match="dtype"):
        BertModel.from_pretrained(minilm_dir, dtype="float8")


# -- bad input ---------------------------------------------------------------------------------------------
def _tiny() -> BertModel:
    torch.manual_seed(0)
    return BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=20, max_position_embeddings=32)).eval()


def test_one_dimensional_input_asks_for_batch_dimension():
    with pytest.raises(InvalidInputError, match=r"batch dimension.*unsqueeze\(0\)"):
        _tiny()(input_ids=torch.tensor([1, 2, 3]))


def test_too_long_input_names_limit_and_fix():
    with pytest.raises(InputTooLongError) as err:
        _tiny()(input_ids=torch.ones(1, 40, dtype=torch.long))
    message = str(err.value)
    assert "32" in message and "40" in message and "truncation=True" in message


def test_out_of_vocabulary_ids_and_bad_mask():
    with pytest.raises(InvalidInputError, match="vocabulary"):
        _tiny()(input_ids=torch.tensor([[1, 77]]))
    with pytest.raises(InvalidInputError, match="attention_mask"):
        _tiny()(input_ids=torch.tensor([[1, 2]]), attention_mask=torch.ones(1, 3))


def test_invalid_configs_name_the_key():
    with pytest.raises(ConfigError, match="hidden_size"):
        BertConfig(hidden_size=100, num_attention_heads=12)
    with pytest.raises(ConfigError, match="num_hidden_layers"):
        BertConfig(num_hidden_layers=-1)
    with pytest.raises(ConfigError, match="hidden_act"):
        BertConfig(hidden_act="gelu_wrong")
    with pytest.raises(UnsupportedError, match="position_embedding_type"):
        BertConfig.from_dict({"position_embedding_type": "relative_key"})
    with pytest.raises(UnsupportedError, match="add_cross_attention"):
        BertConfig.from_dict({"is_decoder": True, "add_cross_attention": True})
    assert BertConfig.from_dict({"is_decoder": True}).is_decoder  # causal self-attention is supported


def test_course_cosine_end_to_end_with_lexica_tokenizer(minilm_dir):
    """Tokenizer -> AutoModel -> mean pooling -> cosine, all lexica (chapter 2 of the course)."""
    from lexica.auto import AutoModel
    from lexica.tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(minilm_dir / "tokenizer.json"))
    tok.no_padding()  # the file bakes in padding to 128; pad to the longest here instead
    encodings = tok.encode_batch(SENTENCES)
    assert [e.ids for e in encodings] == IDS
    ids, mask = _batch()
    model = AutoModel.from_pretrained(minilm_dir)
    with torch.no_grad():
        hidden = model(input_ids=ids, attention_mask=mask).last_hidden_state
    pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)
    emb = torch.nn.functional.normalize(pooled, dim=-1)
    assert (emb[0] @ emb[1]).item() == pytest.approx(0.2209, abs=1e-4)
