"""scripts/run_glue_style.py end to end on small slices with a tiny model: in subprocesses (the
slow lane) where the script itself is under test, in-process where the message is."""

import csv
import json
import re

import pytest
import torch
from helpers import TINY, check_ok, pipeline_predictions, run_script, tiny_config, tiny_tokenizer

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.glue_job import parse_args, run
from hf_sincos_cls.jobs import InputError


@pytest.fixture(scope="module")
def rotten_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("rotten") / "model"
    result = run_script("--corpus", "rotten_tomatoes", "--do_train", "--do_eval", "--do_predict",
                        "--output_dir", str(out), "--max_train_samples", "400", "--max_eval_samples", "200",
                        "--max_predict_samples", "200", "--num_train_epochs", "2", "--eval_strategy", "epoch",
                        "--save_strategy", "epoch", "--learning_rate", "1e-3", "--embedding_learning_rate", "3e-3",
                        "--warmup_steps", "0.1", "--word_dropout_prob", "0.1", *TINY)
    check_ok(result)
    return out, result


@pytest.mark.slow
def test_rotten_tomatoes_run_writes_every_output(rotten_run):
    out, _ = rotten_run
    for name in ("model.safetensors", "config.json", "modeling_sincos_cls.py", "tokenizer.json", "README.md",
                 "all_results.json", "eval_results.json", "test_results.json", "predict_results.txt",
                 "training_curves.png", "confusion_matrix.png"):
        assert (out / name).is_file(), name
    results = json.loads((out / "all_results.json").read_text())
    assert {"eval_accuracy", "eval_macro_f1", "test_accuracy", "train_loss"} <= set(results)
    lines = (out / "predict_results.txt").read_text().splitlines()
    assert lines[0] == "index\tprediction" and len(lines) == 201
    assert {line.split("\t")[1] for line in lines[1:]} <= {"fresh", "rotten"}
    card = (out / "README.md").read_text()
    assert "rotten_tomatoes" in card and "eval_accuracy" in card and "training_curves.png" in card


@pytest.mark.slow
def test_rotten_tomatoes_model_uses_glove_by_default(rotten_run):
    out, _ = rotten_run
    config = json.loads((out / "config.json").read_text())
    assert config["embedding_size"] == 50 and config["hidden_size"] == 32
    assert config["word_dropout_prob"] == 0.1
    assert config["id2label"] == {"0": "fresh", "1": "rotten"}


@pytest.mark.slow
def test_saved_model_predicts_the_same_through_pipeline_with_and_without_package(rotten_run):
    out, _ = rotten_run
    texts = ["a gorgeous , witty , seductive movie .", "a dull , lifeless mess that never ends ."]
    installed = pipeline_predictions(out, texts, block_package=False)
    remote = pipeline_predictions(out, texts, block_package=True)
    for a, b in zip(installed, remote):
        assert [r["label"] for r in a] == [r["label"] for r in b]
        assert [r["score"] for r in a] == pytest.approx([r["score"] for r in b], abs=1e-6)
        assert sum(r["score"] for r in a) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_bbc_news_slice_learns_well_above_chance(tmp_path):
    # 5 topics: always guessing the largest class scores 0.24 on validation. With 500 articles,
    # 4 epochs and GloVe this tiny model measured 0.930, 0.930, 0.915 (seeds 0, 1, 2); 0.6 is
    # far above chance and far below what any healthy run reaches, so it fails only if learning breaks.
    out = tmp_path / "bbc"
    check_ok(run_script("--corpus", "bbc_news", "--do_train", "--do_eval", "--output_dir", str(out),
                        "--max_train_samples", "500", "--num_train_epochs", "4", "--eval_strategy", "no",
                        "--save_strategy", "no", "--learning_rate", "2e-3", "--embedding_learning_rate", "5e-3",
                        "--warmup_steps", "0.1", *TINY))
    accuracy = json.loads((out / "eval_results.json").read_text())["eval_accuracy"]
    assert accuracy > 0.6


