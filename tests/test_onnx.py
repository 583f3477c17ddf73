"""ONNX export (hf_sincos_cls.onnx_export, scripts/export_onnx.py) and torch-free serving
(hf_sincos_cls.onnx_serving) against the torch model and pipeline, on tiny models."""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from helpers import REPO, run_python, subprocess_env, tiny_config, tiny_tokenizer
from transformers import AutoTokenizer, pipeline

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.onnx_export import EXAMPLE_BATCH, EXAMPLE_LENGTH, ExportError, check_model_folder, export_onnx
from hf_sincos_cls.onnx_serving import OnnxTextClassifier
from hf_sincos_cls.tokenization import build_tokenizer

WORDS = ("good", "bad", "movie", "plot", "fun", "dull", "the", "a")
LABELS = {"id2label": {0: "rotten", 1: "fresh", 2: "meh"}, "label2id": {"rotten": 0, "fresh": 1, "meh": 2}}
# Shapes other than the export example's (EXAMPLE_BATCH, EXAMPLE_LENGTH): longer, shorter, one row.
SHAPES = [(1, 3), (5, 11), (3, 29), (7, 2)]
TEXTS = ["good movie", "the plot was dull and the fun was gone", "", "a a a bad bad", "unknown words only",
         "fun", " ".join(["good"] * 40)]  # the last is longer than max_position_embeddings=32


def save_model(folder, token_type_ids=False, **overrides):
    """A tiny classifier and tokenizer saved to ``folder``; returns the model (eval mode).
    With ``token_type_ids`` the tokenizer returns them, as ``build_tokenizer``'s does."""
    torch.manual_seed(0)
    model = SinCosClsForSequenceClassification(tiny_config(vocab_size=4 + len(WORDS), **{**LABELS, **overrides}))
    model.save_pretrained(folder)
    # build_tokenizer's returns token_type_ids and joins a pair as "A [SEP] B".
    tokenizer = build_tokenizer([" ".join(WORDS)], model_max_length=32) if token_type_ids else tiny_tokenizer(WORDS)
    tokenizer.save_pretrained(folder)
    return model.eval()


def padded_batch(batch, length, vocab, seed=0):
    """Random ids; row r > 0 ends in r * 3 padding positions (at least one real token)."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, vocab, (batch, length), generator=generator)
    mask = torch.ones_like(ids)
    for row in range(1, batch):
        mask[row, max(1, length - 3 * row):] = 0
    return ids.masked_fill(mask == 0, 0), mask


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One saved model per layer_norm_position, exported from each attention implementation."""
    root = tmp_path_factory.mktemp("onnx")
    made = {}
    for position in ("post", "pre"):
        save_model(root / f"model-{position}", layer_norm_position=position)
        for implementation in ("eager", "sdpa"):
            out = root / f"onnx-{position}-{implementation}"
            result = export_onnx(root / f"model-{position}", out, attn_implementation=implementation,
                                 quantize=(position, implementation) == ("post", "eager"))
            made[position, implementation] = (root / f"model-{position}", out, result)
    return made


@pytest.mark.parametrize("implementation", ["eager", "sdpa"])
@pytest.mark.parametrize("position", ["post", "pre"])
def test_onnx_logits_equal_torch_at_other_shapes_with_padding(exports, position, implementation):
    model_dir, out, result = exports[position, implementation]
    model = SinCosClsForSequenceClassification.from_pretrained(model_dir, attn_implementation=implementation).eval()
    assert model.config._attn_implementation == implementation
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"] == result["input_names"]
    assert [o.name for o in session.get_outputs()] == ["logits"]
    worst = 0.0
    for seed, (batch, length) in enumerate(SHAPES):
        assert (batch, length) != (EXAMPLE_BATCH, EXAMPLE_LENGTH)
        ids, mask = padded_batch(batch, length, model.config.vocab_size, seed)
        with torch.no_grad():
            expected = model(input_ids=ids, attention_mask=mask).logits.numpy()
        got = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        assert got.shape == (batch, 3)
        worst = max(worst, float(np.abs(got - expected).max()))
    assert worst <= 1e-4, f"{position}/{implementation}: max |logit difference| {worst:.3g}"


