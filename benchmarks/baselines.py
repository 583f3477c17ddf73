"""Bag-of-n-grams baselines: the models a user would train instead of ours, on the same splits.

- ``tfidf_logistic_regression``: TF-IDF of word 1-2-grams (sublinear tf) and logistic regression.
- ``nb_logistic_regression``: NB-weighted logistic regression in the manner of NBSVM (Wang &
  Manning, "Baselines and Bigrams", ACL 2012): binarised 1-2-gram features scaled by the
  log-count ratio ``r`` of each feature between the classes; one-vs-rest with one ``r`` per
  class when there are more than two.

Both share one vectoriser setting, so the comparison between them is the weighting alone.
``C`` is picked on a validation split when one is given (the test split is never looked at);
:func:`run_baselines` does that for a corpus from :func:`~hf_sincos_cls.data.load_corpus` and
reports test accuracy and macro-F1 over seeds.
"""

from __future__ import annotations

import logging
import re
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

from hf_sincos_cls.data import corpus_columns, load_corpus, stratified_subsample
from hf_sincos_cls.errors import InputError

logger = logging.getLogger(__name__)

BASELINES = ("tfidf_logistic_regression", "nb_logistic_regression")

#: Inverse regularisation strengths tried on the validation split, smallest first.
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
#: C without a validation split: what the search picks on Rotten Tomatoes' validation split
#: (split_seed 0), the harder of our two corpora. On BBC News it picks 1 and 0.1, and these
#: defaults score within one validation text of those.
DEFAULT_C = {"tfidf_logistic_regression": 3.0, "nb_logistic_regression": 1.0}
# n-grams seen in a single training text are mostly names and typos: dropping them cuts the
# vocabulary from 120k to 28k entries (Rotten Tomatoes) and 305k to 86k (BBC News), and BBC
# fits up to threefold. On Rotten Tomatoes' validation split that cost TF-IDF nothing and
# NB-LR about 1 point (best C, 78.1 against 79.0: within one standard error on 1,275 texts).
DEFAULT_MIN_DF = 2
DEFAULT_NGRAM_RANGE = (1, 2)
# Our corpora converge in under 60 lbfgs iterations at C=1 and C=100; a cap well above
# sklearn's 100 leaves room for larger vocabularies instead of a half-fitted baseline.
MAX_ITER = 1000


# --------------------------------------------------------------------------- NB weighting


def _binarise(features) -> sp.csr_matrix:
    binary = sp.csr_matrix(features, dtype=np.float64)
    binary.data = (binary.data > 0).astype(np.float64)
    return binary


