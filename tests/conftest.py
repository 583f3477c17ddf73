"""Shared fixtures: tiny configs and a tiny word-level tokenizer, so the suite runs in minutes on 2 cores."""

import os
import subprocess
import sys
import textwrap

import pytest
import torch

from hf_sincos_cls import SinCosClsConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_config(**overrides) -> SinCosClsConfig:
    """A 2-block, 16-wide model; overrides pick the switch under test."""
    values = dict(
        vocab_size=40,
        hidden_size=16,
        num_hidden_layers=3,
        num_attention_heads=4,
        intermediate_size=64,
        max_position_embeddings=32,
        pooling_layers=2,
        num_labels=3,
    )
    values.update(overrides)
    return SinCosClsConfig(**values)


def tiny_tokenizer(words=("good", "bad", "movie", "plot", "fun", "dull", "the", "a")):
    """A WordLevel tokenizer with [PAD]=0, as a PreTrainedTokenizerFast."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3}
    for word in words:
        vocab.setdefault(word, len(vocab))
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.normalizer = normalizers.Lowercase()
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
        sep_token="[SEP]", model_max_length=32,
    )


def run_python(code: str, cwd: str, block_package: bool = False, timeout: int = 300) -> str:
    """Run ``code`` in a fresh interpreter; with ``block_package``, ``import hf_sincos_cls`` fails there."""
    prelude = "import sys\nsys.modules['hf_sincos_cls'] = None\n" if block_package else ""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error", TOKENIZERS_PARALLELISM="false")
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"subprocess failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
