"""Bag-of-n-grams baselines: TF-IDF + LR and NB-weighted LR, and the benchmark's run over a corpus."""

import random

import numpy as np
import pytest
import scipy.sparse as sp

from benchmarks.baselines import (
    BASELINES,
    C_GRID,
    NBLogisticRegression,
    cross_validated_accuracy,
    fit_baseline,
    fasttext_tokens,
    log_count_ratio,
    nb_logistic_regression,
    run_baselines,
    run_fasttext,
    tfidf_logistic_regression,
)

FILLER = ["film", "story", "scene", "actor", "plot", "music", "cast", "ending", "script", "camera"]


def _separable(keywords, n_per_class, seed):
    """Texts of three shared filler words and one keyword that alone names the class."""
    rng = random.Random(seed)
    texts, labels = [], []
    for label, keyword in enumerate(keywords):
        for _ in range(n_per_class):
            words = [*rng.sample(FILLER, 3), keyword]
            rng.shuffle(words)
            texts.append(" ".join(words))
            labels.append(label)
    return texts, labels


def _train_and_held_out(keywords):
    train_texts, train_labels = _separable(keywords, 20, seed=0)
    texts, labels = _separable(keywords, 10, seed=1)
    seen = set(train_texts)
    held_out = [(text, label) for text, label in zip(texts, labels) if text not in seen]
    return train_texts, train_labels, [t for t, _ in held_out], np.array([label for _, label in held_out])


def test_tfidf_logistic_regression_learns_a_separable_problem():
    train_texts, train_labels, test_texts, test_labels = _train_and_held_out(["superb", "awful"])
    predictions = tfidf_logistic_regression(train_texts, train_labels, test_texts)
    assert (predictions == test_labels).mean() == 1.0


def test_nb_logistic_regression_learns_a_separable_problem():
    train_texts, train_labels, test_texts, test_labels = _train_and_held_out(["superb", "awful"])
    predictions = nb_logistic_regression(train_texts, train_labels, test_texts)
    assert (predictions == test_labels).mean() == 1.0


def test_log_count_ratio_matches_hand_computation():
    # Columns bad, fun, good, movie; texts "good movie" (+), "good fun" (+), "bad movie" (-).
    features = np.array([[0, 0, 1, 1], [0, 1, 1, 0], [1, 0, 0, 1]])
    # alpha 1: p = 1 + [0, 1, 2, 1] = [1, 2, 3, 2], |p| = 8; q = 1 + [1, 0, 0, 1] = [2, 1, 1, 2], |q| = 6.
    # r = log((p / 8) / (q / 6)) = log([6/16, 12/8, 18/8, 12/16]).
    expected = np.log([3 / 8, 3 / 2, 9 / 4, 3 / 4])
    np.testing.assert_allclose(log_count_ratio(features, np.array([True, True, False])), expected)


def test_log_count_ratio_counts_a_repeated_word_once():
    once = np.array([[0, 0, 1, 1], [0, 1, 1, 0], [1, 0, 0, 1]])
    repeated = once * np.array([[1], [3], [2]])
    positive = np.array([True, True, False])
    np.testing.assert_allclose(log_count_ratio(repeated, positive), log_count_ratio(once, positive))


def test_nb_logistic_regression_keeps_one_ratio_for_two_classes():
    features = sp.csr_matrix(np.array([[0, 0, 1, 1], [0, 1, 1, 0], [1, 0, 0, 1]]))
    model = NBLogisticRegression().fit(features, [1, 1, 0])
    np.testing.assert_allclose(model.ratios_, [log_count_ratio(features, np.array([True, True, False]))])


def test_nb_logistic_regression_keeps_one_ratio_per_class_beyond_two():
    features = sp.csr_matrix(np.array([[1, 0, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 1]]))
    labels = np.array([0, 0, 1, 2])
    model = NBLogisticRegression().fit(features, labels)
    expected = [log_count_ratio(features, labels == label) for label in (0, 1, 2)]
    np.testing.assert_allclose(model.ratios_, expected)


def test_nb_logistic_regression_one_vs_rest_predicts_three_classes():
    train_texts, train_labels, test_texts, test_labels = _train_and_held_out(["superb", "awful", "middling"])
    predictions = nb_logistic_regression(train_texts, train_labels, test_texts)
    assert (predictions == test_labels).mean() == 1.0


def test_unknown_baseline_is_rejected():
    with pytest.raises(ValueError, match="unknown baseline 'svm'"):
        fit_baseline("svm", ["good film", "bad film"], [1, 0])


