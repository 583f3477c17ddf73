"""PyTorch port of the blog's Keras transformer encoder for text classification.

Top to bottom in the order data flows; ``rule N`` points at the rule table of ``model_card.md``
("Architecture, rule by rule").
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import SafetensorError
from torch import nn
from transformers import PreTrainedModel
from transformers.activations import ACT2FN
from transformers.modeling_outputs import BaseModelOutputWithPooling, MaskedLMOutput, SequenceClassifierOutput
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
from transformers.utils import is_torchdynamo_compiling, is_torchdynamo_exporting, logging

try:  # transformers >= 5: these skip tensors already loaded from a checkpoint
    from transformers import initialization as init
except ImportError:  # transformers 4.x
    from torch.nn import init

try:
    from transformers.modeling_layers import GradientCheckpointingLayer
except ImportError:  # transformers < 4.52
    GradientCheckpointingLayer = nn.Module

try:
    from torch.nn.attention import SDPBackend, sdpa_kernel
except ImportError:  # torch < 2.3
    sdpa_kernel = None

from .configuration_sincos_cls import SinCosClsConfig

logger = logging.get_logger(__name__)

# The positions the float32 sinusoid table holds (its angles err by about position * 6e-8 rad: 0.004,
# a bf16 rounding, at 2^16): the model reads at most this many tokens whatever config.json says.
MAX_SINUSOID_POSITIONS = 2**16


def sinusoidal_position_encoding(length: int, dim: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """The (length, dim) table of rule 3: angle ``p / 10000^(2i/dim)``, laid out
    interleaved as ``[sin a0, cos a0, sin a1, cos a1, ...]``."""
    if dim % 2:
        raise ValueError(f"sinusoidal_position_encoding: dim={dim} must be even")
    position = torch.arange(length, dtype=torch.float32, device=device)
    inv_freq = torch.pow(10000.0, -torch.arange(0, dim, 2, dtype=torch.float32, device=device) / dim)
    angles = torch.outer(position, inv_freq)  # (length, dim / 2)
    return torch.stack((angles.sin(), angles.cos()), dim=-1).reshape(length, dim).to(dtype)


class SinCosClsLayerNorm(nn.Module):
    """LayerNorm over the last axis; without ``affine`` it has no parameters (rule 6)."""

    def __init__(self, hidden_size: int, eps: float, affine: bool):
        super().__init__()
        self.hidden_size = hidden_size
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(hidden_size)) if affine else None
        self.bias = nn.Parameter(torch.zeros(hidden_size)) if affine else None

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(hidden_states, (self.hidden_size,), self.weight, self.bias, self.eps)


class SinCosClsEmbeddings(nn.Module):
    """Word vectors (some zeroed in training with ``word_dropout_prob``; projected to ``hidden_size``
    if narrower), plus the sinusoid table, then dropout."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(config.vocab_size, config.embedding_size)
        # GloVe is 50-300 wide; the blocks need hidden_size (rule 10).
        projected = config.embedding_size != config.hidden_size
        self.projection = nn.Linear(config.embedding_size, config.hidden_size) if projected else None
        types = config.type_vocab_size
        self.token_type_embeddings = nn.Embedding(types, config.hidden_size) if types else None
        self.dropout = nn.Dropout(config.hidden_dropout_prob)
        self.word_dropout_prob = config.word_dropout_prob

    def forward(self, input_ids=None, token_type_ids=None, inputs_embeds=None) -> torch.Tensor:
        if inputs_embeds is None:
            inputs_embeds = self.word_embeddings(input_ids)  # (bs, seq_len, embedding_size)
        if self.training and self.word_dropout_prob > 0:  # whole word vectors become zeros
            dropped = torch.rand(inputs_embeds.shape[:2], device=inputs_embeds.device) < self.word_dropout_prob
            inputs_embeds = inputs_embeds.masked_fill(dropped[..., None], 0.0)
        if self.projection is not None:
            inputs_embeds = self.projection(inputs_embeds)  # (bs, seq_len, hidden_size)
        seq_len, dim = inputs_embeds.shape[1], inputs_embeds.shape[2]
        # Per call, not a buffer: a few microseconds, and nothing for from_pretrained to leave unset.
        embeddings = inputs_embeds + sinusoidal_position_encoding(
            seq_len, dim, device=inputs_embeds.device, dtype=inputs_embeds.dtype
        )
        if self.token_type_embeddings is not None and token_type_ids is not None:
            embeddings = embeddings + self.token_type_embeddings(token_type_ids)
        return self.dropout(embeddings)


