"""What users bring beyond a balanced single-label csv: multi-label data (``multi_label`` part)
and classes imbalanced 1:10 (``imbalance`` part), each through the plain csv command against
TF-IDF + logistic regression on the same split.

No multi-label corpus rides in a registry package, so the ``multi_label`` part makes one from
BBC News: each text is the opening words of one article, or of two articles of different topics
joined, and its labels are their topics. The ``imbalance`` part keeps every fresh Rotten
Tomatoes snippet and one rotten one for every ten fresh, in every split.
"""

from __future__ import annotations

import csv
import random
import tempfile
import time
from pathlib import Path


from .baselines import C_GRID, DEFAULT_MIN_DF, DEFAULT_NGRAM_RANGE, MAX_ITER, mean_std

SNIPPET_WORDS = 60  # the opening of an article: its headline and first sentences
PAIRED_SHARE = 0.5  # texts made of two articles
IMBALANCE = 10  # majority rows per minority row
IMBALANCE_VARIANTS = {"unweighted (the plain command)": [], "--class_weight balanced": ["--class_weight", "balanced"],
                      "--class_weight balanced --metric_for_best_model macro_f1": [
                          "--class_weight", "balanced", "--metric_for_best_model", "macro_f1"]}
QUICK_ROWS = {"train": 300, "validation": 100, "test": 100}
QUICK_FLAGS = ["--num_train_epochs", "1", "--hidden_size", "32", "--intermediate_size", "64",
               "--num_attention_heads", "2", "--max_seq_length", "64"]


