"""GGUF loading: metadata, config mapping, dequantisation, the q/k rotary un-permutation, errors;
a tiny synthetic GGUF against transformers' own GGUF loader; the real SmolLM2 Q4_1 file."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest
import torch

from lexica.errors import CheckpointError, InputTooLongError, UnsupportedError
from lexica.models.gguf import (
    _dequantize,
    _TensorInfo,
    _unpermute_rotary,
    gguf_config_dict,
    iter_gguf_tensors,
    load_gguf_checkpoint,
    read_gguf_metadata,
)
from lexica.models.llama import LlamaForCausalLM

gguf = pytest.importorskip("gguf")

TINY = dict(vocab_size=99, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=2, max_position_embeddings=64, rope_theta=1000.0, rms_norm_eps=1e-5,
            bos_token_id=1, eos_token_id=2, tie_word_embeddings=False)

# llama.cpp tensor names for the HF keys of one layer.
_LAYER_NAMES = {
    "input_layernorm": "attn_norm", "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k",
    "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output", "post_attention_layernorm": "ffn_norm",
    "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down",
}


def llama_cpp_permute(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """What llama.cpp's convert_hf_to_gguf.py does to q/k rows: half-split pairs -> interleaved pairs."""
    return weight.reshape(n_heads, 2, weight.shape[0] // n_heads // 2, *weight.shape[1:]).swapaxes(1, 2).reshape(
        weight.shape
    )


def gguf_name(hf_key: str) -> str:
    fixed = {"model.embed_tokens.weight": "token_embd.weight", "model.norm.weight": "output_norm.weight",
             "lm_head.weight": "output.weight"}
    if hf_key in fixed:
        return fixed[hf_key]
    _, _, layer, rest = hf_key.split(".", 3)
    module, kind = rest.rsplit(".", 1)
    return f"blk.{layer}.{_LAYER_NAMES[module]}.{kind}"