def test_graph_axes_are_symbolic_and_inputs_int64(exports):
    for _, out, _ in exports.values():
        graph = onnx.load(str(out / "model.onnx")).graph
        for value in graph.input:
            assert value.type.tensor_type.elem_type == onnx.TensorProto.INT64
            dims = value.type.tensor_type.shape.dim
            assert [d.dim_param for d in dims] == ["batch", "sequence"] and not any(d.dim_value for d in dims)
        assert graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"


def test_export_folder_is_self_contained(exports, tmp_path):
    model_dir, out, _ = exports["post", "eager"]
    moved = tmp_path / "served"
    shutil.copytree(out, moved)
    assert {"model.onnx", "model_quantized.onnx", "tokenizer.json", "tokenizer_config.json", "config.json"} <= set(
        os.listdir(moved))
    assert not (moved / "model.safetensors").exists()
    original, reloaded = AutoTokenizer.from_pretrained(model_dir), AutoTokenizer.from_pretrained(moved)
    assert reloaded(TEXTS)["input_ids"] == original(TEXTS)["input_ids"]
    config = json.loads((moved / "config.json").read_text())
    assert config["id2label"] == {"0": "rotten", "1": "fresh", "2": "meh"} and config["max_position_embeddings"] == 32
    classify = OnnxTextClassifier(moved)
    assert [r["label"] for r in classify(TEXTS[:2])] == [r["label"] for r in OnnxTextClassifier(out)(TEXTS[:2])]


def test_serving_equals_pipeline_in_labels_scores_and_layout(exports):
    model_dir, out, _ = exports["post", "eager"]
    reference = pipeline("text-classification", model=str(model_dir))
    classify = OnnxTextClassifier(out)
    calls = [((TEXTS[0],), {}), ((TEXTS,), {}), ((TEXTS,), {"top_k": None}), ((TEXTS,), {"top_k": 2}),
             ((TEXTS[1],), {"top_k": None}), ((TEXTS[1],), {"top_k": 1}), ((TEXTS,), {"truncation": True}),
             ((TEXTS,), {"function_to_apply": "sigmoid", "top_k": None})]
    for args, kwargs in calls:
        expected, got = reference(*args, **kwargs), classify(*args, **kwargs)
        assert_same_answer(got, expected, f"{args[0]!r:.30} {kwargs}")
    with pytest.raises(ValueError, match="top_k=0"):
        classify("good", top_k=0)
    with pytest.raises(TypeError, match="got int"):
        classify([3])
    with pytest.raises(ValueError, match="max_length=0"):
        classify("good", truncation=True, max_length=0)
    assert classify([]) == [] and classify.logits([]).shape == (0, 3)


def assert_same_answer(got, expected, where=""):
    """Same nesting, the same labels in the same order, scores within 1e-4."""
    assert type(got) is type(expected), where
    if isinstance(expected, dict):
        assert set(got) == {"label", "score"} and got["label"] == expected["label"], where
        assert isinstance(got["score"], float) and abs(got["score"] - expected["score"]) <= 1e-4, where
        return
    assert len(got) == len(expected), where
    for a, b in zip(got, expected):
        assert_same_answer(a, b, where)


@pytest.mark.parametrize("problem", ["multi_label_classification", "regression"])
def test_serving_applies_the_pipelines_function_per_problem_type(tmp_path, problem):
    overrides = {"problem_type": problem}
    if problem == "regression":
        overrides.update(num_labels=1, id2label={0: "stars"}, label2id={"stars": 0})
    save_model(tmp_path / "model", **overrides)
    export_onnx(tmp_path / "model", tmp_path / "onnx")
    expected = pipeline("text-classification", model=str(tmp_path / "model"))(TEXTS[:4], top_k=None)
    got = OnnxTextClassifier(tmp_path / "onnx")(TEXTS[:4], top_k=None)
    assert_same_answer(got, expected, problem)
    scores = [r["score"] for answer in got for r in answer]
    if problem == "regression":  # identity: raw logits, which softmax or sigmoid would bound
        assert any(s < 0 or s > 1 for s in scores)
    else:  # sigmoid: independent, not summing to 1
        assert all(0 < s < 1 for s in scores) and abs(sum(r["score"] for r in got[0]) - 1) > 1e-3


