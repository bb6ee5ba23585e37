"""lexica: tokenizers, Transformer models and heads, in readable Python, with parity to Hugging Face.

Public names are re-exported here explicitly (see ``__all__``). They load lazily, so that
``import lexica`` (and the CLI's tokenizer commands) does not pay for importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # errors
    "LexicaError": "lexica.errors",
    "ConfigError": "lexica.errors",
    "UnsupportedError": "lexica.errors",
    "CheckpointError": "lexica.errors",
    "TokenizerFileError": "lexica.errors",
    "InputTooLongError": "lexica.errors",
    "InvalidInputError": "lexica.errors",
    # tokenizer pipeline
    "Tokenizer": "lexica.tokenizers",
    "Encoding": "lexica.tokenizers",
    "AddedToken": "lexica.tokenizers",
    # high-level tokenizer (transformers API)
    "AutoTokenizer": "lexica.tokenization",
    "PreTrainedTokenizer": "lexica.tokenization",
    "PreTrainedTokenizerFast": "lexica.tokenization",
    "PreTrainedTokenizerBase": "lexica.tokenization",
    "BatchEncoding": "lexica.tokenization",
    # model infrastructure and Auto classes
    "PretrainedConfig": "lexica.models",
    "PreTrainedModel": "lexica.models",
    "AutoConfig": "lexica.auto",
    "AutoModel": "lexica.auto",
    "AutoModelForSequenceClassification": "lexica.auto",
    "AutoModelForTokenClassification": "lexica.auto",
    "AutoModelForQuestionAnswering": "lexica.auto",
    "AutoModelForMaskedLM": "lexica.auto",
    "AutoModelForCausalLM": "lexica.auto",
    "AutoModelForMultipleChoice": "lexica.auto",
    # model families
    "BertConfig": "lexica.models.bert",
    "BertModel": "lexica.models.bert",
    "BertPreTrainedModel": "lexica.models.bert",
    "BertForSequenceClassification": "lexica.models.bert",
    "BertForTokenClassification": "lexica.models.bert",
    "BertForQuestionAnswering": "lexica.models.bert",
    "BertForMaskedLM": "lexica.models.bert",
    "BertForMultipleChoice": "lexica.models.bert",
    "BertLMHeadModel": "lexica.models.bert",
    "DistilBertConfig": "lexica.models.distilbert",
    "DistilBertModel": "lexica.models.distilbert",
    "DistilBertPreTrainedModel": "lexica.models.distilbert",
    "DistilBertForSequenceClassification": "lexica.models.distilbert",
    "DistilBertForTokenClassification": "lexica.models.distilbert",
    "DistilBertForQuestionAnswering": "lexica.models.distilbert",
    "DistilBertForMaskedLM": "lexica.models.distilbert",
    "DistilBertForMultipleChoice": "lexica.models.distilbert",
    "RobertaConfig": "lexica.models.roberta",
    "RobertaModel": "lexica.models.roberta",
    "RobertaPreTrainedModel": "lexica.models.roberta",
    "RobertaForSequenceClassification": "lexica.models.roberta",
    "RobertaForTokenClassification": "lexica.models.roberta",
    "RobertaForQuestionAnswering": "lexica.models.roberta",
    "RobertaForMaskedLM": "lexica.models.roberta",
    "RobertaForMultipleChoice": "lexica.models.roberta",
    "RobertaForCausalLM": "lexica.models.roberta",
    "GPT2Config": "lexica.models.gpt2",
    "GPT2Model": "lexica.models.gpt2",
    "GPT2PreTrainedModel": "lexica.models.gpt2",
    "GPT2LMHeadModel": "lexica.models.gpt2",
    "GPT2ForSequenceClassification": "lexica.models.gpt2",
    "GPT2ForTokenClassification": "lexica.models.gpt2",
    "GPT2ForQuestionAnswering": "lexica.models.gpt2",
    "LlamaConfig": "lexica.models.llama",
    "LlamaModel": "lexica.models.llama",
    "LlamaPreTrainedModel": "lexica.models.llama",
    "LlamaForCausalLM": "lexica.models.llama",
    "LlamaForSequenceClassification": "lexica.models.llama",
    "LlamaForTokenClassification": "lexica.models.llama",
    "LlamaForQuestionAnswering": "lexica.models.llama",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'lexica' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
