"""Serving from folders that are tampered with or damaged (issue 21): a config.json whose
max_position_embeddings is 1e9 must not make a 1 MB text cost minutes, and a broken
tokenizer.json is one line naming the file. Tiny saved models; each test takes seconds."""

import json
import shutil
import time

import pytest
import torch
from helpers import tiny_config, tiny_tokenizer

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.errors import InputError

WORDS = ("good", "bad", "movie", "plot", "fun", "dull", "the", "a")
LABELS = {"id2label": {0: "neg", 1: "pos"}, "label2id": {"neg": 0, "pos": 1}}
TAMPERED = 1_000_000_000
HUGE = "good movie " * 100_000  # 1.1 MB, 200,000 tokens; the tokenizer's model_max_length is 32
FIRST_32 = "good movie " * 16  # what a cut at 32 tokens leaves of HUGE


def save_classifier(folder, **config):
    """A tiny two-label classifier and its tokenizer (model_max_length 32) saved to ``folder``."""
    torch.manual_seed(0)
    tokenizer = tiny_tokenizer(WORDS)
    model = SinCosClsForSequenceClassification(tiny_config(vocab_size=len(tokenizer), num_labels=2,
                                                           **{**LABELS, **config}))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A saved tiny classifier and its ONNX export."""
    from hf_sincos_cls.onnx_export import export_onnx

    root = tmp_path_factory.mktemp("saved")
    save_classifier(root / "model")
    export_onnx(root / "model", root / "onnx")
    return root


@pytest.fixture(scope="module")
def tampered(saved, tmp_path_factory):
    """Copies of ``saved`` whose config.json says max_position_embeddings=1e9 (the tokenizer still says 32)."""
    root = tmp_path_factory.mktemp("tampered")
    for name in ("model", "onnx"):
        shutil.copytree(saved / name, root / name)
        config = root / name / "config.json"
        config.write_text(json.dumps({**json.loads(config.read_text()), "max_position_embeddings": TAMPERED}))
    return root


def _scores(answer) -> dict:
    rows = answer[0] if isinstance(answer[0], list) else answer
    return {row["label"]: row["score"] for row in rows}


@pytest.mark.parametrize("truncation", [True, False], ids=["truncation", "no_truncation"])
def test_a_tampered_config_costs_the_pipeline_seconds_and_it_reads_the_tokenizers_32(tampered, truncation):
    from transformers import pipeline

    classify = pipeline("text-classification", model=str(tampered / "model"))
    options = {"truncation": True} if truncation else {}
    start = time.perf_counter()  # uncut (before the fix) this call ran past 150 s
    answer = classify(HUGE, top_k=None, **options)
    elapsed = time.perf_counter() - start
    assert elapsed < 15, f"{elapsed:.1f} s for a 1 MB text"
    assert _scores(answer) == pytest.approx(_scores(classify(FIRST_32, top_k=None)), abs=1e-6)


@pytest.mark.parametrize("truncation", [True, False], ids=["truncation", "no_truncation"])
def test_a_tampered_config_costs_onnx_serving_seconds_and_it_reads_the_tokenizers_32(tampered, truncation):
    from hf_sincos_cls.onnx_serving import OnnxTextClassifier

    classify = OnnxTextClassifier(tampered / "onnx")
    start = time.perf_counter()  # uncut (before the fix) ONNX Runtime asked for 640 GB for the attention
    answer = classify(HUGE, top_k=None, truncation=truncation)
    elapsed = time.perf_counter() - start
    assert elapsed < 15, f"{elapsed:.1f} s for a 1 MB text"
    assert _scores(answer) == pytest.approx(_scores(classify(FIRST_32, top_k=None)), abs=1e-5)


def test_the_model_cuts_at_what_the_sinusoid_table_holds(monkeypatch, caplog):
    from transformers.utils import logging as hf_logging

    from hf_sincos_cls import modeling_sincos_cls, onnx_serving

    assert onnx_serving.MAX_SINUSOID_POSITIONS == modeling_sincos_cls.MAX_SINUSOID_POSITIONS
    monkeypatch.setattr(modeling_sincos_cls, "MAX_SINUSOID_POSITIONS", 8)  # a table of 8 rows, for speed
    model = SinCosClsForSequenceClassification(tiny_config(max_position_embeddings=TAMPERED)).eval()
    ids = torch.randint(4, 40, (1, 12))
    hf_logging.enable_propagation()
    try:
        with caplog.at_level("WARNING"), torch.no_grad():
            out = model(input_ids=ids, output_hidden_states=True)
    finally:
        hf_logging.disable_propagation()
    assert out.hidden_states[-1].shape[1] == 8
    assert "input of 12 tokens cut to 8" in caplog.text and "sinusoid" in caplog.text


# A tokenizer.json each loader must refuse in one line naming the file.
BAD_TOKENIZER_FILES = {
    "garbage": b"\xff\xfe\x00\x81 not text",
    "not_json": b'{"version": "1.0", "model": ',
    "empty": b"",
    "a_list": b"[]",
    "no_model": b'{"version": "1.0", "added_tokens": []}',
    "unknown_model": b'{"version": "1.0", "added_tokens": [], "model": {"type": "NoSuchModel"}}',
}


def _damaged(saved, tmp_path, name, case):
    folder = tmp_path / name
    shutil.copytree(saved / name, folder)
    (folder / "tokenizer.json").write_bytes(BAD_TOKENIZER_FILES[case])
    return folder


def _assert_names_the_file(raised, folder):
    message = str(raised.value)
    assert "\n" not in message and str(folder / "tokenizer.json") in message, message


@pytest.mark.parametrize("case", sorted(BAD_TOKENIZER_FILES))
def test_a_broken_tokenizer_json_is_one_line_naming_it(saved, tmp_path, case):
    from hf_sincos_cls.explain import load_model_and_tokenizer
    from hf_sincos_cls.onnx_serving import OnnxTextClassifier
    from hf_sincos_cls.tokenization import load_tokenizer

    model = _damaged(saved, tmp_path, "model", case)
    for load in (load_tokenizer, load_model_and_tokenizer):
        with pytest.raises(InputError) as raised:
            load(model)
        _assert_names_the_file(raised, model)
    onnx = _damaged(saved, tmp_path, "onnx", case)
    with pytest.raises(InputError) as raised:
        OnnxTextClassifier(onnx)
    _assert_names_the_file(raised, onnx)


def test_a_good_tokenizer_loads_as_before(saved):
    from transformers import AutoTokenizer

    from hf_sincos_cls.tokenization import load_tokenizer

    texts = ["good movie", "the plot was dull"]
    assert load_tokenizer(saved / "model")(texts)["input_ids"] == AutoTokenizer.from_pretrained(saved / "model")(
        texts)["input_ids"]
