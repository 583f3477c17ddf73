"""The recipe on every run: settings not given take the recipe's values or are derived from the
data; tokens and word vectors follow the language; users' files are read as they come."""

import csv
import re
import json
import logging

import pytest
from helpers import check_ok, pipeline_predictions, run_python, run_script
from transformers import AutoTokenizer

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.glue_job import MIN_TRAINING_STEPS, RECIPE_EPOCHS, parse_args, run
from hf_sincos_cls.jobs import DataTrainingArguments, ModelArguments, new_model, new_tokenizer
from hf_sincos_cls.mlm_job import parse_args as parse_mlm_args
from hf_sincos_cls.recipe import Choice, DataFacts, new_model_positions, plan_pretraining

# A small model, so that the runs below take seconds; everything else is the recipe's.
SMALL = ["--hidden_size", "16", "--num_hidden_layers", "2", "--num_attention_heads", "2", "--intermediate_size", "32",
         "--report_to", "none", "--disable_tqdm", "true"]

ENGLISH = [("a gorgeous, witty, seductive movie", "fresh"), ("the best film of the year, funny and warm", "fresh"),
           ("a moving story told with grace", "fresh"), ("sharp writing and a great cast", "fresh"),
           ("a dull, lifeless mess", "rotten"), ("boring, long and badly acted", "rotten"),
           ("the worst script in years", "rotten"), ("a tired plot with no laughs", "rotten")]
# Short product reviews written for these tests: praise (好评) and complaints (差评).
CHINESE = [("质量很好，物流也快，非常满意", "好评"), ("这本书写得太好了，推荐大家看", "好评"),
           ("酒店干净，服务周到，下次还来", "好评"), ("iPhone 15 的屏幕很漂亮，值得购买", "好评"),
           ("包装破损，客服也不理人", "差评"), ("内容空洞，完全是浪费时间", "差评"),
           ("房间很吵，空调还坏了，失望", "差评"), ("用了3天就坏了，质量太差", "差评")]


def write_rows(path, rows, header=("text", "label"), encoding="utf-8", delimiter=","):
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_given_flags_win_and_the_recipe_fills_in_the_rest():
    model_args, data_args, training_args = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", "out",
                                                       "--learning_rate", "1e-3", "--hidden_size", "64"])
    assert training_args.learning_rate == 1e-3 and model_args.hidden_size == 64  # given
    assert model_args.embedding_learning_rate is None  # the recipe's: it depends on the word vectors
    assert training_args.warmup_steps == 0.1 and training_args.weight_decay == 0.01
    assert training_args.per_device_train_batch_size == 32
    assert training_args.eval_strategy == "epoch" and training_args.save_strategy == "epoch"
    assert training_args.load_best_model_at_end and training_args.metric_for_best_model == "accuracy"
    assert training_args.num_train_epochs is None and data_args.max_seq_length is None  # derived from the data
    assert model_args.tokenizer == "auto" and model_args.glove == "auto"
    # An evaluation schedule without a best-checkpoint pairing is not an error: the recipe steps aside.
    _, _, training_args = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", "out", "--save_strategy", "no"])
    assert not training_args.load_best_model_at_end


@pytest.mark.parametrize("flag, steps", [("0", 0), ("0.1", 10), ("0.05", 5), ("12", 12)])
def test_warmup_steps_below_one_are_a_share_of_all_steps_on_every_transformers_version(flag, steps):
    _, _, training_args = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", "out", "--warmup_steps", flag])
    assert training_args.get_warmup_steps(100) == steps


def test_warmup_ratio_still_works_where_transformers_has_it():
    _, _, training_args = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", "out"])
    if not hasattr(training_args, "warmup_ratio"):  # transformers 5: warmup_steps below 1 is the ratio
        assert training_args.get_warmup_steps(100) == 10
        return
    _, _, training_args = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", "out", "--warmup_ratio", "0.3"])
    assert training_args.get_warmup_steps(100) == 30