def write_tiny_gguf(path: pathlib.Path, state: dict[str, torch.Tensor], quant: str = "Q8_0") -> None:
    """A llama GGUF as llama.cpp would write it: metadata, permuted q/k, 2-D weights quantised."""
    c = TINY
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(c["num_hidden_layers"])
    writer.add_context_length(c["max_position_embeddings"])
    writer.add_embedding_length(c["hidden_size"])
    writer.add_feed_forward_length(c["intermediate_size"])
    writer.add_head_count(c["num_attention_heads"])
    writer.add_head_count_kv(c["num_key_value_heads"])
    writer.add_rope_freq_base(c["rope_theta"])
    writer.add_layer_norm_rms_eps(c["rms_norm_eps"])
    writer.add_rope_dimension_count(c["hidden_size"] // c["num_attention_heads"])
    writer.add_vocab_size(c["vocab_size"])
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([f"tok{i}" for i in range(c["vocab_size"])])
    writer.add_token_merges(["t o", "to k"])
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_chat_template("{{ messages }}")
    qtype = gguf.GGMLQuantizationType[quant]
    for key, tensor in state.items():
        array = tensor.detach().numpy().astype(np.float32)
        if ".q_proj." in key:
            array = llama_cpp_permute(array, c["num_attention_heads"])
        elif ".k_proj." in key:
            array = llama_cpp_permute(array, c["num_key_value_heads"])
        if array.ndim == 2 and qtype != gguf.GGMLQuantizationType.F32:
            writer.add_tensor(gguf_name(key), gguf.quantize(array, qtype), raw_dtype=qtype)
        else:
            writer.add_tensor(gguf_name(key), array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def transformers_gguf_model(path: pathlib.Path) -> torch.nn.Module:
    """transformers' LlamaForCausalLM with weights from transformers' own GGUF reader.

    ``from_pretrained(dir, gguf_file=...)`` requires the ``accelerate`` package; without it, run the
    same reader (``load_gguf_checkpoint``: name mapping, dequantisation, q/k un-permutation) by hand.
    """
    transformers = pytest.importorskip("transformers")
    try:
        import accelerate  # noqa: F401
    except ImportError:
        from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint as hf_load_gguf

        config = transformers.AutoConfig.from_pretrained(str(path.parent), gguf_file=path.name)
        model = transformers.AutoModelForCausalLM.from_config(config)
        tensors = hf_load_gguf(str(path), return_tensors=True, model_to_load=model)["tensors"]
        missing, unexpected = model.load_state_dict(tensors, strict=False)
        assert not unexpected and set(missing) <= {"lm_head.weight"}, (missing, unexpected)
        model.tie_weights()
        return model.eval()
    return transformers.AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name).eval()


@pytest.fixture
def one_thread():
    """torch.set_num_threads(1) for the test, restored after: the 135M-parameter forwards run 2-5x faster
    single-threaded on a busy 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def tiny_gguf(tmp_path) -> tuple[pathlib.Path, dict[str, torch.Tensor]]:
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    ref = transformers.LlamaForCausalLM(transformers.LlamaConfig(**TINY))
    state = {k: v for k, v in ref.state_dict().items() if "rotary" not in k}
    path = tmp_path / "tiny.gguf"
    write_tiny_gguf(path, state)
    return path, state


def test_unpermute_inverts_llama_cpp_permutation():
    w = np.arange(12 * 5, dtype=np.float32).reshape(12, 5)  # 3 heads of size 4
    assert np.array_equal(_unpermute_rotary(llama_cpp_permute(w, 3), 3), w)
    # Rows of one head [0 1 2 3] (pairs (0,2), (1,3) in HF) become [0 2 1 3] in llama.cpp.
    assert llama_cpp_permute(w, 3)[:4, 0].tolist() == [0, 10, 5, 15]


@pytest.mark.parametrize("quant", ["Q4_0", "Q4_1", "Q8_0", "F16", "BF16", "F32", "Q5_1"])
def test_dequantisation_is_bit_identical_to_gguf(quant):
    """lexica's torch dequantisers (Q4_0, Q4_1, Q8_0, plain floats) and the gguf fallback (Q5_1) give
    exactly gguf.dequantize's float32 values, which is what transformers' GGUF loader uses."""
    qtype = gguf.GGMLQuantizationType[quant]
    values = np.random.default_rng(0).normal(size=(40, 96)).astype(np.float32) * 3
    packed = values if quant == "F32" else gguf.quantize(values, qtype)
    buffer = np.ascontiguousarray(packed).view(np.uint8).reshape(-1)
    ours = _dequantize("mem.gguf", buffer, _TensorInfo("w", (40, 96), int(qtype), 0))
    ref = gguf.dequantize(packed, qtype).reshape(40, 96)
    assert ours.dtype == torch.float32 and ours.shape == (40, 96)
    assert np.array_equal(ours.numpy(), ref)
    with pytest.raises(CheckpointError, match=r"tensor 'w'.*truncated"):
        _dequantize("mem.gguf", buffer[:-10], _TensorInfo("w", (40, 96), int(qtype), 0))


def test_metadata_config_and_tokenizer_data(tiny_gguf):
    path, _ = tiny_gguf
    meta = read_gguf_metadata(path)
    assert meta.architecture == "llama"
    assert meta.tokenizer.tokens[:2] == ["tok0", "tok1"] and len(meta.tokenizer.tokens) == 99
    assert meta.tokenizer.merges == ["t o", "to k"] and meta.tokenizer.model == "gpt2"
    assert (meta.tokenizer.bos_token_id, meta.tokenizer.eos_token_id) == (1, 2)
    assert meta.tokenizer.chat_template == "{{ messages }}"
    assert meta.tensors["blk.0.attn_q.weight"] == ((32, 32), "Q8_0")
    config = gguf_config_dict(meta)
    expected = {k: TINY[k] for k in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
                                     "num_attention_heads", "num_key_value_heads", "max_position_embeddings")}
    assert {k: config[k] for k in expected} == expected
    assert config["rope_theta"] == 1000.0 and config["tie_word_embeddings"] is False
    assert config["rms_norm_eps"] == pytest.approx(1e-5)


def test_tensors_dequantised_unpermuted_and_renamed(tiny_gguf):
    path, state = tiny_gguf
    config, loaded = load_gguf_checkpoint(path)
    assert set(loaded) == set(state)
    for key, tensor in loaded.items():
        assert tensor.dtype == torch.float32 and tensor.shape == state[key].shape, key
        # Q8_0 keeps ~2-3 significant digits; the un-permutation must put every row back in place.
        torch.testing.assert_close(tensor, state[key], atol=2e-3, rtol=0, msg=key)
    half = dict(iter_gguf_tensors(path, dtype=torch.bfloat16))
    assert half["model.norm.weight"].dtype == torch.bfloat16


def test_tiny_gguf_matches_transformers_gguf_loader(tiny_gguf):
    path, _ = tiny_gguf
    ref = transformers_gguf_model(path)
    ours = LlamaForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    assert ours.loading_info["missing_keys"] == [] and ours.loading_info["unexpected_keys"] == []
    ids = torch.tensor([[5, 17, 42, 8, 90, 3], [7, 7, 61, 2, 33, 11]])
    with torch.no_grad():
        torch.testing.assert_close(ours(input_ids=ids).logits, ref(input_ids=ids).logits, atol=1e-5, rtol=0)


def test_not_gguf_truncated_and_unsupported(tiny_gguf, tmp_path):
    path, _ = tiny_gguf
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"NOPE" + bytes(100))
    with pytest.raises(CheckpointError, match="not a GGUF file"):
        read_gguf_metadata(bad)
    with pytest.raises(CheckpointError, match="not found"):
        read_gguf_metadata(tmp_path / "missing.gguf")
    data = path.read_bytes()
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(data[: len(data) - 100])
    with pytest.raises(CheckpointError, match=r"tensor 'output\.weight'.*truncated"):
        load_gguf_checkpoint(cut)
    cut.write_bytes(data[:200])
    with pytest.raises(CheckpointError, match="header is truncated"):
        read_gguf_metadata(cut)
    meta = read_gguf_metadata(path)
    meta.architecture = "mamba"
    with pytest.raises(UnsupportedError, match="mamba"):
        gguf_config_dict(meta)


# -- the real SmolLM2-135M-Instruct Q4_1 file --------------------------------------------------------------
PROMPT_IDS = [504, 3575, 282, 4649, 314]  # "The capital of France is", SmolLM2 tokenizer (checked below)


def test_smollm2_metadata(smollm_gguf):
    meta = read_gguf_metadata(smollm_gguf)
    config = gguf_config_dict(meta)
    assert config["num_hidden_layers"] == 30 and config["hidden_size"] == 576
    assert (config["num_attention_heads"], config["num_key_value_heads"]) == (9, 3)
    assert config["rope_theta"] == 100000.0 and config["tie_word_embeddings"] is True
    assert (config["vocab_size"], config["max_position_embeddings"]) == (49152, 8192)
    assert (config["bos_token_id"], config["eos_token_id"]) == (1, 2)
    tok = meta.tokenizer
    assert len(tok.tokens) == 49152 and len(tok.merges) == 48900 and tok.pre == "smollm"
    assert tok.tokens[1] == "<|im_start|>" and tok.tokens[2] == "<|im_end|>"
    assert "<|im_start|>" in tok.chat_template
    # The prompt ids spell the prompt in the file's own byte-level BPE vocabulary (Ġ is a space).
    assert "".join(tok.tokens[i] for i in PROMPT_IDS) == "TheĠcapitalĠofĠFranceĠis"


def test_smollm2_greedy_paris(smollm_gguf, one_thread):
    model = LlamaForCausalLM.from_pretrained(smollm_gguf.parent, gguf_file=smollm_gguf.name)
    assert model.lm_head.weight is model.model.embed_tokens.weight
    ids = torch.tensor([PROMPT_IDS])
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=True)
        generated = [int(out.logits[0, -1].argmax())]
        for _ in range(2):  # continue through the KV cache
            out = model(input_ids=torch.tensor([[generated[-1]]]), past_key_values=out.past_key_values,
                        use_cache=True)
            generated.append(int(out.logits[0, -1].argmax()))
    tokens = read_gguf_metadata(smollm_gguf).tokenizer.tokens
    assert "".join(tokens[i] for i in generated).startswith("ĠParis.")
    with pytest.raises(InputTooLongError, match="8192"):
        model(input_ids=torch.ones(1, 8193, dtype=torch.long))


def test_smollm2_tensors_and_logits_match_transformers_fast(smollm_gguf, one_thread):
    """The default-run stand-in for the slow test below (transformers' whole GGUF path takes ~80 s here).

    Weights: for the embedding (Q8_0) and layer 0's q/k/gate (Q4_1, q/k permuted by llama.cpp), our
    tensors equal gguf.dequantize followed by transformers' own LlamaTensorProcessor un-permutation.
    Forward: transformers' LlamaForCausalLM, built from our config and given our weights, gives logits
    within 1e-4 of ours on the real 30-layer model.
    """
    transformers = pytest.importorskip("transformers")
    from transformers.modeling_gguf_pytorch_utils import LlamaTensorProcessor

    from lexica.models.gguf import _open

    ours = LlamaForCausalLM.from_pretrained(smollm_gguf.parent, gguf_file=smollm_gguf.name)
    config = ours.config.to_dict()
    buffer, _, tensors = _open(smollm_gguf)
    infos = {t.name: t for t in tensors}
    processor = LlamaTensorProcessor(config={k: config[k] for k in ("num_attention_heads", "num_key_value_heads")})
    state = ours.state_dict()
    for gguf_name, key in [("token_embd.weight", "model.embed_tokens.weight"),
                           ("blk.0.attn_q.weight", "model.layers.0.self_attn.q_proj.weight"),
                           ("blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight"),
                           ("blk.0.ffn_gate.weight", "model.layers.0.mlp.gate_proj.weight")]:
        info = infos[gguf_name]
        qtype = gguf.GGMLQuantizationType(info.qtype)
        block, size = gguf.GGML_QUANT_SIZES[qtype]
        rows, row_bytes = int(np.prod(info.shape[:-1])), info.shape[-1] // block * size
        raw = buffer[info.offset : info.offset + rows * row_bytes].reshape(rows, row_bytes)
        ref = processor.process(gguf.dequantize(raw, qtype).reshape(info.shape), gguf_name).weights
        assert np.array_equal(state[key].numpy(), ref), key
    with torch.device("meta"):  # no memory, no random init: every weight is assigned below
        ref_model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**config))
    missing, unexpected = ref_model.load_state_dict(state, strict=False, assign=True)
    assert not unexpected and set(missing) <= {"lm_head.weight"}
    ref_model.tie_weights()
    rotary = ref_model.model.rotary_emb  # its inv_freq is a computed buffer: rebuild it off meta
    ref_model.model.rotary_emb = type(rotary)(config=ref_model.config)
    ids = torch.tensor([PROMPT_IDS + [7042, 30, 198, 198, 504, 2988]])
    with torch.no_grad():
        torch.testing.assert_close(ours(input_ids=ids).logits, ref_model.eval()(input_ids=ids).logits,
                                   atol=1e-4, rtol=0)


@pytest.mark.slow
def test_smollm2_prompt_ids_and_logits_match_transformers_gguf(smollm_gguf):
    """transformers' own GGUF loading (about 30 s and 5.7 GB on 2 cores): logits within 1e-4."""
    transformers = pytest.importorskip("transformers")
    folder, name = str(smollm_gguf.parent), smollm_gguf.name
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder, gguf_file=name)
    assert tokenizer("The capital of France is").input_ids == PROMPT_IDS
    ids = torch.tensor([PROMPT_IDS + [7042, 30, 198, 198, 504, 2988]])
    ours = LlamaForCausalLM.from_pretrained(smollm_gguf.parent, gguf_file=name)
    with torch.no_grad():
        our_logits = ours(input_ids=ids).logits
    del ours
    ref = transformers_gguf_model(smollm_gguf)
    with torch.no_grad():
        ref_logits = ref(input_ids=ids).logits
    torch.testing.assert_close(our_logits, ref_logits, atol=1e-4, rtol=0)
    assert tokenizer.decode(our_logits[0, 4:6].argmax(-1)) == " Paris."


def test_auto_model_loads_gguf(tiny_gguf):
    from lexica.auto import AutoModelForCausalLM

    path, state = tiny_gguf
    model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
    assert type(model) is LlamaForCausalLM and model.config.num_key_value_heads == 2
    torch.testing.assert_close(model.model.norm.weight, state["model.norm.weight"])


@pytest.mark.parametrize("dtype", ["bfloat16", "float16", "auto"])
def test_gguf_dtypes(dtype, tiny_gguf):
    """dtype applies as each tensor is dequantised; "auto" means float32 (GGUF dequantises to it)."""
    path, state = tiny_gguf
    model = LlamaForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=dtype)
    expected = torch.float32 if dtype == "auto" else getattr(torch, dtype)
    assert model.dtype == expected and model.model.norm.weight.dtype == expected
    torch.testing.assert_close(model.model.norm.weight.float(), state["model.norm.weight"], atol=1e-2, rtol=0)
