"""What counts as bad input: only the package's own ``InputError`` becomes the scripts' one-line
error (exit code 2); any other exception, a ``ValueError`` of ours included, keeps its traceback."""

import importlib.util
import json
import os

import pytest
from helpers import REPO, tiny_config, tiny_tokenizer

from hf_sincos_cls import SinCosClsForSequenceClassification
from hf_sincos_cls.errors import (
    InputError,
    InputTypeError,
    MissingFileError,
    OutputError,
    input_errors,
    loading_errors,
)
from hf_sincos_cls.onnx_export import ExportError


def _bug():
    raise ValueError("an index computed wrong")


def test_input_errors_converts_an_input_error_and_lets_anything_else_through_with_its_traceback():
    with pytest.raises(ExportError, match="^folder: no such label$") as raised:
        with input_errors(ExportError, prefix="folder: "):
            raise InputError("no such label")
    assert type(raised.value.__cause__) is InputError
    with pytest.raises(OutputError, match="^disk full$"):  # already an InputError: as it is
        with input_errors(prefix="folder: "):
            raise OutputError("disk full")
    for unexpected in (_bug, lambda: open(os.devnull + "/nothing")):  # a ValueError, an OSError
        with pytest.raises((ValueError, OSError)) as raised:
            with input_errors(ExportError, prefix="folder: "):
                unexpected()
        assert not isinstance(raised.value, InputError)
        assert not str(raised.value).startswith("folder: ")
    with pytest.raises(ValueError) as raised:
        with loading_errors(prefix="folder: "):
            _bug()
    assert type(raised.value) is ValueError and raised.traceback[-1].name == "_bug"


def test_loading_errors_takes_what_a_saved_folder_can_be_wrong_with():
    from hf_sincos_cls import SinCosClsConfig

    with pytest.raises(InputError, match=r"^m: SinCosClsConfig\.pooling_layers=9: "):
        with loading_errors(prefix="m: "):
            SinCosClsConfig(num_hidden_layers=2, pooling_layers=9)
    with pytest.raises(ExportError, match="^m: gone$"):
        with loading_errors(ExportError, prefix="m: "):
            raise FileNotFoundError("gone")
    with pytest.raises(RuntimeError, match="^out of memory$"):  # a RuntimeError other than a size mismatch
        with loading_errors(prefix="m: "):
            raise RuntimeError("out of memory")


def test_the_subclasses_are_still_what_callers_caught_before():
    assert issubclass(MissingFileError, FileNotFoundError) and issubclass(MissingFileError, InputError)
    assert issubclass(InputTypeError, TypeError) and issubclass(InputTypeError, InputError)
    assert str(MissingFileError("folder x does not exist")) == "folder x does not exist"


def _explain_script():
    spec = importlib.util.spec_from_file_location("explain_script", os.path.join(REPO, "scripts", "explain.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _saved_classifier(folder, **config):
    tokenizer = tiny_tokenizer()
    SinCosClsForSequenceClassification(tiny_config(vocab_size=len(tokenizer), num_labels=2)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    saved = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**saved, **config}))
    return folder


def test_a_bad_config_field_is_one_line_and_a_bug_while_loading_keeps_its_traceback(tmp_path, capsys, monkeypatch):
    folder = _saved_classifier(tmp_path / "model", pooling_layers=9)
    args = ["--model", str(folder), "--text", "fun", "--output_dir", str(tmp_path / "out")]
    script = _explain_script()
    capsys.readouterr()  # transformers 5's progress bar of the save
    assert script.main(args) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {folder} could not be loaded: SinCosClsConfig.pooling_layers=9: must be an integer from 1 to "
        "num_hidden_layers=3"]

    from transformers import AutoModelForSequenceClassification

    def broken(*args, **kwargs):
        raise ValueError("a bug of ours while loading")

    good = _saved_classifier(tmp_path / "good")
    monkeypatch.setattr(AutoModelForSequenceClassification, "from_pretrained", broken)
    with pytest.raises(ValueError, match="^a bug of ours while loading$") as raised:
        script.main(["--model", str(good), "--text", "fun", "--output_dir", str(tmp_path / "out")])
    assert not isinstance(raised.value, InputError) and raised.traceback[-1].name == "broken"
