"""Explanations of trained tiny models (English and Chinese): attributions, attention, plots, script."""

import importlib.util
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from helpers import REPO, quiet_env

from hf_sincos_cls.explain import InputError, explain, highlighted_spans, load_model_and_tokenizer
from hf_sincos_cls.plots import ATTRIBUTION_COLOURS, font_families_for, plot_attention, plot_attributions

SCRIPT = os.path.join(REPO, "scripts", "explain.py")
TEXTS = {"en": "A gorgeous, witty, seductive movie, but the plot is dull.",
         "zh": "质量很好，物流也快，非常满意！就是iPhone的包装有点破。"}


@pytest.fixture(scope="module")
def folders(tiny_runs):
    return tiny_runs


@pytest.fixture(scope="module")
def loaded(folders):
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 32-wide model; a second thread only waits on a busy machine
    yield {language: load_model_and_tokenizer(folder) for language, folder in folders.items()}
    torch.set_num_threads(threads)


def _logits(model, ids):
    with torch.no_grad():
        return model(input_ids=torch.tensor([ids])).logits[0]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_attributions_sum_to_the_logit_change_from_the_baseline(loaded, language):
    model, tokenizer = loaded[language]
    explanation = explain(TEXTS[language], model, tokenizer, n_steps=200)
    ids = tokenizer(TEXTS[language])["input_ids"]
    logits, baseline = _logits(model, ids), _logits(model, [tokenizer.pad_token_id] * len(ids))
    change = float(logits[explanation.label_id] - baseline[explanation.label_id])
    assert explanation.label_id == int(logits.argmax())
    assert sum(explanation.attributions) == pytest.approx(change, abs=2e-3 + 0.01 * abs(change))
    assert explanation.convergence_delta == pytest.approx(sum(explanation.attributions) - change, abs=1e-5)
    # Another label's attributions are complete for that label's logit, and are not the same numbers.
    other = 1 - explanation.label_id
    against = explain(TEXTS[language], model, tokenizer, target=other, n_steps=200)
    assert sum(against.attributions) == pytest.approx(float(logits[other] - baseline[other]), abs=2e-3 + 0.01 * abs(change))
    assert not np.allclose(against.attributions, explanation.attributions)


def test_tokens_spans_label_and_scores_match_the_pipeline(folders, loaded):
    from transformers import pipeline

    model, tokenizer = loaded["zh"]
    explanation = explain(TEXTS["zh"], model, tokenizer)
    classify = pipeline("text-classification", model=model, tokenizer=tokenizer)
    expected = {row["label"]: row["score"] for row in classify(TEXTS["zh"], top_k=None)}
    assert explanation.scores == pytest.approx(expected, abs=1e-6)
    assert explanation.label == max(expected, key=expected.get)
    assert explanation.tokens[:4] == ["质", "量", "很", "好"]
    assert explanation.num_text_tokens == 25  # a token for each of the 24 characters, and one for "iPhone"
    backend = tokenizer.backend_tokenizer
    pieces = [piece for piece, _ in backend.pre_tokenizer.pre_tokenize_str(backend.normalizer.normalize_str(TEXTS["zh"]))]
    assert "iphone" in pieces and len(pieces) == 25  # whole, lower-cased, among single characters
    assert [TEXTS["zh"][start:end] for start, end in explanation.spans][-3:] == ["点", "破", "。"]
    assert "".join(piece for piece, _ in highlighted_spans(explanation)) == TEXTS["zh"]
    assert max(abs(score) for _, score in highlighted_spans(explanation) if score is not None) == pytest.approx(1.0)


def test_attention_weights_of_every_block_and_head(loaded):
    model, tokenizer = loaded["en"]
    explanation = explain(TEXTS["en"], model, tokenizer, n_steps=8)
    n = len(explanation.tokens)
    assert explanation.attentions.shape == (2, 2, n, n)  # (blocks, heads, query, key)
    assert np.allclose(explanation.attentions.sum(-1), 1.0, atol=1e-5) and (explanation.attentions >= 0).all()
    assert not np.allclose(explanation.attentions[0], explanation.attentions[1])
    assert model.config._attn_implementation == "eager"