def _write_pairs(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence1", "sentence2", "label"])
        writer.writerows(rows)


@pytest.mark.slow
def test_csv_sentence_pair_regression(tmp_path):
    words = ["cat", "dog", "car", "tree", "house", "river", "song", "book"]
    rows = []
    for i in range(120):
        a, b = words[i % 8], words[(i * 3) % 8]
        rows.append((f"the {a} sat here", f"the {b} sat there", 5.0 if a == b else 1.0 + (i % 3)))
    _write_pairs(tmp_path / "train.csv", rows[:90])
    _write_pairs(tmp_path / "dev.csv", rows[90:])
    out = tmp_path / "sts"
    check_ok(run_script("--train_file", str(tmp_path / "train.csv"), "--validation_file", str(tmp_path / "dev.csv"),
                        "--test_file", str(tmp_path / "dev.csv"), "--do_train", "--do_eval", "--do_predict",
                        "--output_dir", str(out), "--num_train_epochs", "1", "--glove", "none", *TINY))
    config = json.loads((out / "config.json").read_text())
    assert config["problem_type"] == "regression" and len(config["id2label"]) == 1 and config["type_vocab_size"] == 2
    results = json.loads((out / "eval_results.json").read_text())
    assert {"eval_pearson", "eval_spearmanr"} <= set(results)
    assert (out / "test_results.json").is_file()
    predictions = (out / "predict_results.txt").read_text().splitlines()[1:]
    assert len(predictions) == 30 and all(float(line.split("\t")[1]) == float(line.split("\t")[1]) for line in predictions)


# Bad input fails before training, with the problem named --------------------------------

def _write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.mark.parametrize(
    "case, message",
    [
        ("missing_file", "no_such_file.csv"),
        ("missing_label_column", "label"),
        ("unseen_validation_label", "neutral"),
        ("unknown_corpus", "imdb_offline"),
        ("empty_split", "empty"),
    ],
)
def test_bad_input_fails_before_training_with_a_clear_message(tmp_path, monkeypatch, case, message):
    import datasets
    import huggingface_hub.constants

    # offline as in CI, so the unknown name's Hub lookup fails at once instead of timing out
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    train = tmp_path / "train.csv"
    _write_csv(train, ["text", "label"], [("good film", "pos"), ("bad film", "neg")] * 5)
    args = ["--do_train", "--do_eval", "--output_dir", str(tmp_path / "out"), "--glove", "none", *TINY]
    if case == "missing_file":
        args += ["--train_file", str(tmp_path / "no_such_file.csv"), "--validation_file", str(train)]
    elif case == "missing_label_column":
        bad = tmp_path / "bad.csv"
        _write_csv(bad, ["text", "sentiment"], [("good film", "pos")])
        args += ["--train_file", str(bad), "--validation_file", str(bad)]
    elif case == "unseen_validation_label":
        dev = tmp_path / "dev.csv"
        _write_csv(dev, ["text", "label"], [("fine film", "neutral")])
        args += ["--train_file", str(train), "--validation_file", str(dev)]
    elif case == "unknown_corpus":
        args += ["--corpus", "imdb_offline"]
    elif case == "empty_split":
        dev = tmp_path / "dev.csv"
        _write_csv(dev, ["text", "label"], [])
        args += ["--train_file", str(train), "--validation_file", str(dev)]
    with pytest.raises(InputError, match=re.escape(message)):
        run(*parse_args(args))
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("checkpoint-*"))


@pytest.mark.slow
def test_bad_input_exits_with_code_2_and_one_line_without_a_traceback(tmp_path):
    result = run_script("--train_file", str(tmp_path / "no_such_file.csv"), "--output_dir", str(tmp_path / "out"),
                        *TINY)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "no_such_file.csv" in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").glob("checkpoint-*"))


@pytest.mark.slow
def test_json_arguments_file_with_blog_fixed_padding_and_tensorboard(tmp_path):
    out = tmp_path / "from_json"
    arguments = {
        "corpus": "rotten_tomatoes", "do_train": True, "do_eval": True, "output_dir": str(out),
        "max_train_samples": 64, "max_eval_samples": 32, "num_train_epochs": 1, "glove": "none",
        "pad_to_max_length": True, "max_seq_length": 24, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 2, "intermediate_size": 64, "pooling_layers": 2, "report_to": "tensorboard",
        "logging_steps": 1,
    }
    (tmp_path / "args.json").write_text(json.dumps(arguments))
    check_ok(run_script(str(tmp_path / "args.json")))
    assert "padded to that length" in (out / "README.md").read_text()
    assert list(out.rglob("events.out.tfevents.*")), "no TensorBoard event file"
    assert json.loads((out / "eval_results.json").read_text())["eval_samples"] == 32


@pytest.mark.slow
def test_missing_json_arguments_file_is_a_clear_error(tmp_path):
    result = run_script(str(tmp_path / "nowhere.json"))
    assert result.returncode == 2 and "nowhere.json does not exist" in result.stderr


