"""Checkpoint files: sharded and .bin loading, saving, and every bad-input path with a named error."""

from __future__ import annotations

import json
import os
import pathlib

import pytest
import torch

from lexica.errors import CheckpointError, ConfigError
from lexica.models.bert import BertConfig, BertForMaskedLM, BertForSequenceClassification, BertModel
from lexica.models.checkpoint import load_checkpoint, parse_size, read_safetensors, save_checkpoint, write_safetensors


def _tiny_bert(tmp_path: pathlib.Path, model_helpers, name: str = "BertForSequenceClassification", **kw):
    h = model_helpers
    return h.save_reference_model(tmp_path / "ref", name, {**h.TINY["bert"], **kw}, **{})


def test_sharded_transformers_checkpoint_loads(tmp_path, model_helpers):
    h = model_helpers
    ref = h.save_reference_model(tmp_path / "ref", "BertForMaskedLM", h.TINY["bert"], max_shard_size="20KB")
    shards = sorted(p.name for p in (tmp_path / "ref").glob("model-*.safetensors"))
    assert len(shards) >= 3, shards
    assert (tmp_path / "ref" / "model.safetensors.index.json").is_file()
    ours = BertForMaskedLM.from_pretrained(tmp_path / "ref")
    assert ours.loading_info["missing_keys"] == []
    ids, mask = h.padded_batch(99, [5, 3])
    h.assert_parity(ref, ours, {"input_ids": ids, "attention_mask": mask, "labels": ids}, ["logits"])


def test_our_sharded_save_loads_in_transformers(tmp_path, model_helpers):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    ours = BertForMaskedLM(BertConfig(**model_helpers.TINY["bert"])).eval()
    ours.save_pretrained(tmp_path / "out", max_shard_size="20KB")
    index = json.loads((tmp_path / "out" / "model.safetensors.index.json").read_text())
    assert len(set(index["weight_map"].values())) >= 3
    assert "cls.predictions.decoder.weight" not in index["weight_map"]  # tied: stored once
    ref = transformers.BertForMaskedLM.from_pretrained(tmp_path / "out").eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    torch.testing.assert_close(ref(input_ids=ids).logits, ours(input_ids=ids).logits, atol=1e-5, rtol=0)
    # Saving again unsharded removes the stale shards and index, and leaves no temp files.
    ours.save_pretrained(tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["config.json", "model.safetensors"]


def test_small_model_under_limit_is_not_sharded(tmp_path):
    torch.manual_seed(0)
    model = BertModel(BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                 intermediate_size=8))
    model.save_pretrained(tmp_path, max_shard_size="1MB")
    assert not (tmp_path / "model.safetensors.index.json").exists()
    assert (tmp_path / "model.safetensors").is_file()


def test_pytorch_bin_checkpoint_loads(tmp_path, model_helpers):
    ref = _tiny_bert(tmp_path, model_helpers)
    binary = tmp_path / "bin"
    binary.mkdir()
    torch.save(ref.state_dict(), binary / "pytorch_model.bin")
    (binary / "config.json").write_text((tmp_path / "ref" / "config.json").read_text())
    ours = BertForSequenceClassification.from_pretrained(binary)
    ids = torch.tensor([[5, 6, 7]])
    torch.testing.assert_close(ours(input_ids=ids).logits, ref(input_ids=ids).logits, atol=1e-5, rtol=0)


class _Payload:
    """Unpickling this calls os.system(...): a full unpickler would create the marker file."""

    def __init__(self, marker: pathlib.Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("fmt", ["zip", "legacy", "plain-pickle"])
def test_pickle_with_code_payload_is_refused(fmt, tmp_path):
    """torch.save's zip format, its legacy format and a bare pickle: each is refused by name, and the
    payload never runs (the marker file is not created)."""
    import pickle

    marker = tmp_path / "PWNED"
    folder = tmp_path / "evil"
    folder.mkdir()
    state = {"weight": torch.zeros(2), "x": _Payload(marker)}
    path = folder / "pytorch_model.bin"
    if fmt == "zip":
        torch.save(state, path)
    elif fmt == "legacy":
        torch.save(state, path, _use_new_zipfile_serialization=False)
    else:
        path.write_bytes(pickle.dumps(state))
    # Sanity: the payload is live. A full unpickle of the same bytes would run it.
    assert not marker.exists()
    BertConfig(vocab_size=20, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
               intermediate_size=8).save_pretrained(folder)
    with pytest.raises(CheckpointError) as err:
        BertModel.from_pretrained(folder)
    assert "pytorch_model.bin" in str(err.value)
    assert "refused" in str(err.value) or "weights_only" in str(err.value)
    assert not marker.exists()


def test_payload_would_run_under_a_full_unpickle(tmp_path):
    """Control for the test above: the same payload does create the marker when fully unpickled."""
    import pickle

    marker = tmp_path / "PWNED"
    pickle.loads(pickle.dumps({"x": _Payload(marker)}))  # what lexica never does
    assert marker.exists()


def test_truncated_safetensors_names_file_and_tensor(tmp_path, model_helpers):
    _tiny_bert(tmp_path, model_helpers)
    path = tmp_path / "ref" / "model.safetensors"
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])
    with pytest.raises(CheckpointError, match=r"model\.safetensors.*truncated.*tensor '[^']+'"):
        BertForSequenceClassification.from_pretrained(tmp_path / "ref")
    path.write_bytes(data[:20])
    with pytest.raises(CheckpointError, match="truncated"):
        read_safetensors(path)


