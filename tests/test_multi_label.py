"""Multi-label data and class weights: the three ways a file holds several labels a text, the
decision threshold, the scores, the weighted loss, and the plain command end to end."""

import csv
import json
import random

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from helpers import TINY, tiny_config

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.data import corpus_columns, load_corpus, split_table
from hf_sincos_cls.glue_job import parse_args, run
from hf_sincos_cls.jobs import InputError
from hf_sincos_cls.metrics import MultiLabelMetrics
from hf_sincos_cls.multi_label import choose_threshold, multi_hot
from hf_sincos_cls.training import SinCosClsTrainer

TOPICS = {"politics": "vote party election minister law", "sport": "goal match team win league",
          "tech": "phone software chip app computer"}


def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _topic_rows(n, seed=0):
    """Texts of one or two topics' words among filler words, with the topics as their labels."""
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        labels = sorted(rng.sample(sorted(TOPICS), rng.choice([1, 1, 2])))
        words = [w for label in labels for w in rng.sample(TOPICS[label].split(), 3)]
        words += rng.sample("the a of and to in it".split(), 3)
        rng.shuffle(words)
        rows.append((" ".join(words), labels))
    return rows


def _separator_files(folder, n_train=240, n_test=60):
    rows = _topic_rows(n_train + n_test)
    as_cells = [(text, ";".join(labels)) for text, labels in rows]
    return (_write_csv(folder / "train.csv", ["text", "topics"], as_cells[:n_train]),
            _write_csv(folder / "test.csv", ["text", "topics"], as_cells[n_train:]))


def _indicator_files(folder, n_train=240, n_test=60):
    rows = _topic_rows(n_train + n_test)
    names = sorted(TOPICS)
    flags = [(text, *[int(name in labels) for name in names]) for text, labels in rows]
    return (_write_csv(folder / "train.csv", ["text", *names], flags[:n_train]),
            _write_csv(folder / "test.csv", ["text"], [(row[0],) for row in flags[n_train:]]))


# Reading the three forms --------------------------------------------------------------------

def test_a_separator_splits_each_label_cell_and_an_empty_cell_is_no_label(tmp_path):
    train = _write_csv(tmp_path / "t.csv", ["text", "label"],
                       [("a", "sport;tech"), ("b", " politics "), ("c", ""), ("d", "tech;sport;tech")])
    corpus = load_corpus({"train": train}, label_separator=";")
    columns = corpus_columns(corpus)
    assert columns.is_multi_label and not columns.is_regression
    assert columns.label_names == ["politics", "sport", "tech"]
    assert corpus["train"]["label"] == [[1, 2], [0], [], [1, 2]]
    assert "(no label)" in split_table(corpus)


def test_one_column_per_label_keeps_their_order_and_a_test_file_without_them_is_unlabelled(tmp_path):
    train = _write_csv(tmp_path / "t.csv", ["text", "toxic", "obscene", "insult"],
                       [("a", 1, 0, 1), ("b", 0, 1, 0), ("c", 0, 0, 0)])
    test = _write_csv(tmp_path / "test.csv", ["text"], [("d",), ("e",)])
    corpus = load_corpus({"train": train, "test": test}, label_column=["toxic", "obscene", "insult"])
    assert corpus_columns(corpus).label_names == ["toxic", "obscene", "insult"]
    assert corpus["train"]["label"] == [[0, 2], [1], []]
    assert corpus["test"]["label"] == [None, None]


def test_a_json_list_of_labels_is_multi_label_without_a_flag(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"text": t, "label": labels}) + "\n"
                            for t, labels in [("a", ["x", "y"]), ("b", ["y"]), ("c", [])]), encoding="utf-8")
    corpus = load_corpus(str(path))
    assert corpus_columns(corpus).label_names == ["x", "y"]
    assert corpus["train"]["label"] == [[0, 1], [1], []]


@pytest.mark.parametrize("rows, options, message", [
    ([("a", "x;y")], {"label_separator": ";", "validation": [("b", "x;z")]},
     "label 'z' in row 1 of split 'validation'"),
    ([("a", 1, 0), ("b", 2, 1)], {"label_column": ["p", "q"]}, "label column 'p', row 2 of split 'train'"),
    ([("a", 1, 0), ("b", 1, 0)], {"label_column": ["p", "q"]}, "label columns ['q'] are 0 in every row"),
    ([("a", 1, 0)], {"label_column": ["p", "r"]}, "label column(s) ['r'] not in split 'train'"),
    ([("a", "")], {"label_separator": ";"}, "every row's label set is empty"),
])
def test_bad_multi_label_data_is_one_line_naming_the_row_and_value(tmp_path, rows, options, message):
    header = ["text", "label"] if "label_separator" in options else ["text", "p", "q"]
    files = {"train": _write_csv(tmp_path / "t.csv", header, rows)}
    if "validation" in options:
        files["validation"] = _write_csv(tmp_path / "v.csv", header, options.pop("validation"))
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_corpus(files, **options)


