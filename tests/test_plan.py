"""The recipe as a plan: parsed arguments are never written; one function turns them and the
data's statistics into a frozen RunPlan whose every derived value carries its reason."""

import ast
import dataclasses
from pathlib import Path

import pytest

from hf_sincos_cls.errors import InputError
from hf_sincos_cls.glue_job import parse_args
from hf_sincos_cls.recipe import (
    LENGTH_PERCENTILE,
    MAX_EPOCHS,
    MIN_TRAINING_STEPS,
    RECIPE_EPOCHS,
    Choice,
    DataFacts,
    model_limit,
    plan_classification,
)

PACKAGE = Path(__file__).resolve().parents[1] / "hf_sincos_cls"
ARGUMENT_NAMES = ("model_args", "data_args", "training_args", "mlm_args", "arguments")


def _facts(**changes) -> DataFacts:
    facts = DataFacts(splits={"train": 10000}, problem_type="single_label_classification", label_names=("neg", "pos"),
                      train_label_counts=(900, 100), token_lengths=tuple(range(1, 101)),
                      model_limit=model_limit(512, 512), tokenizer=Choice("tokenizer", "word", "word (auto: 0% of the words ...)"))
    return dataclasses.replace(facts, **changes)


def _plan(flags=(), **facts):
    arguments = parse_args(["--train_file", "train.csv", "--output_dir", "out", *flags])
    return arguments, plan_classification(*arguments, _facts(**facts))


def _written_attributes(tree: ast.AST):
    """(line, text) of each assignment to an attribute of a parsed-arguments name, outside __post_init__."""
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__post_init__":
            node.body = []  # writes there set the dataclass up: allowed
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr" and node.args:
            targets = [ast.Attribute(value=node.args[0], attr="?")]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id in ARGUMENT_NAMES:
                yield node.lineno, ast.unparse(target)


def test_no_module_writes_to_parsed_arguments_after_parsing():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for line, text in _written_attributes(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.relative_to(PACKAGE)}:{line} {text}")
    assert found == []


def test_the_plan_is_frozen_and_leaves_the_parsed_arguments_as_given():
    (model_args, data_args, training_args), plan = _plan()
    before = (dataclasses.asdict(model_args), dataclasses.asdict(data_args), training_args.to_dict())
    with pytest.raises(dataclasses.FrozenInstanceError):
        plan.choices = ()
    assert training_args.num_train_epochs is None and data_args.max_seq_length is None  # left to the recipe
    assert plan.training_args.num_train_epochs == RECIPE_EPOCHS and plan.data_args.max_seq_length == 104
    assert plan.model_args.glove == "glove.6B.50d" and model_args.glove == "auto"
    assert before == (dataclasses.asdict(model_args), dataclasses.asdict(data_args), training_args.to_dict())


def test_every_derived_value_has_its_reason():
    _, plan = _plan(held_out="100 rows (10%) held out of the training split")
    notes = plan.notes()
    assert notes["tasks"].startswith("train, evaluate (no --do_* flag")
    assert notes["validation"] == "100 rows (10%) held out of the training split"
    assert notes["tokenizer"].startswith("word (auto:")
    assert notes["max_seq_length"].startswith(f"104 tokens ({LENGTH_PERCENTILE}th percentile")
    assert notes["epochs"].startswith(f"{RECIPE_EPOCHS} (313 steps an epoch")


def test_given_flags_are_kept_and_a_length_beyond_the_model_is_cut():
    _, plan = _plan(["--num_train_epochs", "3", "--max_seq_length", "600", "--do_train"])
    assert plan.training_args.num_train_epochs == 3 and "epochs" not in plan.notes()
    assert plan.data_args.max_seq_length == 512
    assert "(--max_seq_length 600 is more than the model reads: max_position_embeddings 512)" in \
        plan.notes()["max_seq_length"]
    assert "tasks" not in plan.notes() and not plan.training_args.do_predict


@pytest.mark.parametrize("rows, epochs", [(100, MAX_EPOCHS), (32 * MIN_TRAINING_STEPS, RECIPE_EPOCHS),
                                          (32 * 100, 10)])
def test_epochs_rise_on_small_data_toward_the_least_steps(rows, epochs):
    _, plan = _plan(splits={"train": rows})
    assert plan.training_args.num_train_epochs == epochs


def test_without_validation_there_is_no_evaluation_nor_best_checkpoint():
    _, plan = _plan(splits={"train": 10000, "test": 10})
    assert plan.training_args.eval_strategy == "no" and not plan.training_args.load_best_model_at_end
    assert not plan.training_args.do_eval and plan.training_args.do_predict
    assert plan.notes()["evaluation"] == "none during training: no validation split"


def test_multi_label_data_keeps_the_best_micro_f1_and_regression_the_lowest_loss():
    _, plan = _plan(splits={"train": 1000, "validation": 100}, problem_type="multi_label_classification")
    assert (plan.training_args.metric_for_best_model, plan.training_args.greater_is_better) == ("micro_f1", True)
    _, plan = _plan(splits={"train": 1000, "validation": 100}, problem_type="regression", label_names=(),
                    train_label_counts=None)
    assert (plan.training_args.metric_for_best_model, plan.training_args.greater_is_better) == ("loss", False)


def test_class_weights_come_from_the_training_counts():
    _, plan = _plan(["--class_weight", "balanced"], splits={"train": 1000, "validation": 100})
    assert plan.class_weights == pytest.approx((1000 / (2 * 900), 1000 / (2 * 100)))
    with pytest.raises(InputError, match="'spam' is not a label of the data"):
        _plan(["--class_weight", "spam=3"], splits={"train": 1000, "validation": 100})