def test_shape_mismatch_is_an_error_unless_ignored(tmp_path, model_helpers):
    _tiny_bert(tmp_path, model_helpers)  # 2 labels
    with pytest.raises(CheckpointError, match=r"classifier\.weight in \S*model\.safetensors: checkpoint \(2, 32\), model \(5, 32\)"):
        BertForSequenceClassification.from_pretrained(tmp_path / "ref", num_labels=5)
    model = BertForSequenceClassification.from_pretrained(tmp_path / "ref", num_labels=5, ignore_mismatched_sizes=True)
    assert [k for k, _, _ in model.loading_info["mismatched_keys"]] == ["classifier.weight", "classifier.bias"]
    assert model.classifier.weight.shape == (5, 32)


def test_missing_shard_names_the_shard(tmp_path, model_helpers):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "BertModel", h.TINY["bert"], max_shard_size="20KB")
    victim = sorted((tmp_path / "ref").glob("model-*.safetensors"))[1]
    victim.unlink()
    with pytest.raises(CheckpointError, match=victim.name + r".*holding '"):
        BertModel.from_pretrained(tmp_path / "ref")


def test_non_json_config_names_the_file(tmp_path, model_helpers):
    _tiny_bert(tmp_path, model_helpers)
    (tmp_path / "ref" / "config.json").write_text("{not json")
    with pytest.raises(ConfigError, match=r"config\.json.*JSON"):
        BertForSequenceClassification.from_pretrained(tmp_path / "ref")


def test_index_naming_a_tensor_its_shard_lacks(tmp_path, model_helpers):
    h = model_helpers
    h.save_reference_model(tmp_path / "ref", "BertModel", h.TINY["bert"], max_shard_size="20KB")
    index = tmp_path / "ref" / "model.safetensors.index.json"
    data = json.loads(index.read_text())
    first_shard = sorted(set(data["weight_map"].values()))[0]
    data["weight_map"]["encoder.layer.9.output.dense.weight"] = first_shard
    index.write_text(json.dumps(data))
    with pytest.raises(CheckpointError, match=r"index\.json.*'encoder\.layer\.9\.output\.dense\.weight'.*" + first_shard):
        BertModel.from_pretrained(tmp_path / "ref")


def test_dtype_auto_follows_the_checkpoint(tmp_path, model_helpers):
    """dtype="auto": config.json's dtype, else the tensors' dtype; no dtype means float32."""
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    ref = transformers.BertModel(transformers.BertConfig(**model_helpers.TINY["bert"])).to(torch.bfloat16)
    ref.save_pretrained(tmp_path / "bf16")
    assert BertModel.from_pretrained(tmp_path / "bf16", dtype="auto").dtype == torch.bfloat16
    assert BertModel.from_pretrained(tmp_path / "bf16").dtype == torch.float32
    assert BertModel.from_pretrained(tmp_path / "bf16", dtype="float16").dtype == torch.float16
    config = json.loads((tmp_path / "bf16" / "config.json").read_text())
    config.pop("dtype", None)
    config.pop("torch_dtype", None)
    (tmp_path / "bf16" / "config.json").write_text(json.dumps(config))
    model = BertModel.from_pretrained(tmp_path / "bf16", dtype="auto")  # from the tensors
    assert model.dtype == torch.bfloat16 and model.embeddings.LayerNorm.weight.dtype == torch.bfloat16
    ours = BertModel.from_pretrained(tmp_path / "bf16", dtype="auto")
    ours.save_pretrained(tmp_path / "again")
    back = transformers.BertModel.from_pretrained(tmp_path / "again", dtype="auto")
    assert back.dtype == torch.bfloat16