def test_a_long_text_is_cut_to_what_the_model_reads(loaded):
    model, tokenizer = loaded["en"]
    text = " ".join(["a dull movie ."] * 200)  # 800 tokens; the model reads 512
    explanation = explain(text, model, tokenizer, n_steps=4, internal_batch_size=4)
    assert explanation.truncated and explanation.num_text_tokens == 800 and explanation.max_length == 512
    assert len(explanation.tokens) == len(explanation.attributions) == 512 and explanation.attentions.shape[-1] == 512
    rest = highlighted_spans(explanation)[-1]
    assert rest[1] is None and len(rest[0].split()) == 800 - 512
    assert not explain(TEXTS["en"], model, tokenizer, n_steps=4).truncated


def test_bad_input_is_named(loaded, tmp_path):
    model, tokenizer = loaded["en"]
    for text, message in (("", "text is empty"), ("  \n", "text is empty"), (None, "must be a string")):
        with pytest.raises(InputError, match=message):
            explain(text, model, tokenizer)
    with pytest.raises(InputError, match="is not one of the model's labels"):
        explain("fun", model, tokenizer, target="neutral")
    with pytest.raises(InputError, match="does not exist"):
        load_model_and_tokenizer(tmp_path / "nowhere")
    with pytest.raises(InputError, match="no config.json"):
        load_model_and_tokenizer(tmp_path)


def _glyph_warnings(record):
    """The glyph warnings among ``record``'s warnings, or among their messages as a child printed them."""
    messages = [str(getattr(w, "message", w)) for w in record]
    return [message for message in messages if "missing from font" in message or "Glyph" in message]


def test_chinese_plots_have_every_glyph(loaded, tmp_path):
    import matplotlib.pyplot as plt
    from matplotlib.font_manager import findfont, FontProperties

    model, tokenizer = loaded["zh"]
    explanation = explain(TEXTS["zh"], model, tokenizer, n_steps=8)
    families = font_families_for(explanation.tokens)
    assert "CJK" in families[0], f"no CJK font found ({families}): run scripts/setup_system.sh (fonts-noto-cjk)"
    font = findfont(FontProperties(family=families[0]), fallback_to_default=False)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        plot_attention(explanation.tokens, explanation.attentions, tmp_path / "attention.png")
        plot_attributions(explanation.tokens, explanation.attributions, tmp_path / "attributions.png",
                          label=explanation.label, title=TEXTS["zh"])
    assert not _glyph_warnings(record), _glyph_warnings(record)
    assert font.endswith((".ttc", ".otf", ".ttf"))
    # The check above would see the problem: the default font alone misses these glyphs.
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with plt.rc_context({"font.family": ["DejaVu Sans"]}):
            fig = plt.figure()
            fig.text(0.5, 0.5, TEXTS["zh"])
            fig.savefig(tmp_path / "tofu.png")
            plt.close(fig)
    assert _glyph_warnings(record)
    assert font_families_for(["plain ascii"]) == list(plt.rcParams["font.family"])


# Draws both Chinese plots in a fresh interpreter and prints what the glyph test checks. It loads
# plots.py by its path: the package's __init__ imports torch, which the plots do not need.
STALE_CACHE_PLOTS = """
import importlib.util, json, sys, warnings
import numpy as np
from matplotlib import font_manager

path, text, out = sys.argv[1:]
spec = importlib.util.spec_from_file_location("plots", path)
plots = importlib.util.module_from_spec(spec)
spec.loader.exec_module(plots)
known = len(font_manager.fontManager.ttflist)
tokens = list(text)
families = plots.font_families_for(tokens)
with warnings.catch_warnings(record=True) as record:
    warnings.simplefilter("always")
    n = len(tokens)
    plots.plot_attention(tokens, np.full((1, 1, n, n), 1 / n), out + "/attention.png", dpi=50)
    plots.plot_attributions(tokens, np.linspace(-1, 1, n), out + "/attributions.png", title=text, dpi=50)
font = font_manager.findfont(font_manager.FontProperties(family=[families[0]]), fallback_to_default=False)
print(json.dumps({"known": known, "families": families, "font": font,
                  "warnings": [str(w.message) for w in record]}))
"""


