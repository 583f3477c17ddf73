"""The project's evaluate metrics and the compute_metrics callable handed to Trainer."""

import json
import logging
import os
import subprocess
import sys
import textwrap

import evaluate
import numpy as np
import pytest
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef
from transformers import EvalPrediction

from hf_sincos_cls.metrics import build_compute_metrics, load_metric

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def classification():
    return load_metric(is_regression=False)


@pytest.fixture(scope="module")
def regression():
    return load_metric(is_regression=True)


def _simulate_hub(monkeypatch, glue=None):
    """Route evaluate.load("glue", ...) to ``glue`` (None: the Hub is unreachable); local paths load for real."""
    real_load = evaluate.load
    calls = []

    def load(path, *args, **kwargs):
        if path != "glue":
            return real_load(path, *args, **kwargs)
        calls.append((path, *args))
        if glue is None:
            # What evaluate 0.4.6 raises for a canonical metric when the Hub cannot be reached.
            raise FileNotFoundError("Couldn't find a module script at glue/glue.py. Module 'glue' doesn't exist on the Hub")
        return glue

    monkeypatch.setattr(evaluate, "load", load)
    return calls


def test_classification_metric_matches_scikit_learn(classification):
    rng = np.random.default_rng(0)
    references = rng.integers(0, 3, size=50)
    predictions = np.where(rng.random(50) < 0.6, references, rng.integers(0, 3, size=50))
    result = classification.compute(predictions=predictions, references=references)
    assert result == pytest.approx({
        "accuracy": accuracy_score(references, predictions),
        "macro_f1": f1_score(references, predictions, average="macro"),
        "matthews_correlation": matthews_corrcoef(references, predictions),
    })


def test_regression_metric_matches_scipy(regression):
    rng = np.random.default_rng(0)
    references = rng.normal(size=40).astype(np.float32)
    predictions = (references + rng.normal(scale=0.5, size=40)).astype(np.float32)
    result = regression.compute(predictions=predictions, references=references)
    assert result == pytest.approx({
        "pearson": pearsonr(references, predictions)[0],
        "spearmanr": spearmanr(references, predictions)[0],
    }, rel=1e-5)


@pytest.mark.slow
def test_metrics_load_from_the_package_without_network_or_offline_flags():
    # A fresh interpreter with every offline switch unset and sockets refusing to connect:
    # loading a local metric script must not reach for the network at all.
    code = textwrap.dedent("""
        import json, socket
        def refuse(*args, **kwargs):
            raise OSError("network used")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        socket.getaddrinfo = refuse
        from hf_sincos_cls.metrics import load_metric
        scores = load_metric(False).compute(predictions=[0, 1, 1], references=[0, 1, 0])
        scores.update(load_metric(True).compute(predictions=[0.0, 1.0, 2.0], references=[0.0, 2.0, 4.0]))
        print(json.dumps(scores))
    """)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_OFFLINE") and k != "PYTHONPATH"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    scores = json.loads(result.stdout.strip().splitlines()[-1])
    assert scores["accuracy"] == pytest.approx(2 / 3)
    assert scores["pearson"] == pytest.approx(1.0)


def test_compute_metrics_scores_the_argmax_of_the_logits():
    compute_metrics = build_compute_metrics(is_regression=False)
    logits = np.array([[2.0, 0.1], [0.3, 1.0], [1.5, -1.0], [0.0, 0.2]])
    scores = compute_metrics(EvalPrediction(predictions=logits, label_ids=np.array([0, 1, 1, 1])))
    assert scores["accuracy"] == pytest.approx(0.75)


def test_compute_metrics_takes_the_logits_from_a_tuple_of_outputs():
    compute_metrics = build_compute_metrics(is_regression=False)
    logits = np.array([[0.0, 1.0], [1.0, 0.0]])
    hidden = np.zeros((2, 3, 4))
    scores = compute_metrics(EvalPrediction(predictions=(logits, hidden), label_ids=np.array([1, 0])))
    assert scores["accuracy"] == 1.0


def test_compute_metrics_for_regression_reads_one_column_of_outputs():
    compute_metrics = build_compute_metrics(is_regression=True)
    outputs = np.array([[0.1], [0.9], [2.2], [2.8]], dtype=np.float32)
    scores = compute_metrics(EvalPrediction(predictions=outputs, label_ids=np.array([0.0, 1.0, 2.0, 3.0])))
    assert set(scores) == {"pearson", "spearmanr"}
    assert scores["spearmanr"] == pytest.approx(1.0)


def test_glue_task_uses_the_glue_metric_when_the_hub_has_it(monkeypatch):
    class GlueStub:
        def compute(self, predictions, references):
            return {"matthews_correlation": 0.25}

    calls = _simulate_hub(monkeypatch, glue=GlueStub())
    compute_metrics = build_compute_metrics(is_regression=False, task_name="cola")
    scores = compute_metrics(EvalPrediction(predictions=np.eye(2), label_ids=np.array([0, 1])))
    assert calls == [("glue", "cola")]
    assert scores == {"matthews_correlation": 0.25}


def test_glue_task_falls_back_to_our_metric_with_a_warning_when_the_hub_is_unreachable(monkeypatch, caplog):
    _simulate_hub(monkeypatch, glue=None)
    with caplog.at_level(logging.WARNING, logger="hf_sincos_cls.metrics"):
        compute_metrics = build_compute_metrics(is_regression=False, task_name="cola")
    scores = compute_metrics(EvalPrediction(predictions=np.eye(2), label_ids=np.array([0, 1])))
    assert "GLUE metric for 'cola' unavailable" in caplog.text
    assert set(scores) == {"accuracy", "macro_f1", "matthews_correlation"}


def test_unknown_glue_task_is_refused():
    with pytest.raises(ValueError, match="unknown GLUE task 'sst5'"):
        build_compute_metrics(is_regression=False, task_name="sst5")


def test_glue_task_refuses_the_wrong_problem_type():
    with pytest.raises(ValueError, match="'stsb' is regression, but is_regression=False"):
        build_compute_metrics(is_regression=False, task_name="stsb")
