"""Shared layers: activations against transformers, attention paths, masks, input checks, losses."""

from __future__ import annotations

import pytest
import torch

from lexica.errors import InputTooLongError, InvalidInputError, UnsupportedError
from lexica.models.layers import (
    ACTIVATIONS,
    RMSNorm,
    attention,
    causal_lm_loss,
    causal_mask,
    check_input_ids,
    get_activation,
    padding_mask,
    sequence_classification_loss,
)


def test_activations_match_transformers():
    activations = pytest.importorskip("transformers.activations")
    x = torch.linspace(-6, 6, 1001)
    for name in ACTIVATIONS:
        if name in activations.ACT2FN:
            torch.testing.assert_close(get_activation(name)(x), activations.ACT2FN[name](x), atol=1e-6, rtol=0,
                                       msg=name)


def test_unknown_activation_lists_choices():
    with pytest.raises(UnsupportedError, match=r"hidden_act: expected one of \[.*'gelu'.*\], found 'gelu9'"):
        get_activation("gelu9")


def test_eager_and_sdpa_agree_with_padding_and_gqa():
    g = torch.Generator().manual_seed(0)
    q = torch.randn(2, 4, 5, 8, generator=g)
    k, v = torch.randn(2, 2, 5, 8, generator=g), torch.randn(2, 2, 5, 8, generator=g)
    am = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    mask = padding_mask(am, q.dtype)
    for causal in (False, True):
        fast, none = attention(q, k, v, mask, is_causal=causal)
        slow, probs = attention(q, k, v, mask, is_causal=causal, output_attentions=True)
        assert none is None and probs.shape == (2, 4, 5, 5)
        torch.testing.assert_close(fast, slow, atol=1e-6, rtol=0)
        assert torch.all(probs[1, :, :, 3:] == 0)  # padded keys get no weight
        if causal:
            assert torch.all(probs[0].triu(1) == 0)


def test_causal_mask_with_cache_aligns_to_the_end():
    mask = causal_mask(None, 2, torch.float32, torch.device("cpu"), key_length=5)  # 3 cached + 2 new
    keep = mask[0, 0] == 0
    assert keep.tolist() == [[True, True, True, True, False], [True, True, True, True, True]]
    assert padding_mask(torch.ones(2, 3), torch.float32) is None


def test_check_input_ids():
    assert check_input_ids(torch.zeros(2, 3, dtype=torch.long), 8, "M") == (2, 3)
    with pytest.raises(InvalidInputError, match="batch dimension"):
        check_input_ids(torch.zeros(3, dtype=torch.long), 8, "M")
    with pytest.raises(InvalidInputError, match="expected shape"):
        check_input_ids((1, 2, 3), 8, "M")
    with pytest.raises(InputTooLongError, match=r"at most 8.*has 9.*max_length=8"):
        check_input_ids(torch.zeros(1, 9, dtype=torch.long), 8, "M")
    with pytest.raises(InputTooLongError):
        check_input_ids((1, 2), 8, "M", past_length=7)
    with pytest.raises(InvalidInputError, match="vocabulary"):
        check_input_ids(torch.tensor([[-1]]), 8, "M", vocab_size=5)


def test_sequence_classification_loss_problem_types():
    logits = torch.randn(3, 2)
    assert sequence_classification_loss(logits, torch.tensor([0, 1, 1]), 2, None)[1] == "single_label_classification"
    assert sequence_classification_loss(logits, torch.rand(3, 2), 2, None)[1] == "multi_label_classification"
    assert sequence_classification_loss(logits[:, :1], torch.rand(3), 1, None)[1] == "regression"


def test_causal_lm_loss_and_rmsnorm():
    logits = torch.randn(2, 4, 7)
    labels = torch.randint(0, 7, (2, 4))
    expected = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, 7), labels[:, 1:].reshape(-1))
    torch.testing.assert_close(causal_lm_loss(logits, labels), expected)
    x = torch.randn(2, 3, 6)
    y = RMSNorm(6, eps=1e-6)(x)
    torch.testing.assert_close(y, x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))