def test_a_metric_the_run_does_not_report_is_refused():
    with pytest.raises(InputError, match="--metric_for_best_model f2: this run reports loss, accuracy"):
        _plan(["--metric_for_best_model", "f2"], splits={"train": 1000, "validation": 100})


def test_character_tokens_get_no_word_vectors_and_pairs_get_segments():
    _, plan = _plan(tokenizer=Choice("tokenizer", "char", "char (auto: 90% of the words ...)"), has_pairs=True)
    assert plan.model_args.glove == "none" and plan.model_args.type_vocab_size == 2
    assert plan.notes()["word vectors"].startswith("none: character tokens")


def _pretraining_plan(flags=(), **facts):
    from hf_sincos_cls.mlm_job import parse_args as parse_mlm_args
    from hf_sincos_cls.recipe import plan_pretraining

    model_args, data_args, _, training_args = parse_mlm_args(["--train_file", "texts.txt", "--output_dir", "out",
                                                              *flags])
    return plan_pretraining(model_args, data_args, training_args,
                            DataFacts(**{"splits": {"train": 100}, "problem_type": "fill-mask",
                                         "tokenizer": Choice("tokenizer", "char", "char (auto: 90% of the words ...)"),
                                         **facts}))


def test_the_plan_settles_the_tokenizer_mode_and_turns_off_what_needs_evaluation():
    plan = _pretraining_plan(["--load_best_model_at_end"])  # nothing held out: no evaluation, no best checkpoint
    assert plan.model_args.tokenizer == "char" and plan.model_args.glove == "none"
    assert plan.training_args.eval_strategy == "no" and not plan.training_args.load_best_model_at_end
    with pytest.raises(InputError, match="reduce_lr_on_plateau requires an eval strategy"):
        _plan(["--lr_scheduler_type", "reduce_lr_on_plateau"])  # no validation split: transformers' own check


def test_a_glue_task_may_keep_the_checkpoint_by_its_own_metric():
    arguments = parse_args(["--task_name", "mrpc", "--output_dir", "out", "--metric_for_best_model", "f1"])
    plan = plan_classification(*arguments, _facts(splits={"train": 3668, "validation": 408}))
    assert plan.training_args.metric_for_best_model == "f1" and plan.training_args.load_best_model_at_end


def test_a_resume_is_noted_and_the_vectors_found_take_the_planned_place():
    _, plan = _plan(model_source="out/checkpoint-40")
    assert plan.notes()["resume"] == ("the tokenizer and model config of out/checkpoint-40, which the data is read "
                                      "with")
    _, plan = _plan()
    order = [choice.what for choice in plan.choices]
    built = plan.with_vectors(Choice("word vectors", "none", "none: glove.6B.50d skipped, only 3% ..."))
    assert [choice.what for choice in built.choices] == order and built.model_args.glove == "none"
    assert plan.model_args.glove == "glove.6B.50d"  # the plan itself is unchanged


def test_a_held_out_share_that_leaves_nothing_to_train_on_is_refused():
    from datasets import Dataset

    from hf_sincos_cls.data import hold_out_validation

    with pytest.raises(InputError, match="--validation_split_percentage 10 of 1 rows leaves none to train on"):
        hold_out_validation(Dataset.from_dict({"text": ["only one"]}), 10, 42, None)


def test_a_folder_without_a_tokenizer_is_a_one_line_error(tmp_path):
    from hf_sincos_cls import SinCosClsConfig
    from hf_sincos_cls.tokenization import load_tokenizer

    SinCosClsConfig(vocab_size=10).save_pretrained(tmp_path)
    with pytest.raises(InputError, match=f"transformers could not load the tokenizer in {tmp_path}"):
        load_tokenizer(tmp_path)


def test_embeddings_without_word_vectors_learn_faster_and_a_given_rate_is_kept():
    from hf_sincos_cls.recipe import EMBEDDING_LEARNING_RATE, EMBEDDING_LEARNING_RATE_RANDOM

    _, plan = _plan()  # word tokens: GloVe
    assert plan.model_args.embedding_learning_rate == EMBEDDING_LEARNING_RATE == 3e-3
    assert plan.notes()["embedding learning rate"] == "0.003 (pretrained word vectors)"
    _, plan = _plan(tokenizer=Choice("tokenizer", "char", "char (auto: 90% of the words ...)"))
    assert plan.model_args.embedding_learning_rate == EMBEDDING_LEARNING_RATE_RANDOM == 1e-2
    assert plan.notes()["embedding learning rate"].startswith("0.01 (no word vectors")
    # vectors skipped while building (too little coverage): the rate follows, in its place
    _, plan = _plan()
    order = [choice.what for choice in plan.choices]
    built = plan.with_vectors(Choice("word vectors", "none", "none: glove.6B.50d skipped, only 3% ..."))
    assert built.model_args.embedding_learning_rate == 1e-2 and [c.what for c in built.choices] == order
    assert plan.with_vectors(Choice("word vectors", "glove.6B.50d", "kept")).model_args.embedding_learning_rate == 3e-3
    # given: kept, without vectors too, and no reason is invented for it
    _, plan = _plan(["--embedding_learning_rate", "5e-4", "--glove", "none"])
    assert plan.model_args.embedding_learning_rate == 5e-4 and "embedding learning rate" not in plan.notes()
    built = plan.with_vectors(Choice("word vectors", "none", "none (asked for)"))
    assert built.model_args.embedding_learning_rate == 5e-4
    # a saved model's embeddings are trained already; pre-training keeps the gentle rate
    _, plan = _plan(model_source="saved")
    assert plan.model_args.embedding_learning_rate == 3e-3
    assert _pretraining_plan().model_args.embedding_learning_rate == 3e-3