def test_a_run_with_only_files_and_some_flags_trains_with_the_recipe(tmp_path):
    train = write_rows(tmp_path / "train.csv", ENGLISH * 15)  # 120 rows, no validation file
    test = write_rows(tmp_path / "test.csv", ENGLISH)
    out = tmp_path / "out"
    arguments = parse_args(["--train_file", str(train), "--test_file", str(test), "--output_dir", str(out),
                            "--learning_rate", "1e-3", "--glove", "none", *SMALL])
    results = run(*arguments)
    model_args, data_args, training_args = arguments

    # Train, evaluate and predict without --do_* flags; 12 of 120 rows held out for validation.
    assert {"train_loss", "eval_accuracy", "test_accuracy"} <= set(results)
    assert results["eval_samples"] == 12
    # 108 rows are 4 steps an epoch: epochs raised toward MIN_TRAINING_STEPS, capped.
    state = json.loads((out / "trainer_state.json").read_text())
    assert state["num_train_epochs"] == 20
    assert training_args.num_train_epochs is None and data_args.max_seq_length is None  # as parsed: never written
    assert MIN_TRAINING_STEPS / 4 > 20 > RECIPE_EPOCHS
    evaluations = [row for row in state["log_history"] if "eval_accuracy" in row]
    assert len(evaluations) == 20  # every epoch
    assert state["best_model_checkpoint"] is not None and state["best_metric"] == max(
        row["eval_accuracy"] for row in evaluations)
    rates = [row["learning_rate"] for row in state["log_history"] if "learning_rate" in row]
    peak = max(rates)
    assert rates[0] < peak <= 1e-3 and rates[-1] < 0.05 * peak  # warm-up, then cosine decay to ~0
    card = (out / "README.md").read_text()
    length = int(re.search(r"- max_seq_length: (\d+) tokens", card).group(1))
    assert 0 < length <= 16  # the 99th percentile of these short texts, not 128 or 512
    # --glove none: the embeddings learn from random, at the recipe's faster rate
    assert "(embeddings 0.01)" in card and "## How the recipe adapted to this data" in card
    for what in ("tasks", "validation", "tokenizer: word", "max_seq_length", "epochs: 20",
                 "n-gram bag: 262,144 buckets; 1-2-grams of words", "embedding learning rate: 0.01 (no word vectors"):
        assert f"- {what}" in card, what
    config = json.loads((out / "config.json").read_text())
    assert (config["ngram_bag_buckets"], config["ngram_bag_order"]) == (2**18, 2)


def test_max_train_samples_cuts_the_file_before_the_validation_share_and_the_vocabulary(tmp_path):
    rows = ENGLISH * 15  # 120 rows, no validation file; a word only in the last 60
    rows[60:] = [(f"{text} zebra", label) for text, label in rows[60:]]
    train = write_rows(tmp_path / "train.csv", rows)
    arguments = parse_args(["--train_file", str(train), "--output_dir", str(tmp_path / "out"), "--glove", "none",
                            "--max_train_samples", "60", "--num_train_epochs", "1", *SMALL])
    results = run(*arguments)
    assert (results["train_samples"], results["eval_samples"]) == (54, 6)  # 10% of the 60 rows kept
    vocabulary = AutoTokenizer.from_pretrained(tmp_path / "out").get_vocab()
    assert "movie" in vocabulary and "zebra" not in vocabulary


def _plan_vectors(model_args, tokenizer):
    """The word vectors a plan gives a new model with this tokenizer (the plan's model arguments)."""
    facts = DataFacts(splits={"train": 8}, problem_type="fill-mask", tokenizer=tokenizer)
    return plan_pretraining(model_args, DataTrainingArguments(), parse_mlm_args(["--corpus", "rotten_tomatoes",
                                                                               "--output_dir", "out"])[3], facts)


def test_word_vectors_are_skipped_with_a_reason_when_they_cover_too_few_tokens(caplog):
    texts = [text for text, _ in CHINESE]
    model_args = ModelArguments(tokenizer="word", glove="glove.6B.50d", hidden_size=16, intermediate_size=32,
                                num_attention_heads=2)
    tokenizer, _ = new_tokenizer(texts, model_args, new_model_positions(model_args, DataTrainingArguments()))
    with caplog.at_level(logging.INFO, logger="hf_sincos_cls"):
        model, coverage, vectors = new_model(SinCosClsForSequenceClassification, model_args, tokenizer, texts,
                                             tokenizer.model_max_length, num_labels=2)
        plan = _plan_vectors(model_args, Choice("tokenizer", "word", "word (asked for)")).with_choice(vectors)
    assert coverage.token_share < model_args.min_vector_coverage
    assert vectors.value == "none" and model.config.embedding_size == 16  # no 50-wide GloVe projection
    assert model_args.glove == "glove.6B.50d"  # the argument as given: never written
    reason = plan.notes()["word vectors"]
    assert reason.startswith("none: glove.6B.50d skipped") and "--min_vector_coverage" in reason
    assert any("skipped" in record.getMessage() for record in caplog.records)


