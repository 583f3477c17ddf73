"""The linear bag of hashed n-grams beside the encoder (config ``ngram_bag_buckets``,
``ngram_bag_order``): what it adds to the logits, that the blog's value builds none, that it
saves, loads (AutoModel with and without the package), serves (pipeline, ONNX) and trains at the
word vectors' rate, and that the recipe chooses it."""

import dataclasses
import json

import numpy as np
import pytest
import torch
from helpers import run_python, tiny_config, tiny_tokenizer
from transformers import AutoModelForSequenceClassification, pipeline

from hf_sincos_cls import SinCosClsConfig, SinCosClsForSequenceClassification
from hf_sincos_cls.configuration_sincos_cls import SinCosClsConfigError
from hf_sincos_cls.glue_job import parse_args
from hf_sincos_cls.modeling_sincos_cls import _NGRAM_MODULUS, _NGRAM_PRIME
from hf_sincos_cls.recipe import NGRAM_BAG_BUCKETS, Choice, DataFacts, model_limit, plan_classification

WORDS = ("good", "bad", "movie", "plot", "fun", "dull", "the", "a")


def bag_model(buckets=97, order=2, seed=0, **overrides):
    """A tiny classifier whose bag holds random weights (it starts at zero), in eval mode."""
    torch.manual_seed(seed)
    model = SinCosClsForSequenceClassification(tiny_config(vocab_size=4 + len(WORDS), ngram_bag_buckets=buckets,
                                                           ngram_bag_order=order, **overrides))
    with torch.no_grad():
        model.ngram_bag.weight.normal_()
    return model.eval()


def expected_bag(weight: torch.Tensor, ids: list[int], order: int) -> torch.Tensor:
    """The bag's logits for one unpadded text, written out n-gram by n-gram."""
    total = torch.zeros(weight.shape[1])
    for n in range(1, order + 1):
        for start in range(len(ids) - n + 1):
            code = ids[start]
            for token in ids[start + 1:start + n]:
                code = (code * _NGRAM_PRIME + token) % _NGRAM_MODULUS
            total += weight[code % weight.shape[0]]
    return total / max(1, len(ids)) ** 0.5


