"""What the test files share: tiny configs and a tiny word-level tokenizer (so the suite runs in
minutes on 2 cores), fresh interpreters, and the training script run in a subprocess."""

import json
import os
import subprocess
import sys
import textwrap

from hf_sincos_cls import SinCosClsConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tiny_config(**overrides) -> SinCosClsConfig:
    """A 3-block, 16-wide model; overrides pick the switch under test."""
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


def subprocess_env(**extra) -> dict:
    """The environment for a fresh interpreter: offline, without the suite's PYTHONPATH (so the
    package comes from where it is installed), tokenizers single-threaded; ``extra`` on top."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", **extra)
    return env


def quiet_env(**extra) -> dict:
    """``subprocess_env`` with one thread (a model this small only loses time to a second thread
    on a busy 2-core machine) and no Gradio analytics."""
    return subprocess_env(OMP_NUM_THREADS="1", GRADIO_ANALYTICS_ENABLED="False", **extra)


def run_python(code: str, cwd: str, block_package: bool = False, timeout: int = 300) -> str:
    """Run ``code`` in a fresh interpreter; with ``block_package``, ``import hf_sincos_cls`` fails there."""
    prelude = "import sys\nsys.modules['hf_sincos_cls'] = None\n" if block_package else ""
    result = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code)],
        cwd=cwd, env=subprocess_env(TRANSFORMERS_VERBOSITY="error"), capture_output=True, text=True, timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(f"subprocess failed ({result.returncode}):\n{result.stderr[-4000:]}")
    return result.stdout


SCRIPT = os.path.join(REPO, "scripts", "run_glue_style.py")
TINY = ["--hidden_size", "32", "--num_hidden_layers", "2", "--num_attention_heads", "2", "--intermediate_size", "64",
        "--pooling_layers", "2", "--max_seq_length", "64", "--report_to", "none", "--seed", "0",
        "--per_device_train_batch_size", "16", "--per_device_eval_batch_size", "64", "--logging_steps", "5"]


def run_script(*args, cwd=None, timeout=600):
    """scripts/run_glue_style.py with ``args`` in a fresh interpreter."""
    return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, cwd=cwd or REPO,
                          env=subprocess_env(), timeout=timeout)


def check_ok(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]


def pipeline_predictions(folder, texts, block_package):
    code = f"""
        import json
        from transformers import pipeline
        classify = pipeline("text-classification", model={str(folder)!r}, trust_remote_code=True)
        print(json.dumps(classify({texts!r}, top_k=None, truncation=True)))
    """
    return json.loads(run_python(code, cwd=str(folder.parent), block_package=block_package).strip().splitlines()[-1])


def train_tiny(corpus: str, output_dir, *extra: str, train_samples: int = 400) -> None:
    """Train, evaluate and predict on slices of an offline corpus with a 32-wide model, into
    ``output_dir`` (model, tokenizer, metrics, plots and model card)."""
    args = [sys.executable, SCRIPT, "--corpus", corpus, "--output_dir", str(output_dir),
            "--max_train_samples", str(train_samples), "--max_eval_samples", "100", "--max_predict_samples", "100",
            "--num_train_epochs", "2", *TINY, "--learning_rate", "1e-3", *extra]
    result = subprocess.run(args, capture_output=True, text=True, cwd=REPO, env=quiet_env(), timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