def test_missing_weights_and_local_path_errors(tmp_path):
    BertConfig().save_pretrained(tmp_path)
    with pytest.raises(CheckpointError, match="model.safetensors"):
        BertModel.from_pretrained(tmp_path)


def test_legacy_gamma_beta_and_prefixed_keys_load(tmp_path, model_helpers):
    ref = _tiny_bert(tmp_path, model_helpers, name="BertModel")
    state = {k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): v
             for k, v in ref.state_dict().items()}
    state = {f"bert.{k}": v for k, v in state.items()}  # as a head checkpoint would name them
    save_checkpoint(state, tmp_path / "legacy")
    (tmp_path / "legacy" / "config.json").write_text((tmp_path / "ref" / "config.json").read_text())
    ours = BertModel.from_pretrained(tmp_path / "legacy")
    assert ours.loading_info["missing_keys"] == [] and ours.loading_info["unexpected_keys"] == []
    ids = torch.tensor([[5, 6, 7]])
    torch.testing.assert_close(ours(input_ids=ids).last_hidden_state, ref(input_ids=ids).last_hidden_state)


def test_head_checkpoint_into_base_reports_unused_head(tmp_path, model_helpers):
    _tiny_bert(tmp_path, model_helpers)
    base = BertModel.from_pretrained(tmp_path / "ref")
    assert sorted(base.loading_info["unexpected_keys"]) == ["classifier.bias", "classifier.weight"]
    assert base.loading_info["missing_keys"] == []


def test_base_checkpoint_into_mlm_head_initialises_only_the_head(minilm_dir):
    model = BertForMaskedLM.from_pretrained(minilm_dir)
    assert model.loading_info["missing_keys"] == [
        "cls.predictions.bias", "cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
        "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
    ]
    assert model.cls.predictions.decoder.weight is model.bert.embeddings.word_embeddings.weight
    assert model.cls.predictions.decoder.bias is model.cls.predictions.bias
    assert torch.all(model.cls.predictions.bias == 0)
    assert torch.all(model.cls.predictions.transform.LayerNorm.weight == 1)


def test_save_over_the_folder_it_was_loaded_from(tmp_path, model_helpers):
    ref = _tiny_bert(tmp_path, model_helpers)
    ours = BertForSequenceClassification.from_pretrained(tmp_path / "ref")  # memory-mapped from that file
    ours.save_pretrained(tmp_path / "ref")
    again = BertForSequenceClassification.from_pretrained(tmp_path / "ref")
    ids = torch.tensor([[5, 6, 7]])
    torch.testing.assert_close(again(input_ids=ids).logits, ref(input_ids=ids).logits, atol=1e-5, rtol=0)


def test_loaded_weights_are_memory_mapped_not_copied(tmp_path, model_helpers):
    _tiny_bert(tmp_path, model_helpers)
    maps = pathlib.Path("/proc/self/maps")
    if not maps.exists():
        pytest.skip("needs /proc/self/maps (Linux) to see where tensor memory lives")
    path = (tmp_path / "ref" / "model.safetensors").resolve()
    model = BertForSequenceClassification.from_pretrained(tmp_path / "ref")
    regions = []
    for line in maps.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[5] == str(path):
            low, high = (int(x, 16) for x in parts[0].split("-"))
            regions.append((low, high))
    assert regions, "the checkpoint file is not mapped"
    for name, p in model.named_parameters():
        ptr = p.data_ptr()
        assert any(low <= ptr < high for low, high in regions), f"{name} was copied out of the mapping"


def test_dtypes_and_roundtrip_of_raw_files(tmp_path):
    tensors = {"a": torch.randn(3, 4).to(torch.bfloat16), "b": torch.arange(5), "c": torch.zeros(0, 2),
               "d": torch.tensor([True, False, True])}
    write_safetensors(tmp_path / "x.safetensors", tensors)
    back = read_safetensors(tmp_path / "x.safetensors")
    for k, v in tensors.items():
        assert back[k].dtype == v.dtype and torch.equal(back[k], v)
    safetensors = pytest.importorskip("safetensors.torch")
    other = safetensors.load_file(tmp_path / "x.safetensors")
    assert all(torch.equal(other[k], v) for k, v in tensors.items())


def test_parse_size():
    assert parse_size("5GB") == 5 * 10**9
    assert parse_size("200MiB") == 200 * 2**20
    assert parse_size(1234) == 1234
    with pytest.raises(CheckpointError, match="max_shard_size"):
        parse_size("lots")


