"""Configuration of the sinusoidal-position transformer encoder for text classification.

The module travels to the Hub with the model (``trust_remote_code``): it imports transformers and
the standard library only.
"""

import inspect
import json
import textwrap
from typing import ClassVar

from transformers import PretrainedConfig

_ACTIVATIONS = ("relu", "gelu", "gelu_new", "silu", "tanh")
_LAYER_NORM_POSITIONS = ("post", "pre")
_POOLING_MODES = ("mean", "mean_max")


class SinCosClsConfigError(ValueError):
    """A config field whose value cannot build a model; the message names the field and the value.
    Raised where a config.json is read too, so the package's commands report it as bad input
    (``errors.loading_errors``), not as a crash."""


class SinCosClsConfig(PretrainedConfig):
    r"""
    Every number and switch of the blog's encoder (rules 1-11 of the rule table in ``model_card.md``), under the names
    transformers uses. The defaults are the blog's, except where noted. ``Args`` below is written from ``field_help``
    and the signature of ``__init__``.
    """

    model_type = "sincos_cls"
    # One line of help per field, for this docstring's Args and the training job's flags (a class
    # attribute: config.json never holds it).
    field_help: ClassVar[dict[str, str]] = {
        "vocab_size": "Rows of the word-embedding matrix, ``[PAD]`` included (rule 2: ``vocab + 1``).",
        "hidden_size": "``d_model``: the width of every block (rule 10).",
        "num_hidden_layers": "Number of encoder blocks (rule 5).",
        "num_attention_heads": "Heads per attention layer; must divide ``hidden_size``.",
        "intermediate_size": "Width of the feed-forward layer (the blog uses ``4 * d_model``).",
        "hidden_act": "Activation of the feed-forward layer.",
        "hidden_dropout_prob": "Dropout on embeddings + positions and on each sub-layer's output (rules 4, 5).",
        "attention_probs_dropout_prob": "Dropout on the attention weights; the blog has none.",
        "max_position_embeddings": "Longest input the model accepts (rule 1, ``MAX_LEN``).",
        "layer_norm_eps": "The blog's ``K.epsilon() ** 2`` (rule 6).",
        "pad_token_id": "Id 0 is padding (rule 1).",
        "classifier_dropout": "Dropout on the pooled vector before the classifier (rule 7).",
        "initializer_range": "Std of the normal init of the word embeddings and the embedding projection; the blocks "
                             "use glorot init as in the blog.",
        "type_vocab_size": "Segment embeddings for sentence pairs; 0 (the blog) adds none and ignores "
                           "``token_type_ids``.",
        "embedding_size": "Width of the word vectors (GloVe comes 50-300 wide). ``None`` means ``hidden_size``. When "
                          "it differs from ``hidden_size`` a learned linear projection maps it.",
        "attention_projection_act": "Activation applied to Q, K, V and the output projection (rule 5; the blog's "
                                    "layer uses ``activation='relu'``). ``None`` gives the paper's linear projections.",
        "layer_norm_affine": "``False`` reproduces the blog's LayerNorm, whose gamma and beta are never built (rule "
                             "6): no learned parameters. ``True`` gives the paper's learned gain and bias.",
        "layer_norm_position": '``"post"`` as the blog (``LN(x + f(x))``); ``"pre"`` (``x + f(LN(x))``, with a final '
                               "LayerNorm) is the fix the blog suggests when training does not converge (rule 9).",
        "pooling_layers": "The outputs of this many last blocks are summed, then averaged over positions (rule 7: "
                          "``Add([O4, O5, O6])`` then ``GlobalAveragePooling1D``).",
        "pooling_mode": '``"mean"`` as the blog (rule 7); ``"mean_max"`` (not in the blog) adds to the mean each '
                        "feature's largest value over the real positions, so that a few decisive phrases count.",
        "mask_padding": "``True`` keeps padding out of attention and out of the mean, so a sentence's prediction does "
                        "not depend on what it is batched with. ``False`` reproduces the blog (rule 7), which attends "
                        "to padding and averages it in. Not the blog's default: see the model card for why and for "
                        "the measurements.",
        "word_dropout_prob": "In training, the share of tokens whose word vector is replaced by zeros before the "
                             "projection (word dropout, as in Iyyer et al.'s deep averaging networks); positions "
                             "stay. Not in the blog.",
        "sparse_prediction": "Masked-language-model pre-training only (``SinCosClsForMaskedLM``): with labels, score "
                             "the vocabulary at the masked positions alone and return logits for those rows only, as "
                             "ModernBERT does. Saves most of a pre-training step's time; the classification model "
                             "ignores it.",
        "ngram_bag_buckets": "Rows of a linear bag of n-grams beside the encoder (rule 11; fastText's, not the blog's):"
                             " "
                             "each run of 1 to ``ngram_bag_order`` tokens is hashed to one row of per-label weights, "
                             "and a text's rows, each weighted 1/sqrt(its length), are added to the logits. ``0`` "
                             "(the blog) builds none.",
        "ngram_bag_order": "The longest n-gram the bag counts, in tokens (1 to 4).",
        "multi_label_threshold": 'Multi-label classification only (``problem_type="multi_label_classification"``): a '
                                 "label applies where its sigmoid score is at least this. The training job sets it to "
                                 "the value with the best micro-F1 on the validation split. Not in the blog.",
    }

    def __init__(
        self,
        vocab_size: int = 30000,
        hidden_size: int = 512,
        num_hidden_layers: int = 6,
        num_attention_heads: int = 8,
        intermediate_size: int = 2048,
        hidden_act: str = "relu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.0,
        max_position_embeddings: int = 512,
        layer_norm_eps: float = 1e-14,
        pad_token_id: int = 0,
        classifier_dropout: float = 0.1,
        initializer_range: float = 0.02,
        type_vocab_size: int = 0,
        embedding_size: int | None = None,
        attention_projection_act: str | None = "relu",
        layer_norm_affine: bool = False,
        layer_norm_position: str = "post",
        pooling_layers: int = 3,
        pooling_mode: str = "mean",
        mask_padding: bool = True,
        word_dropout_prob: float = 0.0,
        sparse_prediction: bool = False,
        ngram_bag_buckets: int = 0,
        ngram_bag_order: int = 2,
        multi_label_threshold: float = 0.5,
        **kwargs,
    ):
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.layer_norm_eps = layer_norm_eps
        self.classifier_dropout = classifier_dropout
        self.initializer_range = initializer_range
        self.type_vocab_size = type_vocab_size
        self.embedding_size = hidden_size if embedding_size is None else embedding_size
        self.attention_projection_act = attention_projection_act
        self.layer_norm_affine = layer_norm_affine
        self.layer_norm_position = layer_norm_position
        self.pooling_layers = pooling_layers
        self.pooling_mode = pooling_mode
        self.mask_padding = mask_padding
        self.word_dropout_prob = word_dropout_prob
        self.sparse_prediction = sparse_prediction
        self.ngram_bag_buckets = ngram_bag_buckets
        self.ngram_bag_order = ngram_bag_order
        self.multi_label_threshold = multi_label_threshold
        super().__init__(pad_token_id=pad_token_id, **kwargs)
        self._validate()

    def _validate(self):
        """Raise a ``SinCosClsConfigError`` naming the first field whose value cannot build a model."""

        def fail(field, message):
            raise SinCosClsConfigError(f"SinCosClsConfig.{field}={getattr(self, field)!r}: {message}")

        for field in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                      "intermediate_size", "max_position_embeddings", "embedding_size"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                fail(field, "must be a positive integer")
        if self.hidden_size % self.num_attention_heads:
            fail("hidden_size", f"must be divisible by num_attention_heads={self.num_attention_heads}")
        if self.hidden_size % 2:
            fail("hidden_size", "must be even: the sinusoid table pairs sin and cos (rule 3)")
        for field in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout", "word_dropout_prob"):
            value = getattr(self, field)
            if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
                fail(field, "must be a probability in [0, 1)")
        threshold = self.multi_label_threshold
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not 0.0 < threshold < 1.0:
            fail("multi_label_threshold", "must be a score between 0 and 1")
        if not isinstance(self.layer_norm_eps, (int, float)) or self.layer_norm_eps < 0:
            fail("layer_norm_eps", "must be a non-negative number")
        if self.hidden_act not in _ACTIVATIONS:
            fail("hidden_act", f"unknown activation; choose one of {_ACTIVATIONS}")
        if self.attention_projection_act is not None and self.attention_projection_act not in _ACTIVATIONS:
            fail("attention_projection_act", f"unknown activation; choose None or one of {_ACTIVATIONS}")
        if self.pooling_mode not in _POOLING_MODES:
            fail("pooling_mode", f"choose one of {_POOLING_MODES}")
        if self.layer_norm_position not in _LAYER_NORM_POSITIONS:
            fail("layer_norm_position", f"choose one of {_LAYER_NORM_POSITIONS}")
        for field in ("layer_norm_affine", "mask_padding", "sparse_prediction"):
            if not isinstance(getattr(self, field), bool):
                fail(field, "must be True or False")
        if (isinstance(self.pooling_layers, bool) or not isinstance(self.pooling_layers, int)
                or not 1 <= self.pooling_layers <= self.num_hidden_layers):
            fail("pooling_layers", f"must be an integer from 1 to num_hidden_layers={self.num_hidden_layers}")
        if isinstance(self.type_vocab_size, bool) or not isinstance(self.type_vocab_size, int) or self.type_vocab_size < 0:
            fail("type_vocab_size", "must be a non-negative integer (0: no segment embeddings)")
        if isinstance(self.ngram_bag_buckets, bool) or not isinstance(self.ngram_bag_buckets, int) or (
                self.ngram_bag_buckets < 0):
            fail("ngram_bag_buckets", "must be a non-negative integer (0: no n-gram bag)")
        if isinstance(self.ngram_bag_order, bool) or self.ngram_bag_order not in (1, 2, 3, 4):
            fail("ngram_bag_order", "must be 1, 2, 3 or 4")
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            fail("pad_token_id", f"must be an id below vocab_size={self.vocab_size}")