# The baselines fitted on a BBC News subsample (5 s to fit): scikit-learn and the corpus alone,
# so the slow lane of one transformers version runs them.
def ON_BBC_NEWS(test):
    return pytest.mark.slow(pytest.mark.one_lane(test))


@pytest.fixture(scope="module")
def bbc_subsample():
    """Both baselines on a stratified slice of BBC News (150 / 50 / 100 texts), two seeds."""
    return run_baselines("bbc_news", seeds=(0, 1), max_train_samples=150, max_eval_samples=50,
                         max_predict_samples=100)


@ON_BBC_NEWS
def test_run_baselines_reports_both_models_with_their_metrics(bbc_subsample):
    assert bbc_subsample["sizes"] == {"train": 150, "validation": 50, "test": 100}
    assert set(bbc_subsample["models"]) == set(BASELINES)
    for result in bbc_subsample["models"].values():
        for key in ("test_accuracy", "test_macro_f1", "validation_accuracy", "fit_seconds", "final_fit_seconds"):
            assert set(result[key]) == {"mean", "std", "values"} and len(result[key]["values"]) == 2
        assert len(result["C"]) == 2


@ON_BBC_NEWS
def test_run_baselines_beats_measured_accuracy_on_bbc_subsample(bbc_subsample):
    # Measured at this size over split seeds 0-9: TF-IDF 91-96%, NB-LR 92-96% (91% and 95% at
    # seed 0, which this test uses). The run is deterministic, so 80% leaves 11 points for
    # library changes, while a broken model would sit near the 24% of the largest class.
    for name, result in bbc_subsample["models"].items():
        assert result["test_accuracy"]["mean"] > 0.80, name


@ON_BBC_NEWS
def test_run_baselines_picks_the_smallest_C_with_the_best_validation_accuracy(bbc_subsample):
    for name, result in bbc_subsample["models"].items():
        by_C = {float(c): accuracy for c, accuracy in result["validation_accuracy_by_C"].items()}
        assert len(set(by_C.values())) > 1, f"{name}: every C ties, so the choice shows nothing"
        best = max(by_C.values())
        assert result["C"][0] == min(c for c, accuracy in by_C.items() if accuracy == best), name


@ON_BBC_NEWS
def test_run_baselines_reports_deterministic_models_without_variance(bbc_subsample):
    for name, result in bbc_subsample["models"].items():
        assert result["deterministic"] is True, name
        assert result["test_accuracy"]["std"] == 0.0, name


@pytest.mark.slow
@pytest.mark.one_lane  # scikit-learn alone: the transformers version does not enter
def test_cross_validation_pools_every_split_and_reports_each_C():
    cv = cross_validated_accuracy("bbc_news", folds=3, max_samples=300)
    assert cv["texts"] == 300 and cv["folds"] == 3
    assert [float(c) for c in cv["accuracy_by_C"]] == list(C_GRID)
    assert all(0.0 <= a <= 1.0 for a in cv["accuracy_by_C"].values())
    assert cv["best_accuracy"] == max(cv["accuracy_by_C"].values())
    assert cv["accuracy_by_C"][str(cv["best_C"])] == cv["best_accuracy"]
    assert cv["best_accuracy"] > 0.8  # five news topics apart by their words, even from 200 articles


def test_fasttext_lines_split_words_from_punctuation_or_space_characters_apart():
    assert fasttext_tokens("A fine,\nslow FILM!") == "a fine , slow film !"
    assert fasttext_tokens("很好 用。\n推荐", "char") == "很 好 用 。 推 荐"


@ON_BBC_NEWS
def test_fasttext_picks_its_pair_on_validation_and_refits_each_seed():
    result = run_fasttext("bbc_news", seeds=(0, 1), max_train_samples=150, max_eval_samples=50,
                          max_predict_samples=100)
    assert result["sizes"] == {"train": 150, "validation": 50, "test": 100}
    by_pair = result["validation_accuracy_by_pair"]
    assert len(by_pair) == 6 and by_pair[f"epoch {result['epoch']}, lr {result['lr']:g}"] == max(by_pair.values())
    assert len(result["test_accuracy"]["values"]) == 2
    # five news topics: the largest class is 24%; fastText from 150 articles reaches far above it
    assert result["test_accuracy"]["mean"] > 0.6


def test_fasttext_without_its_module_is_a_recorded_skip(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "fasttext", None)  # import fasttext raises ImportError
    result = run_fasttext("bbc_news", max_train_samples=10)
    assert set(result) == {"skipped"} and "hf_sincos_cls[bench]" in result["skipped"]