def test_chinese_plots_have_every_glyph_with_a_font_cache_from_before_the_fonts(tmp_path):
    import copy

    import matplotlib
    from matplotlib import font_manager

    # A font list as matplotlib wrote it before fonts-noto-cjk was installed: its own fonts only.
    stale = copy.copy(font_manager.fontManager)
    stale.ttflist = [entry for entry in stale.ttflist if entry.fname.startswith(matplotlib.get_data_path())]
    assert not any("CJK" in entry.name for entry in stale.ttflist)
    config = tmp_path / "mplconfig"
    config.mkdir()
    font_manager.json_dump(stale, config / f"fontlist-v{font_manager.FontManager.__version__}.json")
    plots = os.path.join(REPO, "hf_sincos_cls", "plots.py")
    result = subprocess.run([sys.executable, "-c", STALE_CACHE_PLOTS, plots, TEXTS["zh"], str(tmp_path)],
                            capture_output=True, text=True, env=quiet_env(MPLCONFIGDIR=str(config)), timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    drawn = json.loads(result.stdout.strip().splitlines()[-1])
    assert drawn["known"] == len(stale.ttflist)  # the child read the stale list, not a new one
    assert "CJK" in drawn["families"][0], f"no CJK font found ({drawn['families']})"
    assert drawn["font"].endswith((".ttc", ".otf", ".ttf"))
    assert not _glyph_warnings(drawn["warnings"]), drawn["warnings"]
    assert (tmp_path / "attention.png").stat().st_size > 1000 and (tmp_path / "attributions.png").stat().st_size > 1000


def _has_colour(image, hex_colour, tolerance=0.03):
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return bool((np.abs(image[..., :3] - rgb).max(-1) < tolerance).any())


def test_attribution_plot_shades_toward_and_away(tmp_path):
    import matplotlib.image

    against, _, toward = ATTRIBUTION_COLOURS
    plot_attributions(["good", "bad", "plot"], [1.0, -1.0, 0.0], tmp_path / "both.png", label="pos")
    plot_attributions(["good", "fun"], [1.0, 0.5], tmp_path / "toward.png", label="pos")
    # The tokens' rows, above the colour bar (the lowest 100 pixels), which holds every colour.
    both, only_toward = (matplotlib.image.imread(tmp_path / name)[:-100] for name in ("both.png", "toward.png"))
    assert _has_colour(both, toward) and _has_colour(both, against)
    assert _has_colour(only_toward, toward) and not _has_colour(only_toward, against)
    with pytest.raises(ValueError, match="one attribution per token"):
        plot_attributions(["good"], [1.0, 2.0], tmp_path / "bad.png")


def test_attention_plot_panels_and_block_choice(loaded, tmp_path):
    import matplotlib.image

    model, tokenizer = loaded["en"]
    explanation = explain(TEXTS["en"], model, tokenizer, n_steps=4)
    per_head = matplotlib.image.imread(plot_attention(explanation.tokens, explanation.attentions, tmp_path / "a.png"))
    mean = matplotlib.image.imread(plot_attention(explanation.tokens, explanation.attentions, tmp_path / "m.png",
                                                  block=0, mean_heads=True))
    assert per_head.shape[1] > 1.6 * mean.shape[1]  # two panels side by side against one
    with pytest.raises(ValueError, match="block 2 does not exist: the model has 2 blocks"):
        plot_attention(explanation.tokens, explanation.attentions, tmp_path / "x.png", block=2)


@pytest.mark.slow
def test_script_writes_json_and_pictures(folders, loaded, tmp_path):
    out = tmp_path / "explained"
    result = subprocess.run([sys.executable, SCRIPT, "--model", str(folders["zh"]), "--text", TEXTS["zh"],
                             "--output_dir", str(out), "--block", "0", "--mean_heads"],
                            capture_output=True, text=True, cwd=REPO, env=quiet_env(), timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ("attention.png", "attributions.png", "explanation.json"):
        assert (out / name).stat().st_size > 1000, name
    saved = json.loads((out / "explanation.json").read_text(encoding="utf-8"))
    model, tokenizer = loaded["zh"]
    expected = explain(TEXTS["zh"], model, tokenizer)
    assert saved["tokens"] == expected.tokens and saved["label"] == expected.label
    assert saved["attributions"] == pytest.approx(expected.attributions, abs=1e-6)
    assert saved["scores"] == pytest.approx(expected.scores, abs=1e-6)
    assert expected.label in result.stdout


def _load_script():
    spec = importlib.util.spec_from_file_location("explain_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("case, message", [("missing_model", "does not exist"), ("empty_text", "--text is empty"),
                                           ("bad_block", "--block 7: the model has 2 blocks")])
def test_script_bad_input_is_one_line_and_exit_2(folders, tmp_path, capsys, case, message):
    model = str(tmp_path / "no_model") if case == "missing_model" else str(folders["en"])
    args = ["--model", model, "--text", "  " if case == "empty_text" else "fun", "--output_dir", str(tmp_path / "o")]
    if case == "bad_block":
        args += ["--block", "7"]
    assert _load_script().main(args) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    # one line, the last (above it only the weights' loading bar); an exception would fail the test itself
    assert [e for e in errors if e.startswith("error: ")] == errors[-1:] and message in errors[-1]
    assert not (tmp_path / "o").exists()


def test_folders_that_hold_no_classifier_are_named(folders, tmp_path):
    from hf_sincos_cls import SinCosClsForMaskedLM, SinCosClsForSequenceClassification

    def config():  # a fresh copy each time: saving a model writes its class into the config
        return SinCosClsForSequenceClassification.config_class.from_pretrained(folders["en"])

    encoder = tmp_path / "encoder"
    SinCosClsForMaskedLM(config()).save_pretrained(encoder)
    with pytest.raises(InputError, match="holds SinCosClsForMaskedLM, not a SinCosClsForSequenceClassification"):
        load_model_and_tokenizer(encoder)
    unsaved = tmp_path / "unsaved"
    unsaved.mkdir()
    config().save_pretrained(unsaved)
    with pytest.raises(InputError, match="has config.json but no weights"):
        load_model_and_tokenizer(unsaved)
    resized = tmp_path / "resized"
    SinCosClsForSequenceClassification(config()).save_pretrained(resized)
    (resized / "tokenizer.json").write_text((folders["en"] / "tokenizer.json").read_text())
    config = json.loads((resized / "config.json").read_text())
    (resized / "config.json").write_text(json.dumps({**config, "vocab_size": config["vocab_size"] + 7}))
    with pytest.raises(InputError, match="do not fit its config.*ignore_mismatched_sizes"):
        load_model_and_tokenizer(resized)


def test_a_missing_extra_is_one_line_naming_it(folders, monkeypatch, capsys, tmp_path):
    import sys as system

    monkeypatch.setitem(system.modules, "captum", None)  # as if not installed
    args = ["--model", str(folders["en"]), "--text", "fun", "--output_dir", str(tmp_path / "o")]
    assert _load_script().main(args) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert errors[-1:] == ["error: explaining a prediction needs captum, which is not installed: "
                      "pip install 'hf_sincos_cls[demo]'"]


def _script_error(args, capsys) -> str:
    """The one line scripts/explain.py prints for ``args``, after checking its exit code is 2."""
    assert _load_script().main(args) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert [e for e in errors if e.startswith("error: ")] == errors[-1:], errors
    return errors[-1]


def test_an_onnx_export_and_an_encoders_weights_are_named_for_what_they_hold(tmp_path, capsys):
    from test_serving_limits import save_classifier

    from hf_sincos_cls import SinCosClsConfig, SinCosClsForMaskedLM
    from hf_sincos_cls.onnx_export import export_onnx

    def args(folder):
        return ["--model", str(folder), "--text", "good fun", "--output_dir", str(tmp_path / "o")]

    export_onnx(save_classifier(tmp_path / "model"), tmp_path / "onnx")
    line = _script_error(args(tmp_path / "onnx"), capsys)
    assert "holds an ONNX export (model.onnx)" in line and "the folder it was exported from" in line, line
    # An encoder's weights under a config that says classifier: transformers would add a random head.
    encoder = tmp_path / "encoder"
    SinCosClsForMaskedLM(SinCosClsConfig.from_pretrained(tmp_path / "model")).save_pretrained(encoder)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        (encoder / name).write_bytes((tmp_path / "model" / name).read_bytes())
    saved = json.loads((encoder / "config.json").read_text())
    (encoder / "config.json").write_text(json.dumps({**saved, "architectures": ["SinCosClsForSequenceClassification"]}))
    line = _script_error(args(encoder), capsys)
    assert "weights hold no classifier" in line and "random head" in line, line
    assert not (tmp_path / "o").exists()