def test_damaged_weights_of_model_name_or_path_fail_before_training(tmp_path):
    folder = tmp_path / "damaged"
    SinCosClsForSequenceClassification(tiny_config()).save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    (folder / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(InputError, match="model.safetensors is damaged or truncated"):
        run(*parse_args(["--model_name_or_path", str(folder), "--corpus", "bbc_news", "--do_eval",
                         "--output_dir", str(tmp_path / "out"), "--report_to", "none"]))


def test_a_classifier_moves_to_other_labels_only_with_a_new_head(tmp_path):
    saved = tmp_path / "saved"
    config = tiny_config(vocab_size=len(tiny_tokenizer()), num_labels=2, id2label={0: "neg", 1: "pos"},
                         label2id={"neg": 0, "pos": 1})
    original = SinCosClsForSequenceClassification(config)
    original.save_pretrained(saved)
    tiny_tokenizer().save_pretrained(saved)
    rows = [("good fun movie", "fresh"), ("dull plot", "rotten"), ("the plot", "plot")] * 6
    _write_csv(tmp_path / "train.csv", ["text", "label"], rows)
    args = ["--model_name_or_path", str(saved), "--train_file", str(tmp_path / "train.csv"), "--output_dir",
            str(tmp_path / "out"), "--report_to", "none", "--num_train_epochs", "1", "--learning_rate", "0",
            "--embedding_learning_rate", "0", "--validation_split_percentage", "0", "--max_seq_length", "16"]
    with pytest.raises(InputError, match=re.escape("pass --new_classifier_head to keep its encoder")):
        run(*parse_args(args))
    run(*parse_args([*args, "--new_classifier_head"]))
    moved = SinCosClsForSequenceClassification.from_pretrained(tmp_path / "out")
    assert moved.config.id2label == {0: "fresh", 1: "plot", 2: "rotten"}
    assert moved.classifier.weight.shape == (3, config.hidden_size)
    for (name, before), after in zip(original.model.state_dict().items(), moved.model.state_dict().values()):
        assert torch.equal(before, after), name  # learning rate 0: the encoder is the saved one


def _saved_sentiment_classifier(folder):
    config = tiny_config(vocab_size=len(tiny_tokenizer()), num_labels=2, id2label={0: "neg", 1: "pos"},
                         label2id={"neg": 0, "pos": 1})
    model = SinCosClsForSequenceClassification(config).eval()
    model.save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    return model


def test_label_mapping_keeps_the_classifier_under_the_data_label_names(tmp_path):
    original = _saved_sentiment_classifier(tmp_path / "saved")
    texts = ["good fun movie", "dull plot", "the movie", "fun plot"]
    # sorted label names: fresh is 0, rotten is 1; the saved model's pos is 1, neg 0
    _write_csv(tmp_path / "data.csv", ["text", "label"], [(t, ("fresh", "rotten")[i % 2]) for i, t in enumerate(texts)])
    predict = ["--model_name_or_path", str(tmp_path / "saved"), "--test_file", str(tmp_path / "data.csv"),
               "--output_dir", str(tmp_path / "zero"), "--report_to", "none", "--do_predict", "--max_seq_length", "16"]
    with pytest.raises(InputError, match=re.escape("--label_mapping to say which saved label")):
        run(*parse_args(predict))
    run(*parse_args([*predict, "--label_mapping", "fresh=pos, rotten=neg"]))
    batch = tiny_tokenizer()(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        logits = original(**batch).logits
    renamed = {"pos": "fresh", "neg": "rotten"}
    expected = [renamed[original.config.id2label[i]] for i in logits.argmax(-1).tolist()]
    lines = (tmp_path / "zero" / "predict_results.txt").read_text().splitlines()[1:]
    assert [line.split("\t")[1] for line in lines] == expected  # the saved model's answers, renamed

    # fine-tuned at learning rate 0, the saved head is the original's rows in the data's order
    run(*parse_args(["--model_name_or_path", str(tmp_path / "saved"), "--train_file", str(tmp_path / "data.csv"),
                     "--output_dir", str(tmp_path / "moved"), "--report_to", "none", "--do_train",
                     "--num_train_epochs", "1", "--learning_rate", "0", "--embedding_learning_rate", "0",
                     "--max_seq_length", "16", "--label_mapping", "fresh=pos,rotten=neg"]))
    moved = SinCosClsForSequenceClassification.from_pretrained(tmp_path / "moved").eval()
    assert moved.config.id2label == {0: "fresh", 1: "rotten"} and moved.config.label2id == {"fresh": 0, "rotten": 1}
    assert torch.equal(moved.classifier.weight, original.classifier.weight[[1, 0]])
    assert torch.equal(moved.classifier.bias, original.classifier.bias[[1, 0]])
    with torch.no_grad():
        assert torch.allclose(moved(**batch).logits, logits[:, [1, 0]])


@pytest.mark.parametrize(
    "mapping, message",
    [
        ("fresh=pos", "leaves the data's labels ['rotten'] unmapped"),
        ("fresh=pos,rotten=neg,stale=neg", "names ['stale'], which the data does not have"),
        ("fresh=pos,rotten=bad", "maps onto ['bad'], which the saved classifier does not have"),
        ("fresh=pos,rotten=pos", "maps two data labels onto one saved label"),
        ("fresh=pos,rotten", "'rotten' is not data_label=saved_label"),
        ("fresh=pos,fresh=neg", "names data label 'fresh' twice"),
    ],
)
def test_a_bad_label_mapping_names_what_is_wrong(tmp_path, mapping, message):
    _saved_sentiment_classifier(tmp_path / "saved")
    _write_csv(tmp_path / "test.csv", ["text", "label"], [("good fun movie", "fresh"), ("dull plot", "rotten")])
    args = ["--model_name_or_path", str(tmp_path / "saved"), "--test_file", str(tmp_path / "test.csv"),
            "--output_dir", str(tmp_path / "out"), "--report_to", "none", "--do_predict", "--label_mapping", mapping]
    with pytest.raises(InputError, match=re.escape(message)):
        run(*parse_args(args))


def test_label_mapping_and_a_new_head_exclude_each_other(tmp_path):
    _saved_sentiment_classifier(tmp_path / "saved")
    _write_csv(tmp_path / "test.csv", ["text", "label"], [("good fun movie", "fresh"), ("dull plot", "rotten")])
    args = ["--model_name_or_path", str(tmp_path / "saved"), "--test_file", str(tmp_path / "test.csv"),
            "--output_dir", str(tmp_path / "out"), "--report_to", "none", "--do_predict",
            "--label_mapping", "fresh=pos,rotten=neg", "--new_classifier_head"]
    with pytest.raises(InputError, match="pass one of them"):
        run(*parse_args(args))


def test_label_mapping_needs_a_saved_classifier(tmp_path):
    from hf_sincos_cls import SinCosClsForMaskedLM

    SinCosClsForMaskedLM(tiny_config(vocab_size=len(tiny_tokenizer()))).save_pretrained(tmp_path / "encoder")
    tiny_tokenizer().save_pretrained(tmp_path / "encoder")
    _write_csv(tmp_path / "test.csv", ["text", "label"], [("good fun movie", "fresh"), ("dull plot", "rotten")])
    args = ["--model_name_or_path", str(tmp_path / "encoder"), "--test_file", str(tmp_path / "test.csv"),
            "--output_dir", str(tmp_path / "out"), "--report_to", "none", "--do_predict",
            "--label_mapping", "fresh=pos,rotten=neg"]
    with pytest.raises(InputError, match="has no classification head; drop the flag"):
        run(*parse_args(args))


def test_weights_of_another_shape_than_the_config_are_one_clear_error(tmp_path):
    folder = tmp_path / "resized"
    SinCosClsForSequenceClassification(tiny_config(vocab_size=len(tiny_tokenizer()))).save_pretrained(folder)
    tiny_tokenizer().save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "vocab_size": config["vocab_size"] + 7}))
    # the first tensor that differs, with both shapes (transformers 5's own message names none)
    with pytest.raises(InputError, match=r"do not fit its config.json: model.embeddings.word_embeddings.weight is "
                                         r"\(\d+, 16\) in model.safetensors, \(\d+, 16\) by config.json"
                                         ".*ignore_mismatched_sizes"):
        run(*parse_args(["--model_name_or_path", str(folder), "--corpus", "bbc_news", "--do_eval",
                         "--output_dir", str(tmp_path / "out"), "--report_to", "none"]))


def test_help_names_the_recipe_and_the_offline_corpora(capsys):
    from hf_sincos_cls.data import OFFLINE_CORPORA
    from hf_sincos_cls.recipe import LENGTH_PERCENTILE

    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert f"the {LENGTH_PERCENTILE}th percentile" in text and "--label_mapping" in text
    assert "An offline corpus: " + ", ".join(sorted(OFFLINE_CORPORA)) + "." in text


@pytest.mark.parametrize("flag", [["--label_mapping", "fresh=pos,rotten=neg"], ["--new_classifier_head"]])
def test_moving_flags_without_a_saved_model_are_refused(tmp_path, flag):
    _write_csv(tmp_path / "train.csv", ["text", "label"], [("good fun movie", "fresh"), ("dull plot", "rotten")] * 4)
    args = ["--train_file", str(tmp_path / "train.csv"), "--output_dir", str(tmp_path / "out"), "--report_to", "none",
            *flag]
    with pytest.raises(InputError, match=f"{flag[0]} moves a saved classifier .* drop the flag"):
        run(*parse_args(args))