def eager_attention_forward(module, query, key, value, attention_mask, scaling, dropout=0.0, **kwargs):
    """Softmax(Q K^T * scaling) V over the keys a boolean ``attention_mask`` keeps, and the weights."""
    scores = torch.matmul(query, key.transpose(2, 3)) * scaling  # (bs, heads, seq_len, seq_len)
    if attention_mask is not None:
        scores = scores.masked_fill(~attention_mask, torch.finfo(scores.dtype).min)
    weights = F.softmax(scores, dim=-1, dtype=torch.float32).to(query.dtype)
    weights = F.dropout(weights, p=dropout, training=module.training)
    output = torch.matmul(weights, value).transpose(1, 2).contiguous()
    return output, weights


def _sdpa_backend(query: torch.Tensor):
    """torch's sdpa kernel choice, except the plain math kernel when training on CPU in bf16/fp16,
    where the fused kernel's backward is slower (26.1 against 20.2 ms a recipe-size step on 2
    cores, ``scripts/profile_training_step.py``)."""
    if (sdpa_kernel is not None and query.device.type == "cpu" and query.requires_grad
            and query.dtype in (torch.bfloat16, torch.float16)):
        return sdpa_kernel([SDPBackend.MATH])
    return nullcontext()


class SinCosClsSelfAttention(nn.Module):
    """Multi-head self-attention with the blog's activated projections (rule 5)."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__()
        self.config = config
        self.num_heads = config.num_attention_heads
        self.head_dim = config.hidden_size // config.num_attention_heads
        self.scaling = self.head_dim**-0.5
        self.is_causal = False
        self.qkv = nn.Linear(config.hidden_size, 3 * config.hidden_size)  # the blog's Wq, Wk, Wv in one matmul
        self.out_proj = nn.Linear(config.hidden_size, config.hidden_size)
        self.qkv.glorot_normal_split, self.out_proj.glorot_normal_split = 3, 1  # read by _init_weights
        act = config.attention_projection_act  # rule 5: the blog's ReLU on Q, K, V and the output projection
        self.projection_act = ACT2FN[act] if act is not None else nn.Identity()

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        bs, seq_len, hidden = hidden_states.shape
        qkv = self.projection_act(self.qkv(hidden_states))
        qkv = qkv.view(bs, seq_len, 3, self.num_heads, self.head_dim).permute(2, 0, 3, 1, 4)
        query, key, value = qkv.unbind(0)  # each (bs, heads, seq_len, head_dim)

        # Spelled as transformers' models spell it: set_attn_implementation looks for these patterns.
        if output_attentions or self.config._attn_implementation in (None, "eager"):
            attention = eager_attention_forward  # only eager materialises the weights
        elif hasattr(ALL_ATTENTION_FUNCTIONS, "get_interface"):  # transformers >= 5
            attention = ALL_ATTENTION_FUNCTIONS.get_interface(self.config._attn_implementation, eager_attention_forward)
        else:  # transformers 4.x
            attention = ALL_ATTENTION_FUNCTIONS[self.config._attn_implementation]
        with _sdpa_backend(query) if attention is not eager_attention_forward else nullcontext():
            output, weights = attention(self, query, key, value, attention_mask, scaling=self.scaling,
                                        dropout=self.config.attention_probs_dropout_prob if self.training else 0.0)
        output = output.reshape(bs, seq_len, hidden)  # merge heads
        return self.projection_act(self.out_proj(output)), weights


class SinCosClsFeedForward(nn.Module):
    """Dense(intermediate, act) then Dense(hidden)."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__()
        self.intermediate = nn.Linear(config.hidden_size, config.intermediate_size)
        self.act = ACT2FN[config.hidden_act]
        self.output = nn.Linear(config.intermediate_size, config.hidden_size)

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        return self.output(self.act(self.intermediate(hidden_states)))


