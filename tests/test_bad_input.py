"""Bad input to run_glue_style.py (issue 21): each is one line naming the file, line, column,
flag or value at fault, raised before any training work. In-process with a tiny model and a
few rows, so that each takes well under a second; one subprocess checks the exit code."""

import json
import logging
import re
import time

import pytest
from helpers import TINY, run_script, tiny_config, tiny_tokenizer

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.data import load_corpus
from hf_sincos_cls.glue_job import parse_args, run
from hf_sincos_cls.jobs import InputError

ROWS = "text,label\n" + "good fun film,pos\ndull bad plot,neg\n" * 4


def _train_file(tmp_path, content=ROWS, name="train.csv"):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


def _args(tmp_path, *extra, train=None):
    train = train or _train_file(tmp_path)
    return ["--train_file", str(train), "--output_dir", str(tmp_path / "out"), "--glove", "none", *TINY, *extra]


def _refused(tmp_path, message, *extra, train=None):
    """``run`` on these flags raises an InputError matching ``message`` and writes no checkpoint."""
    with pytest.raises(InputError, match=message) as raised:
        run(*parse_args(_args(tmp_path, *extra, train=train)))
    assert "\n" not in str(raised.value)
    assert not any((tmp_path / "out").glob("checkpoint-*"))
    return str(raised.value)


# Sizes --------------------------------------------------------------------------------------

@pytest.mark.parametrize("flag, value", [
    ("--max_seq_length", "0"), ("--max_seq_length", "-3"), ("--max_train_samples", "0"),
    ("--max_eval_samples", "0"), ("--max_predict_samples", "-1"), ("--early_stopping_patience", "0"),
    ("--per_device_train_batch_size", "0"), ("--per_device_eval_batch_size", "0"),
    ("--gradient_accumulation_steps", "0"),
])
def test_a_size_that_cannot_be_zero_or_negative_names_its_flag(tmp_path, flag, value):
    _refused(tmp_path, f"{flag} {value}: .*at least 1", flag, value)


@pytest.mark.parametrize("value", ["100", "-5", "150"])
def test_a_validation_percentage_outside_0_to_99_names_its_flag(tmp_path, value):
    _refused(tmp_path, f"--validation_split_percentage {value}: .*0 .*99", "--validation_split_percentage", value)


def test_a_tokenizer_of_no_words_names_its_flag(tmp_path):
    _refused(tmp_path, "--tokenizer_max_vocab 0: .*at least", "--tokenizer_max_vocab", "0")


def test_max_seq_length_above_the_package_ceiling_is_refused(tmp_path):
    from hf_sincos_cls.recipe import MAX_POSITIONS

    _refused(tmp_path, f"--max_seq_length 100000000: .*at most {MAX_POSITIONS:,}", "--max_seq_length", "100000000")


def test_max_position_embeddings_above_the_package_ceiling_is_refused(tmp_path):
    from hf_sincos_cls.recipe import MAX_POSITIONS

    _refused(tmp_path, f"--max_position_embeddings {MAX_POSITIONS + 1}: .*at most", "--max_position_embeddings",
             str(MAX_POSITIONS + 1))


def _saved_classifier(folder, **config):
    tokenizer = tiny_tokenizer(words=("good", "fun", "film", "dull", "bad", "plot"))
    model = SinCosClsForSequenceClassification(tiny_config(
        vocab_size=len(tokenizer), num_labels=2, id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1},
        **config))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_max_seq_length_above_a_saved_models_positions_is_capped_and_logged(tmp_path, caplog):
    saved = _saved_classifier(tmp_path / "saved")  # 32 positions, model_max_length 32
    test = _train_file(tmp_path, name="test.csv")
    args = ["--model_name_or_path", str(saved), "--test_file", str(test), "--do_predict", "--output_dir",
            str(tmp_path / "out"), "--report_to", "none", "--max_seq_length", "4096"]
    model_args, data_args, training_args = parse_args(args)
    with caplog.at_level(logging.INFO, logger="hf_sincos_cls"):
        run(model_args, data_args, training_args)
    assert data_args.max_seq_length == 4096  # as given; the plan cuts it
    assert "max_seq_length: 32 tokens (--max_seq_length 4096 is more than" in caplog.text


# Labels and columns -------------------------------------------------------------------------

def test_one_class_in_training_says_classification_needs_two(tmp_path):
    train = _train_file(tmp_path, "text,label\ngood fun film,pos\nfine film,pos\n")
    _refused(tmp_path, "classification needs at least two labels; every training row is labelled 'pos'", train=train)


@pytest.mark.parametrize("extra", [[], ["--text_column_names", "text"]])
def test_a_text_column_that_is_all_empty_says_it_has_no_text(tmp_path, extra):
    train = _train_file(tmp_path, "text,label\n,pos\n,neg\n\"\",pos\n")
    _refused(tmp_path, "text column 'text' of split 'train' .*has no text: every cell is empty", *extra, train=train)


def test_jsonl_labels_mixing_numbers_and_strings_name_the_file_and_column(tmp_path):
    train = _train_file(tmp_path, '{"text": "good", "label": 1}\n{"text": "bad", "label": "neg"}\n',
                        name="train.jsonl")
    message = _refused(tmp_path, "column 'label' of .*train.jsonl mixes", train=train)
    assert "int (row 1)" in message and "str (row 2)" in message


def test_a_label_column_named_after_the_texts_says_how_to_choose(tmp_path):
    # text,label with --label_column_name text: the column named 'label' would be the text
    message = _refused(tmp_path, "the label column is 'text', so column 'label' of .* would be read as the text",
                       "--label_column_name", "text")
    assert "--label_column_name" in message and "--text_column_names" in message