def log_count_ratio(features, positive: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """Wang & Manning's ``r = log((p / |p|_1) / (q / |q|_1))`` for each feature (column).

    ``p = alpha + `` the number of ``positive`` rows holding the feature, ``q`` the same over
    the other rows. Features are binarised first: a word said twice in one text counts once.
    """
    binary = _binarise(features)
    positive = np.asarray(positive, dtype=bool)
    if positive.shape != (binary.shape[0],):
        raise InputError(f"{binary.shape[0]} rows of features but {positive.shape} targets")
    if positive.all() or not positive.any():
        raise InputError("the log-count ratio needs rows of both the class and the rest")
    p = alpha + np.asarray(binary[positive].sum(axis=0)).ravel()
    q = alpha + np.asarray(binary[~positive].sum(axis=0)).ravel()
    return np.log(p / p.sum()) - np.log(q / q.sum())


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression on binarised bag-of-n-gram features scaled by the log-count ratio (NBSVM-style).

    Two classes: one ``r`` and one classifier, as in the paper. More: one-vs-rest, one ``r`` and
    one binary classifier per class, and the class with the highest score wins. The paper's
    interpolation towards the mean weight (its ``beta``) is left out: it belongs to its SVM, and
    logistic regression's L2 penalty already keeps weights small.
    """

    def __init__(self, C: float = 1.0, alpha: float = 1.0, seed: int = 0, max_iter: int = MAX_ITER):
        self.C = C
        self.alpha = alpha
        self.seed = seed
        self.max_iter = max_iter

    def fit(self, features, labels):
        """Fit one ``r`` and one binary logistic regression per target class."""
        binary = _binarise(features)
        labels = np.asarray(labels)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise InputError(f"need at least two classes to fit; got {self.classes_.tolist()}")
        targets = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        self.ratios_ = np.stack([log_count_ratio(binary, labels == target, self.alpha) for target in targets])
        self.classifiers_ = [
            LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed).fit(
                binary @ sp.diags(ratio), labels == target
            )
            for ratio, target in zip(self.ratios_, targets)
        ]
        return self

    def decision_function(self, features) -> np.ndarray:
        """Scores: (n,) for two classes (positive means ``classes_[1]``), else (n, n_classes)."""
        binary = _binarise(features)
        pairs = zip(self.classifiers_, self.ratios_)
        scores = np.stack([model.decision_function(binary @ sp.diags(ratio)) for model, ratio in pairs], axis=1)
        return scores[:, 0] if len(self.classes_) == 2 else scores

    def predict(self, features) -> np.ndarray:
        """The class of each row."""
        scores = self.decision_function(features)
        if len(self.classes_) == 2:
            return self.classes_[(scores > 0).astype(int)]
        # A sigmoid is monotonic and the same for every class, so comparing raw scores across
        # the one-vs-rest models ranks the classes as their probabilities would.
        return self.classes_[scores.argmax(axis=1)]


# --------------------------------------------------------------------------- fitting


@dataclass
class BaselineFit:
    """A fitted baseline: vectoriser and classifier, the chosen ``C``, and what fitting cost."""

    name: str
    vectorizer: CountVectorizer
    classifier: BaseEstimator
    C: float
    #: validation accuracy of every C tried; empty when no validation split was given.
    validation_accuracy: dict[float, float] = field(default_factory=dict)
    #: everything before predicting: vectorising and every C tried.
    fit_seconds: float = 0.0
    #: vectorising and the one fit with the chosen C: the cost without a search.
    final_fit_seconds: float = 0.0

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        """Labels for ``texts``."""
        return self.classifier.predict(self.vectorizer.transform(texts))


def fit_baseline(
    name: str,
    train_texts: Sequence[str],
    train_labels: Sequence,
    seed: int = 0,
    *,
    validation: tuple[Sequence[str], Sequence] | None = None,
    C: float | None = None,
    min_df: int = DEFAULT_MIN_DF,
    ngram_range: tuple[int, int] = DEFAULT_NGRAM_RANGE,
    analyzer: str = "word",
) -> BaselineFit:
    """Fit baseline ``name`` (one of :data:`BASELINES`) on the training texts only.

    ``C``: used as given. Otherwise, with ``validation=(texts, labels)``, every C of
    :data:`C_GRID` is fitted on train and the best validation accuracy wins, ties going to the
    smaller C (the stronger penalty); without validation, :data:`DEFAULT_C`. ``seed`` goes to
    the solver's ``random_state``; lbfgs draws no random numbers, so these fits are
    deterministic and the seed is there to call every benchmark model the same way.
    ``analyzer="char"`` counts character n-grams instead of words: the usual choice for Chinese
    and Japanese, which have no spaces for a word tokenizer to split on.
    """
    if name == "tfidf_logistic_regression":
        vectorizer = TfidfVectorizer(ngram_range=ngram_range, min_df=min_df, sublinear_tf=True, analyzer=analyzer)

        def make(c):
            return LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)

    elif name == "nb_logistic_regression":
        vectorizer = CountVectorizer(ngram_range=ngram_range, min_df=min_df, binary=True, analyzer=analyzer)

        def make(c):
            return NBLogisticRegression(C=c, seed=seed)

    else:
        raise InputError(f"unknown baseline {name!r}; the baselines are {', '.join(BASELINES)}")

    start = time.perf_counter()
    features = vectorizer.fit_transform(train_texts)
    labels = np.asarray(train_labels)
    vectorize_seconds = time.perf_counter() - start
    if C is not None:
        candidates = [C]
    elif validation is not None:
        candidates = list(C_GRID)
    else:
        candidates = [DEFAULT_C[name]]
    if validation is not None:
        validation_features = vectorizer.transform(validation[0])
        validation_labels = np.asarray(validation[1])

    best, scores = None, {}
    for c in candidates:
        fit_start = time.perf_counter()
        model = make(c).fit(features, labels)
        seconds = time.perf_counter() - fit_start
        if validation is not None:
            scores[c] = accuracy_score(validation_labels, model.predict(validation_features))
        # Strictly better only: on a tie the earlier, smaller C stays.
        if best is None or (validation is not None and scores[c] > scores[best[1]]):
            best = (model, c, seconds)
    model, chosen, seconds = best
    fit = BaselineFit(name, vectorizer, model, chosen, scores, time.perf_counter() - start,
                      vectorize_seconds + seconds)
    logger.info("%s: C=%g (validation accuracy by C: %s), %.1f s", name, chosen,
                {c: round(a, 4) for c, a in scores.items()}, fit.fit_seconds)
    return fit


def tfidf_logistic_regression(train_texts, train_labels, test_texts, seed: int = 0, **options) -> np.ndarray:
    """Predictions of TF-IDF (word 1-2-grams, sublinear tf, min_df 2) + logistic regression.

    ``options`` are :func:`fit_baseline`'s: ``validation=(texts, labels)`` to pick ``C`` on it,
    ``C``, ``min_df``, ``ngram_range``.
    """
    return fit_baseline("tfidf_logistic_regression", train_texts, train_labels, seed, **options).predict(test_texts)


def nb_logistic_regression(train_texts, train_labels, test_texts, seed: int = 0, **options) -> np.ndarray:
    """Predictions of NB-weighted logistic regression on binarised word 1-2-grams (NBSVM-style).

    ``options`` are :func:`fit_baseline`'s, as for :func:`tfidf_logistic_regression`.
    """
    return fit_baseline("nb_logistic_regression", train_texts, train_labels, seed, **options).predict(test_texts)


# --------------------------------------------------------------------------- benchmark


def cross_validated_accuracy(
    corpus_name: str,
    name: str = "tfidf_logistic_regression",
    folds: int = 5,
    seed: int = 0,
    split_seed: int = 0,
    max_samples: int | None = None,
) -> dict:
    """Accuracy of baseline ``name`` by ``folds``-fold cross-validation over every labelled text
    of a corpus (train, validation and test pooled), for each C of :data:`C_GRID`.

    A check on the baseline and the data rather than a competitor's score: it shows what the
    baseline reaches here once the luck of one small test split and the choice of C are taken
    out. The folds are stratified and shuffled with ``seed``; each fold fits its own vectoriser.
    ``max_samples`` takes a stratified subsample of the pooled texts first.
    """
    from datasets import concatenate_datasets
    from sklearn.model_selection import StratifiedKFold

    corpus = load_corpus(corpus_name, split_seed=split_seed)
    text = corpus_columns(corpus).text
    pooled = concatenate_datasets([corpus[split] for split in corpus])
    pooled = pooled.filter(lambda row: row["label"] >= 0)
    if max_samples is not None:
        pooled = stratified_subsample(pooled, max_samples)
    texts, labels = list(pooled[text]), np.asarray(pooled["label"])
    by_c: dict[float, list[float]] = {c: [] for c in C_GRID}
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, held_index in splitter.split(texts, labels):
        fit = fit_baseline(name, [texts[i] for i in train_index], labels[train_index], seed,
                           validation=([texts[i] for i in held_index], labels[held_index]))
        for c, accuracy in fit.validation_accuracy.items():
            by_c[c].append(float(accuracy))
    means = {c: statistics.fmean(values) for c, values in by_c.items()}
    best = max(means, key=lambda c: (means[c], -c))
    return {"model": name, "folds": folds, "texts": len(texts),
            "accuracy_by_C": {str(c): value for c, value in means.items()},
            "best_C": best, "best_accuracy": means[best]}



def mean_std(values: list[float]) -> dict:
    """Mean, sample standard deviation (0 for one value) and the values themselves."""
    return {"mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else 0.0,
            "values": values}


def _baseline_splits(corpus_name: str, split_seed: int, limits: dict, extra_training) -> tuple:
    """The corpus's text column, label names, its three splits (each a stratified subsample where
    ``limits`` gives a size) and the training (texts, label ids) with ``extra_training`` added;
    refuses a corpus the baselines cannot score."""
    corpus = load_corpus(corpus_name, split_seed=split_seed)
    text, text_pair, label_names, is_regression, _ = corpus_columns(corpus)
    if is_regression or text_pair is not None:
        raise InputError(f"{corpus_name}: the baselines classify single texts; it is a regression or a pair task")
    missing = {"train", "validation", "test"} - set(corpus)
    if missing:
        raise InputError(f"{corpus_name} has no {', '.join(sorted(missing))} split; the baselines need all three")
    splits = {
        split: corpus[split] if limit is None else stratified_subsample(corpus[split], limit)
        for split, limit in limits.items()
    }
    if (np.asarray(splits["test"]["label"]) < 0).any():
        raise InputError(f"the test split of {corpus_name} is unlabelled; it cannot be scored")
    train = (list(splits["train"][text]), list(splits["train"]["label"]))
    if extra_training is not None:
        unknown = sorted(set(extra_training[1]) - set(label_names))
        if unknown:
            raise InputError(f"extra_training has labels {unknown}; {corpus_name}'s are {label_names}")
        train = (train[0] + list(extra_training[0]), train[1] + [label_names.index(n) for n in extra_training[1]])
    return text, label_names, splits, train


def _baseline_summary(fits: list[BaselineFit], predictions: list, test_labels: np.ndarray, options: dict) -> dict:
    """One baseline over the seeds: test accuracy and macro-F1, validation accuracy, times (each
    ``mean_std``), the C chosen per seed, every C's validation accuracy (first seed), the
    vectoriser's options and whether every seed predicted alike (None with one seed)."""
    accuracy = [float(accuracy_score(test_labels, p)) for p in predictions]
    macro_f1 = [float(f1_score(test_labels, p, average="macro", zero_division=0)) for p in predictions]
    return {
        "test_accuracy": mean_std(accuracy),
        "test_macro_f1": mean_std(macro_f1),
        "validation_accuracy": mean_std([float(fit.validation_accuracy[fit.C]) for fit in fits]),
        "fit_seconds": mean_std([fit.fit_seconds for fit in fits]),
        "final_fit_seconds": mean_std([fit.final_fit_seconds for fit in fits]),
        "C": [fit.C for fit in fits],
        "validation_accuracy_by_C": {str(c): float(a) for c, a in fits[0].validation_accuracy.items()},
        "min_df": options.get("min_df", DEFAULT_MIN_DF),
        "ngram_range": list(options.get("ngram_range", DEFAULT_NGRAM_RANGE)),
        "analyzer": options.get("analyzer", "word"),
        "deterministic": None if len(predictions) < 2 else all(np.array_equal(predictions[0], p) for p in predictions),
    }