class SinCosClsBlock(GradientCheckpointingLayer):
    """Attention and feed-forward, each with dropout, residual add and LayerNorm (rule 5)."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__()
        self.pre_norm = config.layer_norm_position == "pre"
        self.attention = SinCosClsSelfAttention(config)
        self.attention_norm = SinCosClsLayerNorm(config.hidden_size, config.layer_norm_eps, config.layer_norm_affine)
        self.feed_forward = SinCosClsFeedForward(config)
        self.output_norm = SinCosClsLayerNorm(config.hidden_size, config.layer_norm_eps, config.layer_norm_affine)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, attention_mask=None, output_attentions=False):
        if self.pre_norm:  # x + f(LN(x)): the fix the blog suggests (rule 9)
            attended, weights = self.attention(self.attention_norm(hidden_states), attention_mask, output_attentions)
            hidden_states = hidden_states + self.dropout(attended)
            hidden_states = hidden_states + self.dropout(self.feed_forward(self.output_norm(hidden_states)))
        else:  # LN(x + f(x)): the blog
            attended, weights = self.attention(hidden_states, attention_mask, output_attentions)
            hidden_states = self.attention_norm(hidden_states + self.dropout(attended))
            hidden_states = self.output_norm(hidden_states + self.dropout(self.feed_forward(hidden_states)))
        return hidden_states, weights


# Module paths in a saved folder. register_for_auto_class writes AutoConfig and the saving class alone
# (4.57 and 5.24), so a classifier's folder would not load with AutoModel or AutoModelForMaskedLM.
_AUTO_MAP = {
    "AutoConfig": "configuration_sincos_cls.SinCosClsConfig",
    "AutoModel": "modeling_sincos_cls.SinCosClsModel",
    "AutoModelForSequenceClassification": "modeling_sincos_cls.SinCosClsForSequenceClassification",
    "AutoModelForMaskedLM": "modeling_sincos_cls.SinCosClsForMaskedLM",
}


def saved_tokenizer_max_length(folder, subfolder: str = "") -> int | None:
    """The ``model_max_length`` in a local ``folder``'s ``tokenizer_config.json``; None for a Hub name or none."""
    if folder is None:
        return None
    path = Path(folder, subfolder or "", "tokenizer_config.json")
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("model_max_length")
    except (OSError, ValueError, AttributeError):  # none, or damaged: the tokenizer's loader names it
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _reads_values(tensor: torch.Tensor) -> bool:
    """Whether ``forward`` may read ``tensor``'s values to check them: in eager mode on CPU (not on an
    accelerator, where a read waits for the queue, nor where values are symbolic: export, compile, tracing)."""
    return tensor.device.type == "cpu" and not (
        is_torchdynamo_compiling() or is_torchdynamo_exporting() or torch.jit.is_tracing())


def _out_of_range(tensor: torch.Tensor, size: int) -> int | None:
    """A value of ``tensor`` outside ``[0, size)`` (its minimum if negative, else its maximum), or None;
    None too where ``_reads_values`` says no."""
    if not tensor.numel() or not _reads_values(tensor):
        return None
    low, high = int(tensor.min()), int(tensor.max())
    return low if low < 0 else high if high >= size else None