def _write(path: Path, header: list[str], rows) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def topic_label_sets(quick: bool = False, seed: int = 0) -> tuple[dict[str, list[tuple[str, list[str]]]], list[str]]:
    """BBC News as multi-label texts, split by split (BBC's own 80/10/10 split): each article's
    first SNIPPET_WORDS words, a PAIRED_SHARE of them joined two by two across topics."""
    from hf_sincos_cls.data import load_corpus

    corpus = load_corpus("bbc_news")
    names = corpus["train"].features["label"].names
    rng = random.Random(seed)
    splits = {}
    for split, rows in corpus.items():
        articles = [(" ".join(text.split()[:SNIPPET_WORDS]), names[label]) for text, label in zip(rows["text"], rows["label"])]
        rng.shuffle(articles)
        if quick:
            articles = articles[:QUICK_ROWS[split] * 3 // 2]
        paired = int(len(articles) * PAIRED_SHARE)
        pool, texts = articles[:paired], [(text, [topic]) for text, topic in articles[paired:]]
        while len(pool) >= 2:
            first = pool.pop()
            partner = next((i for i in range(len(pool) - 1, -1, -1) if pool[i][1] != first[1]), None)
            if partner is None:
                texts.append((first[0], [first[1]]))
                continue
            second = pool.pop(partner)
            texts.append((f"{first[0]} {second[0]}", sorted({first[1], second[1]})))
        texts.extend((text, [topic]) for text, topic in pool)
        rng.shuffle(texts)
        splits[split] = texts
    return splits, list(names)


def write_label_sets(splits, names, folder: Path) -> dict[str, dict[str, Path]]:
    """The same rows in both csv forms: one label cell joined by ';', and one 0/1 column per label."""
    files = {"separator": {}, "columns": {}}
    for split, rows in splits.items():
        files["separator"][split] = _write(folder / f"{split}.csv", ["text", "labels"],
                                           ((text, ";".join(labels)) for text, labels in rows))
        files["columns"][split] = _write(folder / f"{split}_columns.csv", ["text", *names],
                                         ((text, *[int(name in labels) for name in names]) for text, labels in rows))
    return files


def one_vs_rest_baseline(splits, names, seed: int = 0) -> dict:
    """TF-IDF (word 1-2-grams) + one logistic regression per label, C chosen on validation micro-F1."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer

    binarizer = MultiLabelBinarizer(classes=names)
    texts = {split: [text for text, _ in rows] for split, rows in splits.items()}
    labels = {split: binarizer.fit_transform([labels for _, labels in rows]) for split, rows in splits.items()}
    vectorizer = TfidfVectorizer(ngram_range=DEFAULT_NGRAM_RANGE, min_df=DEFAULT_MIN_DF, sublinear_tf=True)
    start = time.perf_counter()
    features = {"train": vectorizer.fit_transform(texts["train"])}
    features.update({split: vectorizer.transform(texts[split]) for split in ("validation", "test")})
    by_c = {}
    for c in C_GRID:
        model = OneVsRestClassifier(LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed))
        model.fit(features["train"], labels["train"])
        by_c[c] = (f1_score(labels["validation"], model.predict(features["validation"]), average="micro"), model)
    best = max(C_GRID, key=lambda c: (by_c[c][0], -c))
    predicted = by_c[best][1].predict(features["test"])
    return {"C": best, "seconds": time.perf_counter() - start,
            "validation_micro_f1_by_C": {str(c): float(score) for c, (score, _) in by_c.items()},
            "test_micro_f1": float(f1_score(labels["test"], predicted, average="micro")),
            "test_macro_f1": float(f1_score(labels["test"], predicted, average="macro")),
            "test_subset_accuracy": float(accuracy_score(labels["test"], predicted))}


def _plain(files: dict[str, Path], output_dir: str, seed: int, flags: list[str], quick: bool) -> dict:
    """The README's plain csv command on ``files`` plus ``flags``; its results and time."""
    from hf_sincos_cls.glue_job import parse_args, run

    args = ["--train_file", str(files["train"]), "--validation_file", str(files["validation"]),
            "--test_file", str(files["test"]), "--output_dir", output_dir, "--seed", str(seed), *flags,
            *(QUICK_FLAGS if quick else [])]
    start = time.perf_counter()
    results = run(*parse_args(args))
    return {**results, "seconds": time.perf_counter() - start}


def multi_label_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """The plain command on multi-label BBC News in both csv forms, against TF-IDF + one-vs-rest LR."""
    splits, names = topic_label_sets(quick)
    forms = {"separator": ["--label_column_name", "labels", "--label_separator", ";"],
             "columns": ["--label_column_name", ",".join(names)]}
    part = {"sizes": {split: len(rows) for split, rows in splits.items()},
            "labels a text": {split: mean_std([float(len(labels)) for _, labels in rows])["mean"]
                              for split, rows in splits.items()},
            "baseline": one_vs_rest_baseline(splits, names, seeds[0]), "forms": {}}
    with tempfile.TemporaryDirectory() as folder:
        files = write_label_sets(splits, names, Path(folder))
        for form, flags in forms.items():
            runs = [_plain(files[form], str(Path(folder) / f"out-{form}-{seed}"), seed, flags, quick)
                    for seed in seeds]
            part["forms"][form] = {
                "command": "python scripts/run_glue_style.py --train_file train.csv --validation_file validation.csv "
                           f"--test_file test.csv --output_dir OUT --seed SEED {' '.join(flags)}",
                **{key: mean_std([r[key] for r in runs]) for key in (
                    "test_micro_f1", "test_macro_f1", "test_subset_accuracy", "seconds")},
            }
    return part


def imbalanced_rows(quick: bool = False) -> tuple[dict[str, list[tuple[str, str]]], str]:
    """Rotten Tomatoes with one rotten snippet kept for every IMBALANCE fresh ones, in each split;
    and the minority label."""
    from hf_sincos_cls.data import load_corpus

    corpus = load_corpus("rotten_tomatoes")
    names = corpus["train"].features["label"].names
    splits = {}
    for split, rows in corpus.items():
        pairs = [(text, names[label]) for text, label in zip(rows["text"], rows["label"])]
        fresh = sum(label == "fresh" for _, label in pairs)
        if quick:
            fresh = min(fresh, QUICK_ROWS[split] * IMBALANCE // (IMBALANCE + 1))
        quota = {"fresh": fresh, "rotten": max(1, fresh // IMBALANCE)}
        kept = []
        for text, label in pairs:  # the corpus's own (hash) order, classes interleaved
            if quota[label]:
                quota[label] -= 1
                kept.append((text, label))
        splits[split] = kept
    return splits, "rotten"


def imbalance_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """Unweighted against --class_weight balanced on Rotten Tomatoes imbalanced 1:IMBALANCE:
    the minority class's recall, macro-F1 and accuracy on the (equally imbalanced) test split."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    splits, minority = imbalanced_rows(quick)
    part = {"sizes": {split: {"rows": len(rows), minority: sum(label == minority for _, label in rows)}
                      for split, rows in splits.items()}, "variants": {}, "baselines": {}}
    test_labels = [label for _, label in splits["test"]]
    with tempfile.TemporaryDirectory() as folder:
        files = {split: _write(Path(folder) / f"{split}.csv", ["text", "label"], rows) for split, rows in splits.items()}
        for name, flags in IMBALANCE_VARIANTS.items():
            runs = []
            for seed in seeds:
                out = Path(folder) / f"out-{len(part['variants'])}-{seed}"
                result = _plain(files, str(out), seed, flags, quick)
                predicted = [line.split("\t")[1] for line in
                             (out / "predict_results.txt").read_text(encoding="utf-8").splitlines()[1:]]
                runs.append({"minority_recall": recall_score(test_labels, predicted, pos_label=minority),
                             "test_macro_f1": result["test_macro_f1"], "test_accuracy": result["test_accuracy"],
                             "seconds": result["seconds"]})
            part["variants"][name] = {"flags": " ".join(flags), **{key: mean_std([r[key] for r in runs]) for key in (
                "minority_recall", "test_macro_f1", "test_accuracy", "seconds")}}
    vectorizer = TfidfVectorizer(ngram_range=DEFAULT_NGRAM_RANGE, min_df=DEFAULT_MIN_DF, sublinear_tf=True)
    train = vectorizer.fit_transform([text for text, _ in splits["train"]])
    validation = vectorizer.transform([text for text, _ in splits["validation"]])
    test = vectorizer.transform([text for text, _ in splits["test"]])
    for name, weight in (("TF-IDF + LR", None), ("TF-IDF + LR, class_weight='balanced'", "balanced")):
        def fit(c, weight=weight):
            return LogisticRegression(C=c, max_iter=MAX_ITER, class_weight=weight).fit(
                train, [label for _, label in splits["train"]])
        scores = {c: f1_score([label for _, label in splits["validation"]], fit(c).predict(validation),
                              average="macro") for c in C_GRID}
        best = max(C_GRID, key=lambda c: (scores[c], -c))
        predicted = fit(best).predict(test)
        part["baselines"][name] = {"C": best, "minority_recall": float(recall_score(test_labels, predicted,
                                                                                    pos_label=minority)),
                                   "test_macro_f1": float(f1_score(test_labels, predicted, average="macro")),
                                   "test_accuracy": float(accuracy_score(test_labels, predicted))}
    return part


def _pm(stat: dict) -> str:
    return f"{stat['mean'] * 100:.1f} ± {stat['std'] * 100:.1f}"


def user_data_markdown(results: dict) -> list[str]:
    """The tables of the multi_label and imbalance parts present in ``results``."""
    lines = []
    if "multi_label" in results:
        part = results["multi_label"]
        base = part["baseline"]
        lines += ["## Multi-label csv: BBC News topics, one or two a text (%, mean ± std over seeds)", "",
                  f"Each text is the first {SNIPPET_WORDS} words of one BBC article, or of two of different topics "
                  f"joined ({PAIRED_SHARE:.0%} of the articles); its labels are their topics. Rows: "
                  + ", ".join(f"{split} {n:,}" for split, n in part["sizes"].items())
                  + f"; {part['labels a text']['train']:.2f} labels a training text. TF-IDF (words 1-2) + one "
                  "logistic regression per label fits the same train split, picks C by validation micro-F1 "
                  f"(C={base['C']:g}) and scores the same test split.", "",
                  "| model | micro-F1 | macro-F1 | subset accuracy | seconds per run |", "|---|---|---|---|---|"]
        for form, row in part["forms"].items():
            lines.append(f"| plain command, {form} form | {_pm(row['test_micro_f1'])} | {_pm(row['test_macro_f1'])} | "
                         f"{_pm(row['test_subset_accuracy'])} | {row['seconds']['mean']:.0f} |")
        lines += [f"| TF-IDF + one-vs-rest LR | {base['test_micro_f1'] * 100:.1f} | {base['test_macro_f1'] * 100:.1f} | "
                  f"{base['test_subset_accuracy'] * 100:.1f} | {base['seconds']:.0f} |", ""]
        lines += [f"- `{row['command']}`" for row in part["forms"].values()] + [""]
    if "imbalance" in results:
        part = results["imbalance"]
        sizes = ", ".join(f"{split} {size['rows']:,} ({size['rotten']:,} rotten)" for split, size in part["sizes"].items())
        lines += [f"## Imbalanced classes: Rotten Tomatoes, one rotten snippet for {IMBALANCE} fresh (%)", "",
                  f"Every split cut the same way: {sizes}. The plain csv command, then with the class-weight flags; "
                  "TF-IDF + LR picks C by validation macro-F1.", "",
                  "| model | rotten recall | macro-F1 | accuracy |", "|---|---|---|---|"]
        for name, row in part["variants"].items():
            lines.append(f"| {name} | {_pm(row['minority_recall'])} | {_pm(row['test_macro_f1'])} | "
                         f"{_pm(row['test_accuracy'])} |")
        for name, row in part["baselines"].items():
            lines.append(f"| {name} | {row['minority_recall'] * 100:.1f} | {row['test_macro_f1'] * 100:.1f} | "
                         f"{row['test_accuracy'] * 100:.1f} |")
        lines.append("")
    return lines