def test_a_label_column_that_is_also_the_text_column_says_how_to_choose(tmp_path):
    message = _refused(tmp_path, "label column 'text' is also the text column", "--label_column_name", "text",
                       "--text_column_names", "text")
    assert "--label_column_name" in message and "--text_column_names" in message


# Files --------------------------------------------------------------------------------------

def test_a_folder_named_like_a_data_file_is_called_a_folder(tmp_path):
    folder = tmp_path / "x.csv"
    folder.mkdir()
    _refused(tmp_path, re.escape(f"{folder} is a folder, not a file"), train=folder)


def test_a_broken_jsonl_line_names_the_file_and_the_line(tmp_path):
    train = _train_file(tmp_path, '{"text": "good", "label": "pos"}\n{"text": "bad", "label": "neg"}\n'
                                  '{"text": "fine", "label": \n{"text": "dull", "label": "neg"}\n', name="train.jsonl")
    _refused(tmp_path, r"train.jsonl is not valid JSON lines: line 3, column \d+", train=train)


def test_a_broken_json_document_names_the_file_line_and_column(tmp_path):
    train = _train_file(tmp_path, '[\n  {"text": "good", "label": "pos"},\n  {"text": "bad" "label": "neg"}\n]\n',
                        name="train.json")
    _refused(tmp_path, r"train.json is not valid JSON: line 3, column 18", train=train)


def test_a_malformed_arguments_file_names_the_file_line_and_column(tmp_path):
    path = tmp_path / "args.json"
    path.write_text('{\n  "corpus": "rotten_tomatoes",\n  "do_train": true\n  "output_dir": "out"\n}\n')
    with pytest.raises(InputError, match=re.escape(f"argument file {path} is not valid JSON: ") + r".*line 4, column 3"):
        parse_args([str(path)])


def test_an_arguments_file_with_an_unknown_key_names_the_file(tmp_path):
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"corpus": "rotten_tomatoes", "output_dir": "out", "max_seq_lenght": 64}))
    with pytest.raises(InputError, match=re.escape(f"argument file {path}: ") + ".*max_seq_lenght"):
        parse_args([str(path)])


# A huge cell --------------------------------------------------------------------------------

def test_a_huge_cell_is_cut_with_one_warning_naming_the_row(tmp_path, caplog):
    from hf_sincos_cls.data import MAX_TEXT_CHARS

    huge = "good fun film " * (3 * MAX_TEXT_CHARS // 14)
    train = _train_file(tmp_path, f"text,label\ndull plot,neg\n{huge},pos\n{huge},neg\n")
    with caplog.at_level(logging.WARNING, logger="hf_sincos_cls"):
        corpus = load_corpus({"train": train})
    assert [len(text) for text in corpus["train"]["text"]] == [9, MAX_TEXT_CHARS, MAX_TEXT_CHARS]
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1 and "row 2 of split 'train'" in warnings[0].getMessage()
    assert "(2 in all)" in warnings[0].getMessage()


def test_a_huge_cell_costs_seconds_not_minutes(tmp_path):
    huge = "good fun film " * (20_000_000 // 14)  # 20 MB in one cell
    train = _train_file(tmp_path, f"text,label\n{huge},pos\n" + "dull bad plot,neg\ngood film,pos\n" * 8)
    started = time.perf_counter()
    run(*parse_args(_args(tmp_path, "--max_steps", "1", "--save_strategy", "no", "--eval_strategy", "no",
                          "--validation_split_percentage", "0", train=train)))
    assert time.perf_counter() - started < 30


# A saved model whose weights do not fit its config ------------------------------------------

# The first tensor whose shape differs, with both shapes: saved 16 wide, config.json says 32.
MISMATCH = r" do not fit its config.json: [\w.]+ is \(\d+, 16\) in model.safetensors, \(\d+, 32\) by config.json"


@pytest.mark.parametrize("task", [["--do_eval"], ["--do_train"], ["--do_train", "--new_classifier_head"]])
def test_a_config_of_another_width_than_the_weights_is_one_line_naming_folder_and_tensor(tmp_path, task):
    saved = _saved_classifier(tmp_path / "saved")
    config = json.loads((saved / "config.json").read_text())
    (saved / "config.json").write_text(json.dumps({**config, "hidden_size": 32, "embedding_size": 32}))
    data = _train_file(tmp_path, ROWS.replace("pos", "fresh") if "--new_classifier_head" in task else ROWS)
    args = ["--model_name_or_path", str(saved), "--train_file", str(data), "--validation_file", str(data),
            "--output_dir", str(tmp_path / "out"), "--report_to", "none", *task]
    with pytest.raises(InputError, match=re.escape(str(saved)) + MISMATCH) as raised:
        run(*parse_args(args))
    assert "\n" not in str(raised.value)


def test_an_encoder_of_another_width_than_its_config_is_one_line(tmp_path):
    from hf_sincos_cls import SinCosClsForMaskedLM

    tokenizer = tiny_tokenizer(words=("good", "fun", "film", "dull", "bad", "plot"))
    folder = tmp_path / "encoder"
    SinCosClsForMaskedLM(tiny_config(vocab_size=len(tokenizer))).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "hidden_size": 32, "embedding_size": 32}))
    args = ["--model_name_or_path", str(folder), "--train_file", str(_train_file(tmp_path)), "--do_train",
            "--output_dir", str(tmp_path / "out"), "--report_to", "none"]
    with pytest.raises(InputError, match=re.escape(str(folder)) + MISMATCH):
        run(*parse_args(args))


# The script ---------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.one_lane
def test_a_bad_size_exits_2_with_one_line_and_no_traceback(tmp_path):
    result = run_script(*_args(tmp_path, "--max_seq_length", "0"))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --max_seq_length 0: ")
    assert not (tmp_path / "out").exists()