class SinCosClsPreTrainedModel(PreTrainedModel):
    """Weight init, attention dispatch and loading for the models below."""

    config_class = SinCosClsConfig
    base_model_prefix = "model"
    supports_gradient_checkpointing = True
    _supports_sdpa = True
    _no_split_modules = ["SinCosClsBlock"]
    # The loss is the batch mean: Trainer must not rescale it by a global token count (DDP would double it).
    accepts_loss_kwargs = False

    @torch.no_grad()
    def _init_weights(self, module):
        """The blog's Keras initialisers: glorot-normal attention kernels, glorot-uniform Dense
        kernels, zero biases; normal(initializer_range) word vectors with a zero ``[PAD]`` row."""
        if isinstance(module, nn.Linear):
            split = getattr(module, "glorot_normal_split", None)
            if split:  # attention: glorot-normal per (hidden, hidden) kernel, as if Wq, Wk, Wv were apart
                init.normal_(module.weight, mean=0.0, std=(2.0 / (module.in_features + module.out_features / split)) ** 0.5)
            else:
                init.xavier_uniform_(module.weight)
            if module.bias is not None:
                init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            init.normal_(module.weight, mean=0.0, std=self.config.initializer_range)
            pad = self.config.pad_token_id
            loaded = getattr(module.weight, "_is_hf_initialized", False)
            if pad is not None and module is self.get_input_embeddings() and not loaded:
                module.weight[pad].zero_()
        elif isinstance(module, SinCosClsLayerNorm) and module.weight is not None:
            init.ones_(module.weight)
            init.zeros_(module.bias)
        elif isinstance(module, SinCosClsForMaskedLM):
            init.zeros_(module.decoder_bias)
        elif isinstance(module, SinCosClsNgramBag):
            init.zeros_(module.weight)

    @classmethod
    def from_pretrained(cls, pretrained_model_name_or_path, *args, **kwargs):
        """transformers' loader, from safetensors only (``use_safetensors=False`` allows a ``.bin``),
        naming a damaged weights file; a local folder's tokenizer caps the tokens read (``max_input_tokens``)."""
        kwargs.setdefault("use_safetensors", True)
        try:
            loaded = super().from_pretrained(pretrained_model_name_or_path, *args, **kwargs)
        except SafetensorError as error:
            raise OSError(f"the weights of {pretrained_model_name_or_path} could not be read: model.safetensors is "
                          f"damaged or truncated ({error}); save or download it again") from error
        except RuntimeError as error:  # 4.x: torch's "size mismatch" message; 5.x its own
            text = str(error)
            if "size mismatch" not in text and "ignore_mismatched_sizes" not in text:
                raise
            detail = next((line.strip() for line in text.splitlines() if "size mismatch" in line or "shape" in line),
                          text.splitlines()[0] if text else "")
            raise RuntimeError(f"the weights of {pretrained_model_name_or_path} do not fit its config ({detail}); pass "
                               "ignore_mismatched_sizes=True to start the mismatched layers afresh (e.g. a classifier "
                               "for another number of labels), or correct config.json") from error
        model = loaded[0] if isinstance(loaded, tuple) else loaded  # a tuple with output_loading_info=True
        model.base_model.tokenizer_max_length = saved_tokenizer_max_length(
            pretrained_model_name_or_path, kwargs.get("subfolder", ""))
        return loaded

    def save_pretrained(self, save_directory, *args, **kwargs):
        """Save as transformers does, with an ``auto_map`` naming the config and both models, so
        one folder (or Hub repo) serves AutoModel and AutoModelForSequenceClassification."""
        self.config.auto_map = {**(getattr(self.config, "auto_map", None) or {}), **_AUTO_MAP}
        return super().save_pretrained(save_directory, *args, **kwargs)