def run_baselines(
    corpus_name: str,
    seeds: Sequence[int] = (0, 1, 2),
    split_seed: int = 0,
    *,
    max_train_samples: int | None = None,
    max_eval_samples: int | None = None,
    max_predict_samples: int | None = None,
    extra_training: tuple[Sequence[str], Sequence[str]] | None = None,
    **options,
) -> dict:
    """Both baselines on a corpus: C chosen on validation, fitted on train, scored once on test.

    Returns ``{"corpus", "split_seed", "seeds", "sizes", "selection", "models"}``; ``models``
    maps each name of :data:`BASELINES` to ``test_accuracy``, ``test_macro_f1``,
    ``validation_accuracy``, ``fit_seconds`` and ``final_fit_seconds`` (each ``{"mean", "std",
    "values"}`` over seeds), the chosen ``C`` per seed, the validation accuracy of every C
    tried (first seed), and ``deterministic``: whether every seed gave the same test
    predictions (None with one seed). A deterministic model's std is 0 because its runs are
    identical, not because it is stable under other data. ``max_*_samples`` take a stratified
    subsample of train / validation / test; ``options`` go to :func:`fit_baseline`.
    ``extra_training=(texts, label names)``: more labelled texts (another corpus's, relabelled
    to this one's names) added to the training split only, for a fair comparison with a model
    that has seen them.
    """
    limits = {"train": max_train_samples, "validation": max_eval_samples, "test": max_predict_samples}
    text, label_names, splits, train = _baseline_splits(corpus_name, split_seed, limits, extra_training)
    validation = (splits["validation"][text], splits["validation"]["label"])
    test_texts, test_labels = splits["test"][text], np.asarray(splits["test"]["label"])

    models = {}
    for name in BASELINES:
        fits, predictions = [], []
        for seed in seeds:
            fit = fit_baseline(name, *train, seed, validation=validation, **options)
            fits.append(fit)
            predictions.append(fit.predict(test_texts))
        models[name] = _baseline_summary(fits, predictions, test_labels, options)
    return {
        "corpus": corpus_name,
        "split_seed": split_seed,
        "seeds": list(seeds),
        "sizes": {split: ds.num_rows for split, ds in splits.items()},
        "extra_training_texts": 0 if extra_training is None else len(extra_training[0]),
        "selection": "C from C_GRID by validation accuracy (ties to the smaller C); fitted on train only; "
                     "test scored once with the chosen C",
        "labels": label_names,
        "models": models,
    }


