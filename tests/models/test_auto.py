"""Auto classes: one model_type table, lazy family imports, register(), clear errors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest
import torch

from lexica import auto
from lexica.auto import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoModelForMultipleChoice,
    AutoModelForQuestionAnswering,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    register,
)
from lexica.errors import ConfigError, UnsupportedError
from lexica.models.bert import BertConfig, BertForMaskedLM, BertModel
from lexica.models.configuration import PretrainedConfig
from lexica.models.distilbert import DistilBertConfig, DistilBertForQuestionAnswering
from lexica.models.modeling import PreTrainedModel
from lexica.models.roberta import RobertaConfig, RobertaForMultipleChoice, RobertaForTokenClassification


def test_auto_config_reads_model_type(minilm_dir):
    config = AutoConfig.from_pretrained(minilm_dir)
    assert isinstance(config, BertConfig) and config.hidden_size == 384
    assert isinstance(AutoConfig.for_model("roberta"), RobertaConfig)


def test_from_config_picks_family_and_task():
    tiny = DistilBertConfig(vocab_size=20, dim=8, n_layers=1, n_heads=2, hidden_dim=8)
    assert isinstance(AutoModelForQuestionAnswering.from_config(tiny), DistilBertForQuestionAnswering)
    rob = RobertaConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=8)
    assert isinstance(AutoModelForTokenClassification.from_config(rob), RobertaForTokenClassification)
    assert isinstance(AutoModelForMultipleChoice.from_config(rob), RobertaForMultipleChoice)
    torch.manual_seed(0)
    a = AutoModelForMaskedLM.from_config(BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1,
                                                    num_attention_heads=2, intermediate_size=8))
    torch.manual_seed(0)
    b = AutoModelForMaskedLM.from_config(a.config)
    assert isinstance(a, BertForMaskedLM)
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_auto_model_loads_minilm(minilm_dir):
    model = AutoModel.from_pretrained(minilm_dir)
    assert isinstance(model, BertModel) and not model.training


def test_auto_from_pretrained_head(tmp_path, model_helpers):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "DistilBertForSequenceClassification", {**h.TINY["distilbert"], "num_labels": 3})
    model = AutoModelForSequenceClassification.from_pretrained(tmp_path / "ref")
    assert model.config.num_labels == 3 and model.loading_info["missing_keys"] == []


def test_unknown_model_type_lists_supported():
    with pytest.raises(UnsupportedError, match=r"model_type: expected one of \[.*'bert'.*'roberta'.*\], found 't9'"):
        AutoConfig.from_dict({"model_type": "t9"})
    with pytest.raises(ConfigError, match="model_type"):
        AutoConfig.from_dict({"hidden_size": 3})


def test_task_missing_in_family():
    with pytest.raises(UnsupportedError, match=r"'distilbert' has no 'causal-lm' model"):
        AutoModelForCausalLM.from_config(DistilBertConfig())


def test_broken_family_module_breaks_only_its_type(monkeypatch):
    monkeypatch.setitem(auto.MODEL_TYPES, "ghost", "lexica.models.ghost_family_that_does_not_exist")
    with pytest.raises(UnsupportedError, match="ghost"):
        AutoConfig.for_model("ghost")
    assert isinstance(AutoConfig.for_model("bert"), BertConfig)


@dataclass
class ToyConfig(PretrainedConfig):
    model_type: ClassVar[str] = "toy"
    width: int = 4


class ToyModel(PreTrainedModel):
    config_class = ToyConfig

    def __init__(self, config: ToyConfig) -> None:
        super().__init__(config)
        self.proj = torch.nn.Linear(config.width, config.width)
        self.post_init()


def test_register_user_family(tmp_path, monkeypatch):
    monkeypatch.setattr(auto, "_REGISTERED", {})
    register("toy", ToyConfig, {"base": ToyModel})
    model = AutoModel.from_config(AutoConfig.for_model("toy"))
    model.save_pretrained(tmp_path)
    again = AutoModel.from_pretrained(tmp_path)
    assert isinstance(again, ToyModel)
    assert torch.equal(again.proj.weight, model.proj.weight)
    with pytest.raises(UnsupportedError, match="task names"):
        register("toy", ToyConfig, {"summarise": ToyModel})


_GPT2 = dict(vocab_size=99, n_positions=64, n_embd=32, n_layer=2, n_head=4, pad_token_id=0)
_LLAMA = dict(vocab_size=99, hidden_size=32, intermediate_size=37, num_hidden_layers=2, num_attention_heads=4,
              num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0)
# family: (tiny config, transformers base class, a transformers head class, prefix, new head keys in
# AutoModelForSequenceClassification with 3 labels)
PREFIX_CASES = {
    "bert": (None, "BertModel", "BertForMaskedLM", "bert.", ["classifier.weight", "classifier.bias"]),
    "distilbert": (None, "DistilBertModel", "DistilBertForMaskedLM", "distilbert.",
                   ["pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias"]),
    "roberta": (None, "RobertaModel", "RobertaForMaskedLM", "roberta.",
                ["classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                 "classifier.out_proj.bias"]),
    "gpt2": (_GPT2, "GPT2Model", "GPT2LMHeadModel", "transformer.", ["score.weight"]),
    "llama": (_LLAMA, "LlamaModel", "LlamaForCausalLM", "model.", ["score.weight"]),
}


@pytest.mark.parametrize("family", list(PREFIX_CASES))
def test_prefix_added_and_stripped_for_every_family(family, tmp_path, model_helpers):
    """A base checkpoint (no prefix) loads into a head: only the head is new. A head checkpoint
    (prefixed keys) loads into the base model: nothing is missing, the head's keys are unused."""
    h = model_helpers
    tiny, base_name, head_name, prefix, new_keys = PREFIX_CASES[family]
    tiny = tiny or h.TINY[family]
    base_ref = h.save_reference_model(tmp_path / "base", base_name, tiny)
    head_ref = h.save_reference_model(tmp_path / "head", head_name, tiny, seed=1)
    classifier = AutoModelForSequenceClassification.from_pretrained(tmp_path / "base", num_labels=3)
    assert classifier.loading_info["missing_keys"] == new_keys
    # RoBERTa's classifier reads the <s> token itself, so the base model's pooler is unused (as in transformers).
    assert classifier.loading_info["unexpected_keys"] == (
        ["pooler.dense.bias", "pooler.dense.weight"] if family == "roberta" else [])
    base = AutoModel.from_pretrained(tmp_path / "head")
    pooler = ["pooler.dense.weight", "pooler.dense.bias"] if family in ("bert", "roberta") else []
    assert base.loading_info["missing_keys"] == pooler  # the MLM checkpoints have no pooler
    assert all(not k.startswith(prefix) for k in base.loading_info["unexpected_keys"])
    ref_state = {k.removeprefix(prefix): v for k, v in head_ref.state_dict().items()}
    for name, tensor in base.state_dict().items():
        if name in ref_state and not name.startswith("pooler."):
            assert torch.equal(tensor, ref_state[name]), name
    base_state = base_ref.state_dict()
    ours = {k.removeprefix(prefix): v for k, v in classifier.state_dict().items()}
    for name, tensor in base_state.items():
        if "rotary" not in name and not name.endswith("position_ids") and not name.startswith("pooler."):
            assert torch.equal(ours[name], tensor), name
