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
    with pytest.raises(UnsupportedError, match=r"'bert' has no 'causal-lm' model"):
        AutoModelForCausalLM.from_config(BertConfig())


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