# --------------------------------------------------------------------------- fastText

#: fastText's supervised classifier (Joulin et al., "Bag of Tricks for Efficient Text
#: Classification", 2017): epochs and learning rates tried on the validation split with the
#: first seed; the other seeds refit with that pair. Word n-grams 2 for English; for Chinese the
#: characters are spaced apart and n-grams 3, the character 1-3-grams the other baselines count.
FASTTEXT_GRID = {"epoch": (5, 15, 50), "lr": (0.25, 1.0)}
FASTTEXT_WORD_NGRAMS = {"word": 2, "char": 3}
_FASTTEXT_TOKEN = re.compile(r"\w+|[^\w\s]")


def fasttext_tokens(text: str, analyzer: str = "word") -> str:
    """One line of fastText input: lower-cased words and punctuation apart, or each character
    (spaces dropped) for ``analyzer="char"``; never a newline."""
    if analyzer == "char":
        return " ".join(ch for ch in text if not ch.isspace())
    return " ".join(_FASTTEXT_TOKEN.findall(text.lower()))


def run_fasttext(
    corpus_name: str,
    seeds: Sequence[int] = (0, 1, 2),
    split_seed: int = 0,
    *,
    analyzer: str = "word",
    max_train_samples: int | None = None,
    max_eval_samples: int | None = None,
    max_predict_samples: int | None = None,
    **_,
) -> dict:
    """fastText on a corpus's splits as :func:`run_baselines` gives them: the (epoch, lr) of
    :data:`FASTTEXT_GRID` with the best validation accuracy (first seed; ties to the earlier
    pair), then one fit per seed, one thread (fastText is deterministic only so), scored once on
    test. ``{"skipped": reason}`` when the ``fasttext`` module does not import (the ``bench``
    extra installs the ``fasttext-numpy2`` wheel)."""
    try:
        import fasttext
    except ImportError as error:
        return {"skipped": f"fastText does not import here ({error}); pip install 'hf_sincos_cls[bench]'"}
    import itertools
    import os
    import tempfile

    limits = {"train": max_train_samples, "validation": max_eval_samples, "test": max_predict_samples}
    text, label_names, splits, train = _baseline_splits(corpus_name, split_seed, limits, None)
    lines = {split: [fasttext_tokens(t, analyzer) for t in splits[split][text]] for split in ("validation", "test")}
    labels = {split: np.asarray(splits[split]["label"]) for split in ("validation", "test")}
    word_ngrams = FASTTEXT_WORD_NGRAMS[analyzer]

    def predict(model, texts):
        predicted, _ = model.predict(texts)
        return np.asarray([int(p[0].removeprefix("__label__")) for p in predicted])

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "train.txt")
        with open(path, "w", encoding="utf-8") as handle:
            handle.writelines(f"__label__{label} {fasttext_tokens(t, analyzer)}\n" for t, label in zip(*train))

        def fit(seed, epoch, lr):
            start = time.perf_counter()
            model = fasttext.train_supervised(input=path, epoch=epoch, lr=lr, wordNgrams=word_ngrams,
                                              thread=1, seed=seed, verbose=0)
            return model, time.perf_counter() - start

        grid = {}
        for epoch, lr in itertools.product(FASTTEXT_GRID["epoch"], FASTTEXT_GRID["lr"]):
            model, _ = fit(seeds[0], epoch, lr)
            grid[(epoch, lr)] = float(accuracy_score(labels["validation"], predict(model, lines["validation"])))
        chosen = max(grid, key=lambda pair: (grid[pair], -list(grid).index(pair)))
        runs = []
        for seed in seeds:
            model, seconds = fit(seed, *chosen)
            runs.append((predict(model, lines["test"]), predict(model, lines["validation"]), seconds))
    predictions = [p for p, _, _ in runs]
    logger.info("fastText on %s: epoch %d, lr %g (validation accuracy by pair: %s)", corpus_name, *chosen, grid)
    return {
        "test_accuracy": mean_std([float(accuracy_score(labels["test"], p)) for p in predictions]),
        "test_macro_f1": mean_std([float(f1_score(labels["test"], p, average="macro", zero_division=0))
                                   for p in predictions]),
        "validation_accuracy": mean_std([float(accuracy_score(labels["validation"], v)) for _, v, _ in runs]),
        "final_fit_seconds": mean_std([s for _, _, s in runs]),
        "epoch": chosen[0], "lr": chosen[1], "word_ngrams": word_ngrams, "analyzer": analyzer,
        "validation_accuracy_by_pair": {f"epoch {e}, lr {lr:g}": a for (e, lr), a in grid.items()},
        "sizes": {split: ds.num_rows for split, ds in splits.items()},
    }