class SinCosClsModel(SinCosClsPreTrainedModel):
    """The encoder: embeddings, N blocks, and the pooled sum of the last blocks (rules 1-7)."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__(config)
        self.embeddings = SinCosClsEmbeddings(config)
        self.layers = nn.ModuleList([SinCosClsBlock(config) for _ in range(config.num_hidden_layers)])
        # Pre-LN leaves the residual stream un-normalised; a last LayerNorm puts it back on scale.
        self.final_norm = (SinCosClsLayerNorm(config.hidden_size, config.layer_norm_eps, config.layer_norm_affine)
                           if config.layer_norm_position == "pre" else None)
        self.gradient_checkpointing = False
        # from_pretrained sets it from the folder's tokenizer; see max_input_tokens.
        self.tokenizer_max_length: int | None = None
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding):
        self.embeddings.word_embeddings = value

    def max_input_tokens(self) -> tuple[int, str]:
        """The most tokens ``forward`` reads and what sets it: ``max_position_embeddings``, or less where the
        tokenizer saved beside the weights or the sinusoid table (``MAX_SINUSOID_POSITIONS``) says less."""
        positions = self.config.max_position_embeddings
        limits = [(positions, f"max_position_embeddings={positions}")]
        if self.tokenizer_max_length is not None:
            limits.append((self.tokenizer_max_length, f"{self.tokenizer_max_length}, the tokenizer's model_max_length "
                                                      f"(max_position_embeddings={positions} is more)"))
        limits.append((MAX_SINUSOID_POSITIONS, f"{MAX_SINUSOID_POSITIONS}, what the sinusoid table holds "
                                               f"(max_position_embeddings={positions} is more)"))
        return min(limits, key=lambda limit: limit[0])  # a tie names max_position_embeddings

    def _prepare_inputs(self, input_ids, inputs_embeds, attention_mask, token_type_ids):
        """Check the inputs with errors that name the problem (ids only where ``_reads_values``); a sequence
        over ``max_input_tokens`` is cut with a warning, an empty one reads as one masked ``[PAD]``."""
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("pass exactly one of input_ids or inputs_embeds")
        given = input_ids if input_ids is not None else inputs_embeds
        if given.dim() != (2 if input_ids is not None else 3):
            raise ValueError(f"input_ids must be 2-D (batch, seq_len); got shape {tuple(given.shape)}")
        shape = tuple(given.shape[:2])
        for name, tensor in (("attention_mask", attention_mask), ("token_type_ids", token_type_ids)):
            if tensor is not None and tuple(tensor.shape) != shape:
                raise ValueError(f"{name} has shape {tuple(tensor.shape)}, input_ids has {shape}")
        limit, named = self.max_input_tokens()
        if shape[1] > limit:
            logger.warning_once(
                f"input of {shape[1]} tokens cut to {named}; "
                "pass truncation=True to the tokenizer or pipeline to choose where"
            )
            input_ids, inputs_embeds, attention_mask, token_type_ids = (
                t[:, :limit] if t is not None else None for t in (input_ids, inputs_embeds, attention_mask, token_type_ids)
            )
        if shape[1] == 0:
            pad = self.config.pad_token_id or 0
            device = given.device
            input_ids = torch.full((shape[0], 1), pad, dtype=torch.long, device=device) if input_ids is not None else None
            inputs_embeds = inputs_embeds.new_zeros(shape[0], 1, inputs_embeds.shape[-1]) if inputs_embeds is not None else None
            attention_mask = torch.zeros(shape[0], 1, dtype=torch.long, device=device)
            token_type_ids = None
        bad = _out_of_range(input_ids, self.config.vocab_size) if input_ids is not None else None
        if bad is not None:
            raise ValueError(f"input_ids holds id {bad}, outside [0, vocab_size={self.config.vocab_size})")
        if token_type_ids is not None and self.config.type_vocab_size and (
                _out_of_range(token_type_ids, self.config.type_vocab_size) is not None):
            raise ValueError(f"token_type_ids must lie in [0, type_vocab_size={self.config.type_vocab_size})")
        return input_ids, inputs_embeds, attention_mask, token_type_ids

    def forward(self, input_ids: torch.LongTensor | None = None, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.LongTensor | None = None, inputs_embeds: torch.Tensor | None = None,
                output_attentions: bool | None = None, output_hidden_states: bool | None = None,
                return_dict: bool | None = None, **kwargs) -> BaseModelOutputWithPooling | tuple:
        """``last_hidden_state`` is the last block's output; ``pooler_output`` is the mean over
        positions of the sum of the last ``pooling_layers`` blocks' outputs (rule 7)."""
        output_attentions = output_attentions if output_attentions is not None else self.config.output_attentions
        if output_hidden_states is None:
            output_hidden_states = self.config.output_hidden_states
        return_dict = return_dict if return_dict is not None else getattr(self.config, "return_dict", True)
        input_ids, inputs_embeds, attention_mask, token_type_ids = self._prepare_inputs(
            input_ids, inputs_embeds, attention_mask, token_type_ids
        )

        hidden_states = self.embeddings(input_ids, token_type_ids, inputs_embeds)  # (bs, seq_len, hidden)

        # Rule 7: the blog masks nothing. With mask_padding the mask is built once here and
        # shared by every block; a batch without padding needs none, where asking is free.
        keep = None
        if self.config.mask_padding and attention_mask is not None and not (
                _reads_values(attention_mask) and bool(attention_mask.all())):
            keep = attention_mask.bool()  # (bs, seq_len), True = real token
        # Boolean, so sdpa takes it whatever the compute dtype (a float mask must match bf16).
        key_mask = keep[:, None, None, :] if keep is not None else None  # (bs, 1, 1, seq_len)

        all_hidden_states = (hidden_states,) if output_hidden_states else None
        all_attentions = () if output_attentions else None
        pooled_sum = None
        first_pooled = len(self.layers) - self.config.pooling_layers
        for index, block in enumerate(self.layers):
            hidden_states, weights = block(hidden_states, key_mask, output_attentions)
            if index >= first_pooled:  # rule 7: Add([O4, O5, O6])
                pooled_sum = hidden_states if pooled_sum is None else pooled_sum + hidden_states
            if output_hidden_states:
                all_hidden_states += (hidden_states,)
            if output_attentions:
                all_attentions += (weights,)

        if self.final_norm is not None:
            hidden_states = self.final_norm(hidden_states)
            pooled_sum = self.final_norm(pooled_sum)
        if keep is None:  # GlobalAveragePooling1D
            pooled = pooled_sum.mean(dim=1)
        else:  # mean over real tokens only
            weights = keep.to(pooled_sum.dtype)[..., None]  # (bs, seq_len, 1)
            pooled = (pooled_sum * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1.0)
        if self.config.pooling_mode == "mean_max":  # plus each feature's largest value over real positions
            low = torch.finfo(pooled_sum.dtype).min
            top = (pooled_sum if keep is None else pooled_sum.masked_fill(~keep[..., None], low)).amax(dim=1)
            pooled = pooled + (top if keep is None else torch.where(keep.any(dim=1, keepdim=True), top, 0.0))

        if not return_dict:
            return tuple(v for v in (hidden_states, pooled, all_hidden_states, all_attentions) if v is not None)
        return BaseModelOutputWithPooling(last_hidden_state=hidden_states, pooler_output=pooled,
                                          hidden_states=all_hidden_states, attentions=all_attentions)