def test_a_label_separator_is_refused_for_an_offline_corpus():
    with pytest.raises(ValueError, match="rotten_tomatoes has fixed columns"):
        load_corpus("rotten_tomatoes", label_separator=";")


# Threshold, scores, loss --------------------------------------------------------------------

def test_multi_hot_rows():
    assert multi_hot([0, 2], 3) == [1.0, 0.0, 1.0]
    assert multi_hot([], 2) == [0.0, 0.0]
    assert multi_hot(None, 2) is None


def test_the_threshold_is_the_one_with_the_best_micro_f1():
    references = np.array([[1, 0], [1, 0], [0, 1], [0, 0]], dtype=bool)
    # every true label scores 0.3 or more, every false one 0.2 or less: 0.25 to 0.3 separate them
    scores = np.array([[0.3, 0.1], [0.8, 0.2], [0.1, 0.35], [0.2, 0.05]])
    threshold, micro_f1 = choose_threshold(scores, references)
    assert micro_f1 == 1.0 and 0.2 < threshold <= 0.3
    # a tie among thresholds goes to the one nearest 0.5
    assert choose_threshold(np.array([[0.9, 0.1]]), np.array([[1, 0]], dtype=bool))[0] == 0.5


def test_multi_label_metrics_score_decisions_at_the_threshold():
    from transformers import EvalPrediction

    logits = np.log(np.array([[0.9, 0.4], [0.6, 0.7]]) / (1 - np.array([[0.9, 0.4], [0.6, 0.7]])))
    labels = np.array([[1.0, 1.0], [0.0, 1.0]])
    metrics = MultiLabelMetrics(0.5)
    at_half = metrics(EvalPrediction(predictions=logits, label_ids=labels))
    # decisions [[1, 0], [1, 1]]: 2 of 3 true labels found, 2 of 3 predictions right
    assert at_half["micro_f1"] == pytest.approx(2 / 3) and at_half["subset_accuracy"] == 0.0
    metrics.threshold = 0.35
    at_lower = metrics(EvalPrediction(predictions=logits, label_ids=labels))
    assert at_lower["subset_accuracy"] == 0.5 and at_lower["micro_f1"] == pytest.approx(0.857142857)


@pytest.mark.parametrize("multi_label", [False, True])
def test_class_weights_weigh_the_training_loss(tmp_path, multi_label):
    from transformers import TrainingArguments

    config = tiny_config(num_labels=3, problem_type="multi_label_classification" if multi_label else None)
    model = SinCosClsForSequenceClassification(config).eval()
    weights = torch.tensor([1.0, 4.0, 0.5])
    trainer = SinCosClsTrainer(model=model, args=TrainingArguments(str(tmp_path), report_to="none"),
                               class_weights=weights)
    inputs = {"input_ids": torch.tensor([[5, 6, 7], [8, 9, 0]]), "attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]])}
    labels = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]) if multi_label else torch.tensor([1, 2])
    loss = trainer.compute_loss(model, {**inputs, "labels": labels})
    logits = model(**inputs).logits
    expected = (F.binary_cross_entropy_with_logits(logits, labels, pos_weight=weights) if multi_label
                else F.cross_entropy(logits, labels, weight=weights))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    plain = F.binary_cross_entropy_with_logits(logits, labels) if multi_label else F.cross_entropy(logits, labels)
    assert loss.item() != pytest.approx(plain.item(), rel=1e-3)


# The plain command --------------------------------------------------------------------------

def _recipe_args(tmp_path, *extra):
    return ["--output_dir", str(tmp_path / "out"), "--glove", "none", *TINY, "--num_train_epochs", "1", *extra]


@pytest.mark.parametrize("flag, message", [
    (["--class_weight", "spam=2"], "'spam' is not a label of the data"),
    (["--class_weight", "fresh=0"], "a weight is a positive number"),
    (["--metric_for_best_model", "f1"], "--metric_for_best_model f1: this run reports loss, accuracy, macro_f1"),
    (["--label_separator", " "], "--label_separator ' '"),
])
def test_bad_weighting_or_metric_flags_fail_before_training(tmp_path, flag, message):
    train = _write_csv(tmp_path / "t.csv", ["text", "label"], [("good film", "fresh"), ("bad film", "rotten")] * 10)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        run(*parse_args(["--train_file", str(train), *_recipe_args(tmp_path, *flag)]))
    assert not any((tmp_path / "out").glob("checkpoint-*"))


def test_balanced_weights_come_from_the_training_rows(tmp_path, caplog):
    rows = [("good film", "fresh")] * 36 + [("bad film", "rotten")] * 4
    train = _write_csv(tmp_path / "t.csv", ["text", "label"], rows)
    caplog.set_level("INFO", logger="hf_sincos_cls")
    run(*parse_args(["--train_file", str(train), *_recipe_args(tmp_path, "--class_weight", "balanced")]))
    # 10% held out, stratified (4 fresh, 1 rotten): 32 fresh and 3 rotten train, each weighing 35 / (2 * count)
    assert "class weights: balanced (loss weights fresh 0.547, rotten 5.83)" in caplog.text
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "Loss weighted by class: `balanced`" in card
    assert "The checkpoint with the best validation `accuracy`" in card
    assert "The training classes are imbalanced: `fresh` has 32 rows, `rotten` 3 (10.7 to 1)" in card