def test_load_in_half_precision(tmp_path, model_helpers):
    ref = _tiny_bert(tmp_path, model_helpers)
    ours = BertForSequenceClassification.from_pretrained(tmp_path / "ref", dtype=torch.float16)
    assert ours.dtype == torch.float16
    assert ours.bert.embeddings.word_embeddings.weight.dtype == torch.float16
    ids = torch.tensor([[5, 6, 7]])
    torch.testing.assert_close(ours(input_ids=ids).logits.float(), ref(input_ids=ids).logits, atol=1e-2, rtol=0)


def test_sharded_pytorch_bin_with_index_loads(tmp_path, model_helpers):
    ref = _tiny_bert(tmp_path, model_helpers)
    folder = tmp_path / "bins"
    folder.mkdir()
    state = ref.state_dict()
    names = list(state)
    halves = {"pytorch_model-00001-of-00002.bin": names[: len(names) // 2],
              "pytorch_model-00002-of-00002.bin": names[len(names) // 2:]}
    weight_map = {}
    for file, keys in halves.items():
        torch.save({k: state[k] for k in keys}, folder / file)
        weight_map.update(dict.fromkeys(keys, file))
    (folder / "pytorch_model.bin.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    (folder / "config.json").write_text((tmp_path / "ref" / "config.json").read_text())
    ours = BertForSequenceClassification.from_pretrained(folder)
    assert ours.loading_info["missing_keys"] == []
    ids = torch.tensor([[5, 6, 7]])
    torch.testing.assert_close(ours(input_ids=ids).logits, ref(input_ids=ids).logits, atol=1e-5, rtol=0)


def test_loading_initialises_only_the_missing_weights(minilm_dir, monkeypatch):
    """Built on the meta device: random init runs for the new head only, never for loaded weights."""
    shapes = []
    original = torch.nn.init.normal_

    def counting(tensor, *args, **kwargs):
        shapes.append(tuple(tensor.shape) if not tensor.is_meta else "meta")
        return original(tensor, *args, **kwargs)

    monkeypatch.setattr(torch.nn.init, "normal_", counting)
    model = BertForSequenceClassification.from_pretrained(minilm_dir, num_labels=5)
    assert shapes == [(5, 384)]  # classifier.weight; its bias is zeroed
    assert model.bert.embeddings.word_embeddings.weight.shape == (30522, 384)


_SHARD_CASES = {
    "DistilBertForMaskedLM": None,
    "RobertaForMaskedLM": None,
    "GPT2LMHeadModel": dict(vocab_size=99, n_positions=64, n_embd=32, n_layer=2, n_head=4),
    "LlamaForCausalLM": dict(vocab_size=99, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                             num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64),
}


@pytest.mark.parametrize("class_name", list(_SHARD_CASES))
def test_sharded_round_trip_every_family(class_name, tmp_path, model_helpers):
    """transformers' shards (tied LM heads included) load in lexica, and lexica's shards load in transformers."""
    transformers = pytest.importorskip("transformers")
    from lexica import auto

    h = model_helpers
    family = {"Dis": "distilbert", "Rob": "roberta"}.get(class_name[:3])
    tiny = _SHARD_CASES[class_name] or h.TINY[family]
    ref = h.save_reference_model(tmp_path / "ref", class_name, tiny, max_shard_size="20KB")
    assert len(list((tmp_path / "ref").glob("model-*.safetensors"))) >= 3
    auto_class = auto.AutoModelForCausalLM if class_name[0] in "GL" else auto.AutoModelForMaskedLM
    ours = auto_class.from_pretrained(tmp_path / "ref")
    assert ours.loading_info == {"missing_keys": [], "unexpected_keys": [], "mismatched_keys": []}
    ids, mask = h.padded_batch(99, [6, 3], pad_id=1 if family == "roberta" else 0)
    with torch.no_grad():
        torch.testing.assert_close(ours(input_ids=ids, attention_mask=mask).logits,
                                   ref(input_ids=ids, attention_mask=mask).logits, atol=1e-5, rtol=0)
    ours.save_pretrained(tmp_path / "ours", max_shard_size="20KB")
    assert len(list((tmp_path / "ours").glob("model-*.safetensors"))) >= 3
    back = getattr(transformers, class_name).from_pretrained(tmp_path / "ours").eval()
    with torch.no_grad():
        torch.testing.assert_close(back(input_ids=ids, attention_mask=mask).logits,
                                   ours(input_ids=ids, attention_mask=mask).logits, atol=1e-5, rtol=0)