def _args_section(config_class) -> str:
    """The docstring's ``Args``: each field's type and default as ``__init__`` declares them, and
    its text from ``field_help``."""
    lines = ["", "    Args:"]
    for name, parameter in inspect.signature(config_class.__init__).parameters.items():
        if name in ("self", "kwargs"):
            continue
        kinds = getattr(parameter.annotation, "__args__", (parameter.annotation,))
        named = [kind.__name__ for kind in kinds if kind is not type(None)]
        facts = [f"`{named[0]}`"] + (["*optional*"] if len(named) < len(kinds) else [])
        default = parameter.default
        if default is not None:
            facts.append(f"defaults to `{json.dumps(default)}`" if isinstance(default, str)
                         else f"defaults to `{default}`" if isinstance(default, bool) else f"defaults to {default!r}")
        lines.append(f"        {name} ({', '.join(facts)}):")
        lines.append(textwrap.fill(config_class.field_help.get(name, ""), width=112, initial_indent=" " * 12,
                                   subsequent_indent=" " * 12, break_on_hyphens=False))
    return "\n".join(lines) + "\n"


SinCosClsConfig.__doc__ = SinCosClsConfig.__doc__.rstrip() + "\n" + _args_section(SinCosClsConfig)

__all__ = ["SinCosClsConfig", "SinCosClsConfigError"]