# The n-gram bag's hash: an n-gram's code is its (n-1)-gram's times a prime, plus the next id, kept
# below 2^31 (so the product stays well inside int64); then its row is the code mod the buckets.
_NGRAM_PRIME, _NGRAM_MODULUS = 1_000_003, 2**31 - 1


class SinCosClsNgramBag(nn.Module):
    """Rule 11, not in the blog: a linear bag of hashed n-grams (fastText's classifier) whose per-label
    scores are added to the encoder's logits. Each run of 1 to ``ngram_bag_order`` real tokens (not
    ``[PAD]``, not masked) adds its row, weighted 1/sqrt(the text's real tokens); the rows start at
    zero, so training starts from the encoder alone. Integer ops on the ids, which export to ONNX."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__()
        self.order, self.pad_token_id = config.ngram_bag_order, config.pad_token_id
        self.weight = nn.Parameter(torch.zeros(config.ngram_bag_buckets, config.num_labels))

    def ngram_scores(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> list[torch.Tensor]:
        """For n = 1 .. order, each n-gram's weighted scores by its first position, (bs, seq_len - n + 1,
        num_labels): zero where one of its tokens is not real. ``forward`` is their sum."""
        ids = input_ids.long()
        real = ids != self.pad_token_id if self.pad_token_id is not None else torch.ones_like(ids, dtype=torch.bool)
        real = real if attention_mask is None else real & attention_mask.bool()
        scale = real.sum(dim=1).clamp(min=1).to(self.weight.dtype).rsqrt()[:, None, None]  # (bs, 1, 1)
        codes, kept, scores = ids, real, []
        for n in range(1, self.order + 1):
            if n > 1:  # the n-gram starting at each position
                codes = (codes[:, :-1] * _NGRAM_PRIME + ids[:, n - 1:]) % _NGRAM_MODULUS
                kept = kept[:, :-1] & real[:, n - 1:]
            rows = F.embedding(codes % self.weight.shape[0], self.weight)  # (bs, seq_len - n + 1, num_labels)
            scores.append(rows * (kept[..., None].to(rows.dtype) * scale))
        return scores

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        return sum(score.sum(dim=1) for score in self.ngram_scores(input_ids, attention_mask))


class SinCosClsForSequenceClassification(SinCosClsPreTrainedModel):
    """The encoder, dropout and a linear classifier on the pooled vector (rule 8), plus the n-gram bag
    (rule 11) where configured; the blog's softmax lives in the loss (and in ``pipeline``)."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.model = SinCosClsModel(config)
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.ngram_bag = SinCosClsNgramBag(config) if config.ngram_bag_buckets else None
        self.post_init()

    def forward(self, input_ids: torch.LongTensor | None = None, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.LongTensor | None = None, inputs_embeds: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, output_attentions: bool | None = None,
                output_hidden_states: bool | None = None, return_dict: bool | None = None,
                **kwargs) -> SequenceClassifierOutput | tuple:
        """Logits over ``num_labels``; with ``labels``, the loss that ``config.problem_type`` names."""
        return_dict = return_dict if return_dict is not None else getattr(self.config, "return_dict", True)
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                             inputs_embeds=inputs_embeds, output_attentions=output_attentions,
                             output_hidden_states=output_hidden_states, return_dict=True)
        logits = self.classifier(self.dropout(outputs.pooler_output))  # (bs, num_labels)
        if self.ngram_bag is not None:
            if input_ids is None:
                raise ValueError("config.ngram_bag_buckets: the n-gram bag reads input_ids; pass them, not "
                                 "inputs_embeds")
            read = outputs.last_hidden_state.shape[1]  # the encoder's cut (max_input_tokens)
            mask = None if attention_mask is None else attention_mask[:, :read]
            logits = logits + self.ngram_bag(input_ids[:, :read], mask)
        loss = self._loss(logits, labels) if labels is not None else None
        if not return_dict:
            rest = tuple(v for v in (outputs.hidden_states, outputs.attentions) if v is not None)
            return ((loss,) if loss is not None else ()) + (logits,) + rest
        return SequenceClassifierOutput(
            loss=loss, logits=logits, hidden_states=outputs.hidden_states, attentions=outputs.attentions
        )

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.config.problem_type is None:
            if self.num_labels == 1:
                self.config.problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                self.config.problem_type = "single_label_classification"
            else:
                self.config.problem_type = "multi_label_classification"
        problem = self.config.problem_type
        if problem == "regression":
            return F.mse_loss(logits.squeeze(-1), labels.to(logits.dtype).view(-1)) if self.num_labels == 1 else (
                F.mse_loss(logits, labels.to(logits.dtype))
            )
        if problem == "single_label_classification":
            labels = labels.view(-1)
            bad = _out_of_range(labels, self.num_labels)
            if bad is not None:
                raise ValueError(f"label {bad} is outside [0, num_labels={self.num_labels})")
            return F.cross_entropy(logits.view(-1, self.num_labels), labels)
        if problem == "multi_label_classification":
            if tuple(labels.shape) != tuple(logits.shape):
                raise ValueError(
                    f"multi-label labels must have shape {tuple(logits.shape)} (one 0/1 column per label); "
                    f"got {tuple(labels.shape)}"
                )
            return F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        raise ValueError(f"config.problem_type={problem!r} is not one of regression, "
                         "single_label_classification, multi_label_classification")


