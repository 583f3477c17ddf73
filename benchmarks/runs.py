"""One run of the recipe as the benchmark's parts measure it: the training job on an offline
corpus with a seed and extra flags, its test metrics and time. ``parts.py`` and
``transfer.py`` both run it; --quick cuts the data and the model (``QUICK``)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from hf_sincos_cls.glue_job import DEFAULT_ARGS, parse_args, run

# --quick: a small model for a minute's smoke run; QUICK also cuts the corpora's splits.
QUICK_MODEL = ["--num_train_epochs", "1", "--hidden_size", "32", "--intermediate_size", "64",
               "--num_attention_heads", "2", "--max_seq_length", "64"]
QUICK = ["--max_train_samples", "300", "--max_eval_samples", "100", "--max_predict_samples", "100", *QUICK_MODEL]


def train_and_test(corpus: str, seed: int, extra: list[str], quick: bool = False,
                   test_probabilities: bool = False, output_dir: str | Path | None = None) -> dict:
    """One run of the recipe (plus ``extra`` flags) on ``corpus``; its test metrics and time,
    and with ``test_probabilities`` the saved model's class probabilities on the test split.
    The model is saved in ``output_dir`` when given (kept), else in a temporary folder."""
    with tempfile.TemporaryDirectory() as scratch:
        out = str(output_dir) if output_dir is not None else scratch
        args = [*DEFAULT_ARGS, "--corpus", corpus, "--output_dir", out, "--seed", str(seed),
                "--save_total_limit", "1", "--logging_steps", "100", "--report_to", "none",
                "--disable_tqdm", "true", *(QUICK if quick else []), *extra]
        start = time.perf_counter()
        results = run(*parse_args(args))
        seconds = time.perf_counter() - start
        row = {"test_accuracy": results["test_accuracy"], "test_macro_f1": results["test_macro_f1"],
               "eval_accuracy": results["eval_accuracy"], "seconds": seconds}
        if test_probabilities:
            row["probabilities"] = _test_probabilities(out, args)
    return row


def _test_probabilities(folder: str, args: list[str]) -> np.ndarray:
    """Class probabilities of the model saved in ``folder`` on the test split of the run's data."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    _, data_args, _ = parse_args(args)
    test = corpus_test_split(data_args.corpus, data_args.max_predict_samples)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    chunks = []
    with torch.no_grad():
        for start in range(0, len(test), 128):
            batch = tokenizer(test["text"][start:start + 128], padding=True, truncation=True,
                              max_length=data_args.max_seq_length, return_tensors="pt")
            chunks.append(model(**batch).logits.softmax(-1).numpy())
    return np.concatenate(chunks)


def corpus_test_split(corpus: str, limit: int | None):
    """The offline corpus's test split, its first ``limit`` rows when given (as ``--max_predict_samples``)."""
    from hf_sincos_cls.data import load_corpus

    test = load_corpus(corpus)["test"]
    return test.select(range(min(limit, len(test)))) if limit is not None else test