def test_a_held_out_validation_split_keeps_a_row_of_every_class(tmp_path, caplog):
    # 10% of 4 rows is none: the stratified cut alone leaves 'rare' out of validation
    rows = [(f"common text {i}", "common") for i in range(60)] + [(f"rare text {i}", "rare") for i in range(4)]
    rows += [("single text", "single")]
    train = _write_csv(tmp_path / "t.csv", ["text", "label"], rows)
    caplog.set_level("INFO", logger="hf_sincos_cls")
    run(*parse_args(["--train_file", str(train), *_recipe_args(tmp_path, "--do_train", "--do_eval")]))
    assert "rows moved so that every class with two rows has one in training and one in validation" in caplog.text
    assert "['single'] have a single row: it trains" in caplog.text
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    table = card.split("```")[3]
    rare = next(line for line in table.splitlines() if line.startswith("rare"))
    single = next(line for line in table.splitlines() if line.startswith("single"))
    assert rare.split()[1:3] == ["3", "1"] and single.split()[1:3] == ["1", "0"]


@pytest.mark.slow
@pytest.mark.one_lane
@pytest.mark.parametrize("form", ["separator", "columns"])
def test_the_plain_command_trains_multi_label_data_in_either_form(tmp_path, form):
    if form == "separator":
        train, test = _separator_files(tmp_path)
        flags = ["--label_column_name", "topics", "--label_separator", ";"]
    else:
        train, test = _indicator_files(tmp_path)
        flags = ["--label_column_name", ",".join(sorted(TOPICS))]
    out = tmp_path / "out"
    run(*parse_args(["--train_file", str(train), "--test_file", str(test), "--output_dir", str(out),
                     "--report_to", "none", *flags]))
    config = json.loads((out / "config.json").read_text())
    assert config["problem_type"] == "multi_label_classification"
    assert list(config["id2label"].values()) == sorted(TOPICS)
    assert 0 < config["multi_label_threshold"] < 1
    results = json.loads((out / "all_results.json").read_text())
    assert {"eval_micro_f1", "eval_macro_f1", "eval_subset_accuracy"} <= set(results)
    predictions = (out / "predict_results.txt").read_text().splitlines()
    assert len(predictions) == 61
    labels = [set(filter(None, line.split("\t")[1].split(","))) for line in predictions[1:]]
    assert all(found <= set(TOPICS) for found in labels) and any(len(found) == 2 for found in labels)
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "The checkpoint with the best validation `micro_f1`" in card and "multi-label threshold" in card
    if form == "separator":  # the test file has labels: it is scored; and the words are easy to learn
        assert results["test_micro_f1"] > 0.8
    else:
        assert not (out / "test_results.json").exists()


@pytest.mark.slow
def test_pipeline_and_onnx_serving_give_each_label_its_own_score(tmp_path):
    from helpers import pipeline_predictions

    from hf_sincos_cls.onnx_export import export_onnx
    from hf_sincos_cls.onnx_serving import OnnxTextClassifier

    train, test = _separator_files(tmp_path, n_train=160, n_test=20)
    out = tmp_path / "out"
    run(*parse_args(["--train_file", str(train), "--output_dir", str(out), "--label_column_name", "topics",
                     "--label_separator", ";", "--glove", "none", *TINY, "--num_train_epochs", "2"]))
    texts = ["goal match vote party the", "phone app chip"]
    served = pipeline_predictions(out, texts, block_package=True)
    export_onnx(out, tmp_path / "onnx")
    onnx = OnnxTextClassifier(tmp_path / "onnx")(texts, top_k=None)
    for torch_scores, onnx_scores in zip(served, onnx):
        assert len(torch_scores) == 3 and sum(r["score"] for r in torch_scores) != pytest.approx(1.0, abs=1e-3)
        by_label = {r["label"]: r["score"] for r in onnx_scores}
        assert all(by_label[r["label"]] == pytest.approx(r["score"], abs=1e-4) for r in torch_scores)


def test_macro_f1_picks_the_checkpoint_when_asked(tmp_path):
    rows = [(f"good film {i % 7}", "fresh") for i in range(50)] + [(f"bad film {i % 3}", "rotten") for i in range(10)]
    train = _write_csv(tmp_path / "t.csv", ["text", "label"], rows)
    run(*parse_args(["--train_file", str(train), *_recipe_args(tmp_path, "--metric_for_best_model", "macro_f1"),
                     "--num_train_epochs", "3"]))
    state = json.loads((tmp_path / "out" / "trainer_state.json").read_text())
    evaluations = [entry for entry in state["log_history"] if "eval_macro_f1" in entry]
    assert len(evaluations) == 3
    assert state["best_metric"] == max(entry["eval_macro_f1"] for entry in evaluations)
    card = (tmp_path / "out" / "README.md").read_text(encoding="utf-8")
    assert "The checkpoint with the best validation `macro_f1` (`--metric_for_best_model`) was kept." in card