def test_english_keeps_glove_and_chinese_gets_characters_without_vectors():
    notes = {}
    for language, rows in (("english", ENGLISH), ("chinese", CHINESE)):
        texts = [text for text, _ in rows]
        model_args, data_args = ModelArguments(hidden_size=16, intermediate_size=32), DataTrainingArguments()
        tokenizer, chosen = new_tokenizer(texts, model_args, new_model_positions(model_args, data_args))
        plan = _plan_vectors(model_args, chosen)
        _, _, vectors = new_model(SinCosClsForSequenceClassification, plan.model_args, tokenizer, texts,
                                  tokenizer.model_max_length, num_labels=2)
        notes[language] = (plan.with_choice(vectors) if vectors is not None else plan).notes()
    assert notes["english"]["tokenizer"].startswith("word (auto:")
    assert notes["english"]["word vectors"].startswith("glove.6B.50d:")
    assert notes["chinese"]["tokenizer"].startswith("char (auto:")
    assert notes["chinese"]["word vectors"].startswith("none: character tokens")


@pytest.mark.slow
def test_a_chinese_model_from_the_plain_command_serves_through_pipeline_without_the_package(tmp_path):
    train = write_rows(tmp_path / "train.csv", CHINESE * 10)
    test = write_rows(tmp_path / "test.csv", CHINESE)
    out = tmp_path / "zh"
    check_ok(run_script("--train_file", str(train), "--test_file", str(test), "--output_dir", str(out),
                        "--num_train_epochs", "2", *SMALL))
    tokenizer = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    assert "Han" in json.dumps(tokenizer["pre_tokenizer"])  # the character mode's pattern
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "- tokenizer: char (auto:" in card and "Word vectors: random initialisation" in card
    assert "- n-gram bag: 262,144 buckets; 1-3-grams of characters" in card
    assert json.loads((out / "config.json").read_text())["ngram_bag_order"] == 3
    texts = ["质量很好，推荐购买", "太差了，退货"]
    installed = pipeline_predictions(out, texts, block_package=False)
    remote = pipeline_predictions(out, texts, block_package=True)
    assert [[r["label"] for r in a] for a in installed] == [[r["label"] for r in b] for b in remote]
    assert {r["label"] for r in remote[0]} == {"好评", "差评"}
    tokens = run_python(f"""
        from transformers import AutoTokenizer
        print(AutoTokenizer.from_pretrained({str(out)!r}, trust_remote_code=True).tokenize("iPhone很好"))
    """, cwd=str(tmp_path), block_package=True)
    assert tokens.strip().splitlines()[-1] == "['iphone', '很', '好']"


@pytest.mark.slow
@pytest.mark.parametrize("case", ["gbk_csv", "empty_text_cell", "tsv"])
def test_users_files_go_through_the_plain_command(tmp_path, case):
    rows = CHINESE * 4
    if case == "gbk_csv":  # what Excel on a Chinese Windows saves
        train = write_rows(tmp_path / "train.csv", rows, encoding="gbk")
        test = write_rows(tmp_path / "test.csv", CHINESE, encoding="gbk")
    elif case == "empty_text_cell":
        train = write_rows(tmp_path / "train.csv", [*rows, ("", "差评")])
        test = write_rows(tmp_path / "test.csv", [*CHINESE, ("", "好评")])
    else:
        quoted = [(f'他说"{text}', label) for text, label in rows]  # an unbalanced quote, as GLUE's files have
        train = write_rows(tmp_path / "train.tsv", quoted, delimiter="\t")
        test = write_rows(tmp_path / "test.tsv", CHINESE, delimiter="\t")
    out = tmp_path / "out"
    result = run_script("--train_file", str(train), "--test_file", str(test), "--output_dir", str(out),
                        "--num_train_epochs", "1", *SMALL)
    check_ok(result)
    assert "Traceback" not in result.stderr
    predictions = (out / "predict_results.txt").read_text(encoding="utf-8").splitlines()[1:]
    assert len(predictions) == len(CHINESE) + (case == "empty_text_cell")
    if case == "gbk_csv":
        assert "gb18030" in (result.stdout + result.stderr).lower()  # the encoding found is logged