def test_unmasked_blog_model_keeps_the_mask_input_and_scores_texts_alone(tmp_path):
    save_model(tmp_path / "model", mask_padding=False)
    export_onnx(tmp_path / "model", tmp_path / "onnx")
    session = ort.InferenceSession(str(tmp_path / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    expected = pipeline("text-classification", model=str(tmp_path / "model"))(TEXTS, top_k=None)
    # Padding changes this model's logits, so matching pipeline needs equal-length batches.
    assert_same_answer(OnnxTextClassifier(tmp_path / "onnx", batch_size=4)(TEXTS, top_k=None), expected)


def test_sentence_pair_model_exports_token_type_ids(tmp_path):
    save_model(tmp_path / "model", token_type_ids=True, type_vocab_size=2)
    result = export_onnx(tmp_path / "model", tmp_path / "onnx")
    assert result["input_names"] == ["input_ids", "attention_mask", "token_type_ids"]
    assert AutoTokenizer.from_pretrained(tmp_path / "onnx")("a", "fun")["token_type_ids"] == [0, 0, 1]
    pairs = [{"text": "good movie", "text_pair": "dull plot"}, {"text": "fun", "text_pair": "the the bad"}]
    expected = pipeline("text-classification", model=str(tmp_path / "model"))(pairs, top_k=None)
    got = OnnxTextClassifier(tmp_path / "onnx")(pairs, top_k=None)
    assert_same_answer(got, expected)
    swapped = OnnxTextClassifier(tmp_path / "onnx").logits([{"text": "dull plot", "text_pair": "good movie"}])
    assert not np.allclose(swapped, OnnxTextClassifier(tmp_path / "onnx").logits(pairs[:1]))


def test_quantized_model_runs_and_agrees_with_fp32_on_most_predictions(exports, tmp_path):
    model_dir, out, result = exports["post", "eager"]
    assert result["quantized"] == out / "model_quantized.onnx"
    graph = onnx.load(str(result["quantized"])).graph
    assert any(node.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for node in graph.node)
    int8_weights = [t for t in graph.initializer if t.data_type == onnx.TensorProto.INT8 and len(t.dims) == 2]
    assert len(int8_weights) >= 3 * 4  # qkv, out_proj, intermediate, output in each of the 3 blocks
    generator = np.random.default_rng(0)
    texts = [" ".join(generator.choice(WORDS, size=generator.integers(1, 12))) for _ in range(200)]
    fp32 = OnnxTextClassifier(out).logits(texts)
    int8 = OnnxTextClassifier(out, quantized=True).logits(texts)
    assert np.isfinite(int8).all() and not np.array_equal(int8, fp32)
    agreement = float((fp32.argmax(-1) == int8.argmax(-1)).mean())
    assert agreement >= 0.8, f"int8 agrees with fp32 on {agreement:.0%} of predictions"


def test_serving_missing_quantized_file_is_named(exports):
    _, out, _ = exports["pre", "sdpa"]
    with pytest.raises(FileNotFoundError, match="model_quantized.onnx.*--quantize"):
        OnnxTextClassifier(out, quantized=True)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        OnnxTextClassifier(out / "nowhere")


def test_serving_imports_no_torch(exports, tmp_path):
    _, out, _ = exports["post", "eager"]
    code = f"""
        import json, sys
        sys.modules["torch"] = None  # any import of torch now fails
        from hf_sincos_cls.onnx_serving import OnnxTextClassifier
        classify = OnnxTextClassifier({str(out)!r})
        print(json.dumps(classify({TEXTS!r}, top_k=None)))
        try:
            from hf_sincos_cls import SinCosClsForSequenceClassification
        except ImportError as error:
            print("models:", error)
    """
    lines = run_python(code, cwd=str(tmp_path)).strip().splitlines()
    assert_same_answer(json.loads(lines[-2]), OnnxTextClassifier(out)(TEXTS, top_k=None))
    assert lines[-1].startswith("models:") and "needs torch" in lines[-1]


@pytest.mark.parametrize("make, message", [
    (lambda folder: None, "does not exist"),
    (lambda folder: folder.mkdir(), "no config.json"),
    (lambda folder: (folder.mkdir(), (folder / "config.json").write_text("{nope")), "not valid JSON"),
    (lambda folder: (folder.mkdir(), (folder / "config.json").write_text('{"model_type": "bert"}')), "'bert'"),
    (lambda folder: (folder.mkdir(), (folder / "config.json").write_text(
        '{"model_type": "sincos_cls", "architectures": ["SinCosClsForMaskedLM"]}')), "not a SinCosClsForSequence"),
])
def test_bad_model_folder_is_named(tmp_path, make, message):
    folder = tmp_path / "model"
    make(folder)
    with pytest.raises(ExportError, match=message):
        check_model_folder(folder)


def test_model_without_tokenizer_and_bad_opset_are_refused(tmp_path):
    SinCosClsForSequenceClassification(tiny_config()).save_pretrained(tmp_path / "model")
    with pytest.raises(ExportError, match="no tokenizer.json"):
        export_onnx(tmp_path / "model", tmp_path / "onnx")
    with pytest.raises(ExportError, match="opset 9"):
        export_onnx(tmp_path / "model", tmp_path / "onnx", opset=9)


def run_script(*args):
    return subprocess.run([sys.executable, os.path.join(REPO, "scripts", "export_onnx.py"), *args],
                          capture_output=True, text=True, env=subprocess_env(), timeout=300)


@pytest.mark.slow
def test_script_exports_and_exits_2_with_one_line_on_a_bad_folder(exports, tmp_path):
    model_dir, _, _ = exports["pre", "eager"]
    done = run_script("--model", str(model_dir), "--output", str(tmp_path / "onnx"), "--quantize", "--opset", "18")
    assert done.returncode == 0, done.stderr[-3000:]
    assert onnx.load(str(tmp_path / "onnx" / "model.onnx")).opset_import[0].version == 18
    assert (tmp_path / "onnx" / "model_quantized.onnx").is_file()
    failed = run_script("--model", str(tmp_path / "missing"), "--output", str(tmp_path / "x"))
    assert failed.returncode == 2
    assert failed.stderr.strip().splitlines() == [f"error: model folder {tmp_path / 'missing'} does not exist"]
    assert not (tmp_path / "x").exists()


def test_serving_without_onnxruntime_names_the_extra(exports, monkeypatch):
    from hf_sincos_cls.errors import InputError

    _, out, _ = exports["post", "eager"]
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if not installed
    with pytest.raises(InputError, match=r"serving an ONNX model needs onnxruntime, which is not installed: "
                                         r"pip install 'hf_sincos_cls\[onnx\]'"):
        OnnxTextClassifier(out)


@pytest.mark.parametrize("module", ["onnx", "onnxruntime"])
def test_the_export_script_without_the_onnx_extra_is_one_line_naming_it(exports, monkeypatch, capsys, tmp_path,
                                                                        module):
    import importlib.util

    model_dir, _, _ = exports["post", "eager"]
    spec = importlib.util.spec_from_file_location("export_script", os.path.join(REPO, "scripts", "export_onnx.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    monkeypatch.setattr(sys, "argv", ["export_onnx.py", "--model", str(model_dir), "--output", str(tmp_path / "x")])
    assert script.main() == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors == [f"error: ONNX export needs {module}, which is not installed: pip install 'hf_sincos_cls[onnx]'"]
    assert not (tmp_path / "x").exists()