class SinCosClsForMaskedLM(SinCosClsPreTrainedModel):
    """A masked-language-model head to pre-train the encoder (not in the blog): each position mapped back to
    the word vectors' width and scored against the input embeddings (tied, as BERT's head is)."""

    def __init__(self, config: SinCosClsConfig):
        super().__init__(config)
        self.model = SinCosClsModel(config)
        self.transform = nn.Linear(config.hidden_size, config.embedding_size)
        self.transform_act = ACT2FN[config.hidden_act]
        self.transform_norm = SinCosClsLayerNorm(config.embedding_size, config.layer_norm_eps, affine=True)
        self.decoder_bias = nn.Parameter(torch.zeros(config.vocab_size))
        self.post_init()

    def resize_token_embeddings(self, *args, **kwargs) -> nn.Embedding:
        """transformers' resize of the word embeddings, plus the head's ``decoder_bias``: cut, or padded with zeros."""
        embeddings = super().resize_token_embeddings(*args, **kwargs)
        rows, old = embeddings.weight.shape[0], self.decoder_bias
        if old.shape[0] != rows:
            bias = old.detach().new_zeros(rows)
            kept = min(rows, old.shape[0])
            bias[:kept] = old.detach()[:kept]
            self.decoder_bias = nn.Parameter(bias, requires_grad=old.requires_grad)
        return embeddings

    def forward(self, input_ids: torch.LongTensor | None = None, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.LongTensor | None = None, inputs_embeds: torch.Tensor | None = None,
                labels: torch.LongTensor | None = None, output_attentions: bool | None = None,
                output_hidden_states: bool | None = None, return_dict: bool | None = None,
                **kwargs) -> MaskedLMOutput | tuple:
        """Logits (bs, seq_len, vocab_size); ``labels`` hold the original id where masked, -100 elsewhere.
        With ``config.sparse_prediction``, only the masked positions' logits, (n_masked, vocab_size)."""
        return_dict = return_dict if return_dict is not None else getattr(self.config, "return_dict", True)
        outputs = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids,
                             inputs_embeds=inputs_embeds, output_attentions=output_attentions,
                             output_hidden_states=output_hidden_states, return_dict=True)
        hidden_states = outputs.last_hidden_state  # (bs, seq_len, hidden)
        if labels is not None:
            labels = labels[:, : hidden_states.shape[1]]  # cut as the encoder cut an over-long input
            if tuple(labels.shape) != tuple(hidden_states.shape[:2]):
                raise ValueError(f"labels have shape {tuple(labels.shape)}, the input {tuple(hidden_states.shape[:2])}")
            if self.config.sparse_prediction:
                scored = labels != -100
                hidden_states, labels = hidden_states[scored], labels[scored]  # (n_masked, hidden)
        hidden_states = self.transform_norm(self.transform_act(self.transform(hidden_states)))
        logits = F.linear(hidden_states, self.model.get_input_embeddings().weight, self.decoder_bias)

        loss = None
        if labels is not None:
            scored = labels[labels != -100]
            bad = _out_of_range(scored, self.config.vocab_size)
            if bad is not None:
                raise ValueError(f"label {bad} is outside [0, vocab_size={self.config.vocab_size}) and is not -100")
            if scored.numel():
                loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
            else:  # nothing masked (a short text can draw none): no error, where the mean over none is NaN
                loss = logits.float().sum() * 0.0  # float: a half-precision sum can overflow to inf
        if not return_dict:
            rest = tuple(v for v in (outputs.hidden_states, outputs.attentions) if v is not None)
            return ((loss,) if loss is not None else ()) + (logits,) + rest
        return MaskedLMOutput(loss=loss, logits=logits, hidden_states=outputs.hidden_states,
                              attentions=outputs.attentions)


__all__ = ["MAX_SINUSOID_POSITIONS", "saved_tokenizer_max_length", "sinusoidal_position_encoding",
           "SinCosClsPreTrainedModel", "SinCosClsModel", "SinCosClsForMaskedLM", "SinCosClsForSequenceClassification"]
