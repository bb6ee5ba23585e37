"""PretrainedConfig and the family configs: JSON round trips, labels, unknown keys, validation."""

from __future__ import annotations

import json

import pytest

from lexica.errors import ConfigError
from lexica.models.bert import BertConfig
from lexica.models.distilbert import DistilBertConfig
from lexica.models.roberta import RobertaConfig


def test_defaults_match_transformers():
    transformers = pytest.importorskip("transformers")
    for ours, theirs in ((BertConfig, transformers.BertConfig), (DistilBertConfig, transformers.DistilBertConfig),
                         (RobertaConfig, transformers.RobertaConfig)):
        ref = theirs().to_dict()
        for key, value in ours().to_dict().items():
            if key in ref and key not in ("architectures", "dtype", "transformers_version"):
                assert ref[key] == value or (key == "id2label" and {str(k): v for k, v in ref[key].items()} == value), key


def test_labels_from_json_and_num_labels():
    config = BertConfig.from_dict({"id2label": {"0": "NEG", "1": "POS"}, "label2id": {"NEG": 0, "POS": 1}})
    assert config.id2label == {0: "NEG", 1: "POS"}
    assert config.label2id == {"NEG": 0, "POS": 1}
    assert config.num_labels == 2
    assert BertConfig(num_labels=5).id2label == {i: f"LABEL_{i}" for i in range(5)}
    assert BertConfig().num_labels == 2
    config.num_labels = 3
    assert config.label2id == {"LABEL_0": 0, "LABEL_1": 1, "LABEL_2": 2}
    assert BertConfig.from_dict({"num_labels": 4}).num_labels == 4  # older configs store num_labels
    assert BertConfig.from_dict({"id2label": {"0": "A"}}, num_labels=3).num_labels == 3


def test_unknown_keys_are_kept_and_written_back(tmp_path):
    data = {"model_type": "bert", "hidden_size": 64, "num_attention_heads": 4, "gradient_checkpointing": False,
            "my_custom_key": [1, 2], "torch_dtype": "float16", "transformers_version": "4.8.2"}
    config = BertConfig.from_dict(data)
    assert config.hidden_size == 64 and config.dtype == "float16"
    assert config.extra["my_custom_key"] == [1, 2]
    config.save_pretrained(tmp_path)
    written = json.loads((tmp_path / "config.json").read_text())
    assert written["my_custom_key"] == [1, 2] and written["model_type"] == "bert" and written["dtype"] == "float16"
    again = BertConfig.from_pretrained(tmp_path)
    assert again == config
    assert [p.name for p in tmp_path.iterdir()] == ["config.json"]  # no temp file left behind


def test_transformers_reads_our_config_and_we_read_theirs(tmp_path):
    transformers = pytest.importorskip("transformers")
    ours = RobertaConfig(hidden_size=48, num_attention_heads=6, id2label={0: "a", 1: "b", 2: "c"},
                         problem_type="multi_label_classification")
    ours.save_pretrained(tmp_path / "ours")
    theirs = transformers.AutoConfig.from_pretrained(tmp_path / "ours")
    assert theirs.model_type == "roberta" and theirs.hidden_size == 48 and theirs.num_labels == 3
    assert theirs.id2label == {0: "a", 1: "b", 2: "c"} and theirs.problem_type == "multi_label_classification"
    transformers.DistilBertConfig(dim=64, n_heads=4, num_labels=7).save_pretrained(tmp_path / "theirs")
    back = DistilBertConfig.from_pretrained(tmp_path / "theirs")
    assert back.dim == 64 and back.num_labels == 7 and back.hidden_size == 64


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"hidden_size": 100, "num_attention_heads": 12}, "hidden_size"),
        ({"vocab_size": -5}, "vocab_size"),
        ({"hidden_act": "nope"}, "hidden_act"),
        ({"hidden_dropout_prob": 1.5}, "hidden_dropout_prob"),
        ({"problem_type": "ranking"}, "problem_type"),
    ],
)
def test_invalid_values_name_the_key(kwargs, key):
    with pytest.raises(ConfigError, match=key):
        BertConfig(**kwargs)


def test_not_json_and_missing_files_name_the_file(tmp_path):
    (tmp_path / "config.json").write_text("model_type: bert")
    with pytest.raises(ConfigError, match=r"config\.json.*JSON"):
        BertConfig.from_pretrained(tmp_path)
    (tmp_path / "config.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="JSON object"):
        BertConfig.from_pretrained(tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ConfigError, match="config.json"):
        BertConfig.from_pretrained(empty)