@pytest.mark.parametrize("order", [1, 2, 3])
def test_the_bag_adds_each_ngrams_row_weighted_by_the_texts_length(order):
    model = bag_model(order=order)
    ids = torch.tensor([[5, 7, 9, 5, 7, 0, 0], [6, 6, 0, 0, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        got = model.ngram_bag(ids, mask)
        encoder_only = model.classifier(model.model(input_ids=ids, attention_mask=mask).pooler_output)
        logits = model(input_ids=ids, attention_mask=mask).logits
    for row in range(2):
        real = ids[row][mask[row].bool()].tolist()
        torch.testing.assert_close(got[row], expected_bag(model.ngram_bag.weight.detach(), real, order))
    torch.testing.assert_close(logits, encoder_only + got)


def test_padding_and_the_batch_do_not_change_a_texts_logits():
    model = bag_model(order=3)
    ids = torch.tensor([[5, 7, 9, 11, 6], [8, 9, 0, 0, 0]])
    mask = (ids != 0).long()
    with torch.no_grad():
        batched = model(input_ids=ids, attention_mask=mask).logits
        alone = model(input_ids=torch.tensor([[8, 9]])).logits
    torch.testing.assert_close(batched[1], alone[0])


def test_an_empty_text_and_one_longer_than_the_model_reads():
    model = bag_model()
    with torch.no_grad():
        empty = model(input_ids=torch.zeros((2, 0), dtype=torch.long)).logits
        assert torch.equal(empty, model.classifier(torch.zeros(2, model.config.hidden_size)))
        long_ids = torch.randint(4, 12, (1, 40))  # max_position_embeddings is 32: the encoder reads 32
        cut = model(input_ids=long_ids[:, :32]).logits
        torch.testing.assert_close(model(input_ids=long_ids).logits, cut)


def test_the_blog_value_builds_no_bag_and_a_new_bag_starts_at_zero():
    blog = SinCosClsForSequenceClassification(tiny_config())
    assert blog.config.ngram_bag_buckets == 0 and blog.ngram_bag is None
    assert not any("ngram_bag" in name for name in blog.state_dict())
    fresh = SinCosClsForSequenceClassification(tiny_config(ngram_bag_buckets=50))
    assert fresh.ngram_bag.weight.shape == (50, 3) and not fresh.ngram_bag.weight.any()


@pytest.mark.parametrize("field, value, message", [
    ("ngram_bag_buckets", -1, "must be a non-negative integer"),
    ("ngram_bag_buckets", 2.5, "must be a non-negative integer"),
    ("ngram_bag_order", 0, "must be 1, 2, 3 or 4"),
    ("ngram_bag_order", 5, "must be 1, 2, 3 or 4"),
])
def test_bad_bag_fields_are_named(field, value, message):
    with pytest.raises(SinCosClsConfigError, match=rf"SinCosClsConfig\.{field}={value!r}: {message}"):
        SinCosClsConfig(**{field: value})


def test_inputs_embeds_alone_is_refused_with_the_reason():
    model = bag_model()
    with pytest.raises(ValueError, match="the n-gram bag reads input_ids"):
        model(inputs_embeds=torch.randn(1, 3, model.config.embedding_size))


def saved_bag_folder(tmp_path, order=2, **overrides):
    model = bag_model(order=order, id2label={0: "a", 1: "b", 2: "c"}, label2id={"a": 0, "b": 1, "c": 2}, **overrides)
    folder = tmp_path / "model"
    model.save_pretrained(folder)
    tiny_tokenizer(WORDS).save_pretrained(folder)
    return model, folder


def test_saved_in_config_json_and_loaded_by_auto_model_with_equal_logits(tmp_path):
    model, folder = saved_bag_folder(tmp_path, order=3)
    loaded, info = AutoModelForSequenceClassification.from_pretrained(folder, output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"]
    assert (loaded.config.ngram_bag_buckets, loaded.config.ngram_bag_order) == (97, 3)
    ids = torch.tensor([[5, 7, 9, 4, 6]])
    with torch.no_grad():
        assert torch.equal(loaded.eval()(input_ids=ids).logits, model(input_ids=ids).logits)


@pytest.mark.slow
def test_trust_remote_code_and_the_pipeline_give_the_bags_logits_without_the_package(tmp_path):
    model, folder = saved_bag_folder(tmp_path)
    tokenizer = tiny_tokenizer(WORDS)
    encoded = tokenizer(["good movie", "the plot was dull"], padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = model(input_ids=encoded["input_ids"], attention_mask=encoded["attention_mask"]).logits
    out = run_python(f"""
        import json, torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer, pipeline
        folder = {str(folder)!r}
        model = AutoModelForSequenceClassification.from_pretrained(folder, trust_remote_code=True).eval()
        assert type(model).__module__.startswith("transformers_modules"), type(model).__module__
        batch = AutoTokenizer.from_pretrained(folder)(["good movie", "the plot was dull"], padding=True,
                                                      return_tensors="pt")
        with torch.no_grad():
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
        print("LOGITS", json.dumps(logits.tolist()))
        """, cwd=str(tmp_path), block_package=True)
    printed = out.rsplit("LOGITS ", 1)[1].splitlines()[0]  # after any progress bar on the same line
    np.testing.assert_allclose(np.array(json.loads(printed)), expected.numpy(), atol=1e-5)
    classify = pipeline("text-classification", model=str(folder))
    scores = classify("good movie", top_k=None)
    probabilities = torch.softmax(expected[0], dim=-1)
    by_label = {entry["label"]: entry["score"] for entry in scores}
    np.testing.assert_allclose([by_label[name] for name in ("a", "b", "c")], probabilities.numpy(), atol=1e-5)


@pytest.mark.parametrize("order, pooling", [(2, "mean"), (3, "mean_max")])
def test_onnx_logits_equal_torch_with_the_bag_and_mean_max_pooling(tmp_path, order, pooling):
    ort = pytest.importorskip("onnxruntime", reason="the onnx extra is installed by scripts/setup_env.sh")
    from hf_sincos_cls.onnx_export import export_onnx

    model, folder = saved_bag_folder(tmp_path, order=order, pooling_mode=pooling)
    export_onnx(folder, tmp_path / "onnx", quantize=False)
    session = ort.InferenceSession(str(tmp_path / "onnx" / "model.onnx"), providers=["CPUExecutionProvider"])
    worst = 0.0
    for batch, length in [(1, 1), (1, 2), (4, 9), (3, 30)]:
        ids = torch.randint(4, model.config.vocab_size, (batch, length), generator=torch.Generator().manual_seed(length))
        mask = torch.ones_like(ids)
        for row in range(1, batch):
            mask[row, max(1, length - 2 * row):] = 0
        ids = ids.masked_fill(mask == 0, 0)
        with torch.no_grad():
            expected = model(input_ids=ids, attention_mask=mask).logits.numpy()
        got = session.run(["logits"], {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})[0]
        worst = max(worst, float(np.abs(got - expected).max()))
    assert worst <= 1e-4, f"max |logit difference| {worst:.3g}"


def test_the_bag_learns_at_the_word_vectors_rate():
    from transformers import TrainingArguments

    from hf_sincos_cls.training import SinCosClsTrainer

    model = bag_model()
    args = TrainingArguments(output_dir="unused", learning_rate=5e-4, weight_decay=0.01, report_to="none",
                             use_cpu=True)
    trainer = SinCosClsTrainer(model=model, args=args, embedding_learning_rate=3e-3)
    optimizer = trainer.create_optimizer()
    rate = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    assert rate[id(model.ngram_bag.weight)] == rate[id(model.get_input_embeddings().weight)] == 3e-3
    assert rate[id(model.classifier.weight)] == 5e-4


def test_a_label_mapping_keeps_the_bags_columns_for_the_mapped_labels():
    from types import SimpleNamespace

    from hf_sincos_cls.heads import _with_mapped_classifier

    model = bag_model()
    before = model.ngram_bag.weight.detach().clone()
    columns = SimpleNamespace(label_names=["y", "x"], is_multi_label=False, is_regression=False)
    mapped = _with_mapped_classifier(model, columns, "x=a,y=c", ["a", "b", "c"])
    assert torch.equal(mapped.ngram_bag.weight.detach(), before[:, [2, 0]])


def _plan(flags=(), tokenizer="word", problem_type="single_label_classification", source="new", lengths=(10,) * 50):
    facts = DataFacts(splits={"train": 1000}, problem_type=problem_type, label_names=("neg", "pos"),
                      train_label_counts=(500, 500), token_lengths=lengths, model_limit=model_limit(512, 512),
                      tokenizer=Choice("tokenizer", tokenizer, f"{tokenizer} (asked for)"), model_source=source)
    if problem_type == "regression":
        facts = dataclasses.replace(facts, label_names=(), train_label_counts=None)
    return plan_classification(*parse_args(["--train_file", "t.csv", "--output_dir", "o", *flags]), facts)


@pytest.mark.parametrize("tokenizer, order, unit", [("word", 2, "words"), ("char", 3, "characters")])
def test_the_recipe_gives_a_new_classifier_the_bag_with_its_reason(tokenizer, order, unit):
    plan = _plan(tokenizer=tokenizer)
    assert (plan.model_args.ngram_bag_buckets, plan.model_args.ngram_bag_order) == (NGRAM_BAG_BUCKETS, order)
    assert plan.notes()["n-gram bag"].startswith(f"{NGRAM_BAG_BUCKETS:,} buckets; 1-{order}-grams of {unit}")
    assert plan.model_args.config_fields()["ngram_bag_buckets"] == NGRAM_BAG_BUCKETS


def test_given_bag_flags_are_kept_and_zero_is_the_blog():
    plan = _plan(["--ngram_bag_buckets", "1024", "--ngram_bag_order", "1"])
    assert (plan.model_args.ngram_bag_buckets, plan.model_args.ngram_bag_order) == (1024, 1)
    assert plan.notes()["n-gram bag"].startswith("1,024 buckets (asked for); 1-1-grams of words (asked for)")
    off = _plan(["--ngram_bag_buckets", "0"])
    assert off.model_args.ngram_bag_buckets == 0 and "the blog" in off.notes()["n-gram bag"]


def test_regression_and_a_saved_model_get_no_new_bag():
    regression = _plan(problem_type="regression")
    assert regression.model_args.ngram_bag_buckets == 0 and "regression" in regression.notes()["n-gram bag"]
    saved = _plan(source="saved")
    assert saved.model_args.ngram_bag_buckets is None and "n-gram bag" not in saved.notes()
    # Pre-training leaves the flags at None: the config's default (no bag) applies.
    model_args = parse_args(["--train_file", "t.csv", "--output_dir", "o"])[0]
    assert "ngram_bag_buckets" not in model_args.config_fields()


def test_many_labels_get_fewer_buckets_within_the_weight_budget():
    from hf_sincos_cls.recipe import NGRAM_BAG_MAX_WEIGHTS

    names = tuple(f"label{i}" for i in range(100))
    facts = DataFacts(splits={"train": 1000}, problem_type="multi_label_classification", label_names=names,
                      train_label_counts=(10,) * 100, token_lengths=(10,) * 50, model_limit=model_limit(512, 512),
                      tokenizer=Choice("tokenizer", "word", "word (asked for)"))
    plan = plan_classification(*parse_args(["--train_file", "t.csv", "--output_dir", "o"]), facts)
    buckets = plan.model_args.ngram_bag_buckets
    assert buckets == 2**15 and buckets * 100 <= NGRAM_BAG_MAX_WEIGHTS < 2 * buckets * 100
    assert plan.notes()["n-gram bag"].startswith(f"32,768 buckets (100 labels: at most {NGRAM_BAG_MAX_WEIGHTS:,} weights)")


def test_word_dropout_comes_with_the_bag_and_a_given_value_is_kept():
    from hf_sincos_cls.recipe import WORD_DROPOUT

    plan = _plan()
    assert plan.model_args.word_dropout_prob == WORD_DROPOUT and "word dropout" in plan.notes()
    assert _plan(["--word_dropout_prob", "0.3"]).model_args.word_dropout_prob == 0.3
    without = _plan(["--ngram_bag_buckets", "0"])
    assert without.model_args.word_dropout_prob == 0.0
    assert without.notes()["word dropout"].startswith("none (no n-gram bag")
    assert _plan(source="saved").model_args.word_dropout_prob is None
    chars, long = _plan(tokenizer="char"), _plan(lengths=(300,) * 50)
    assert chars.model_args.word_dropout_prob == 0.0  # measured: it lost on characters
    assert chars.notes()["word dropout"].startswith("none (character tokens")
    assert long.model_args.word_dropout_prob == 0.0  # and on long texts
    assert long.notes()["word dropout"].startswith("none (long texts, 99th percentile 300 tokens, at least 128")
