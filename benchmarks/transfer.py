"""IMDB, and what 25k movie reviews give the other corpora: the recipe and the baselines on
IMDB, then the IMDB classifier fine-tuned on Rotten Tomatoes and BBC News (``imdb`` part), and
masked-LM pre-training on IMDB's training reviews before both (``imdb_mlm`` part).

Rotten Tomatoes' labels are IMDB's under other names (fresh = pos, rotten = neg), so the IMDB
classifier moves there whole with ``--label_mapping``; BBC News' topics get a new head. Every
fine-tuned row starts from the first seed's IMDB model and varies the fine-tuning seed. When our
model has seen IMDB, the baselines are also fitted with IMDB's training reviews added.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from .baselines import mean_std
from .runs import QUICK, train_and_test

# IMDB reviews average about 234 words; 256 tokens keep the first 256 of each (about a third of
# the reviews are longer) and cost 150 s an epoch on 2 cores. The full vocabulary of the
# training reviews (about 70k words) keeps the words of Rotten Tomatoes too: at the recipe's 30k,
# 2.8% of Rotten Tomatoes' tokens would be [UNK], against 1.3%.
IMDB_TRAINING = ["--max_seq_length", "256", "--num_train_epochs", "3"]
IMDB_VOCABULARY = ["--tokenizer_max_vocab", "100000"]  # for a new model; a loaded one has its own
IMDB_FLAGS = [*IMDB_TRAINING, *IMDB_VOCABULARY]
ROTTEN_TOMATOES_AS_IMDB = "fresh=pos,rotten=neg"
MLM_EPOCHS = 2


def _row(flags, runs, keys=("test_accuracy", "eval_accuracy", "seconds")) -> dict:
    return {"flags": " ".join(flags), **{key: mean_std([r[key] for r in runs]) for key in keys}}


def _imdb_flags(quick: bool, new_model: bool = True) -> list[str]:
    """IMDB_FLAGS (a loaded model has its vocabulary); quick runs keep QUICK's length and epochs."""
    return [*([] if quick else IMDB_TRAINING), *(IMDB_VOCABULARY if new_model else [])]


def imdb_as_rotten_tomatoes(quick: bool = False) -> tuple[list[str], list[str]]:
    """IMDB's training reviews with Rotten Tomatoes' label names, for the baselines' extra data."""
    from hf_sincos_cls.data import load_corpus

    train = load_corpus("imdb")["train"]
    if quick:
        train = train.select(range(300))
    names = {imdb: ours for ours, imdb in (pair.split("=") for pair in ROTTEN_TOMATOES_AS_IMDB.split(","))}
    imdb_names = train.features["label"].names
    return list(train["text"]), [names[imdb_names[label]] for label in train["label"]]


def _baselines(seeds, quick: bool) -> dict:
    """TF-IDF + LR and NB-LR on IMDB, and on Rotten Tomatoes with IMDB's training reviews added.
    lbfgs is deterministic, so one seed is enough for these bigger fits."""
    from .baselines import run_baselines

    limits = {"max_train_samples": 300, "max_eval_samples": 100, "max_predict_samples": 100} if quick else {}
    return {"imdb": run_baselines("imdb", seeds=tuple(seeds[:1]), **limits),
            "rotten_tomatoes + imdb training reviews": run_baselines(
                "rotten_tomatoes", seeds=tuple(seeds[:1]), extra_training=imdb_as_rotten_tomatoes(quick), **limits)}


def _zero_shot(source: Path, corpus: str, mapping: str, quick: bool) -> float:
    """Test accuracy of a saved classifier on ``corpus`` without training, labels mapped."""
    from hf_sincos_cls.glue_job import parse_args, run

    with tempfile.TemporaryDirectory() as out:
        args = ["--model_name_or_path", str(source), "--corpus", corpus, "--label_mapping", mapping, "--do_predict",
                "--output_dir", out, "--report_to", "none", "--disable_tqdm", "true"]
        if quick:
            args += ["--max_predict_samples", "100"]
        return run(*parse_args(args))["test_accuracy"]


# How a saved IMDB classifier moves to each corpus: (corpus, flags).
TRANSFERS = {
    "rotten_tomatoes, labels mapped onto the IMDB classifier's": (
        "rotten_tomatoes", ["--label_mapping", ROTTEN_TOMATOES_AS_IMDB]),
    "rotten_tomatoes, new classifier head": ("rotten_tomatoes", ["--new_classifier_head"]),
    "bbc_news, new classifier head": ("bbc_news", ["--new_classifier_head"]),
}


def _fine_tune_from(source: Path, seeds, quick: bool, names=tuple(TRANSFERS)) -> dict:
    """A saved IMDB classifier fine-tuned by the recipe as each of ``names`` of TRANSFERS says,
    over ``seeds``."""
    part = {}
    for name in names:
        corpus, flags = TRANSFERS[name]
        extra = ["--model_name_or_path", str(source), *flags]
        part[name] = _row(["--model_name_or_path", "IMDB_MODEL", *flags],
                          [train_and_test(corpus, seed, extra, quick) for seed in seeds])
    return part


def imdb_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """The recipe on IMDB against the baselines; the first seed's IMDB model then fine-tuned on
    Rotten Tomatoes and BBC News, against Rotten Tomatoes' recipe from scratch in the same run."""
    part = {"baselines": _baselines(seeds, quick)}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "imdb"
        runs = [train_and_test("imdb", seed, _imdb_flags(quick), quick,
                               output_dir=source if index == 0 else None) for index, seed in enumerate(seeds)]
        part["imdb, the recipe"] = _row(_imdb_flags(quick), runs)
        part["zero_shot_rotten_tomatoes"] = _zero_shot(source, "rotten_tomatoes", ROTTEN_TOMATOES_AS_IMDB, quick)
        part["rotten_tomatoes, the recipe from scratch"] = _row(
            [], [train_and_test("rotten_tomatoes", seed, [], quick) for seed in seeds])
        part.update(_fine_tune_from(source, seeds, quick))
    return part


# Fine-tuning settings tried for the IMDB classifier on Rotten Tomatoes (labels mapped), each
# against the recipe's; the one with the best mean validation accuracy is the pick.
FINE_TUNING = {
    "the recipe (learning rate 5e-4, embeddings 3e-3, 4 epochs)": [],
    "learning rate 2e-4, embeddings 1e-3": ["--learning_rate", "2e-4", "--embedding_learning_rate", "1e-3"],
    "learning rate 1e-4, embeddings 5e-4": ["--learning_rate", "1e-4", "--embedding_learning_rate", "5e-4"],
    "2 epochs": ["--num_train_epochs", "2"],
}


def imdb_tuning_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """The IMDB classifier (first seed) fine-tuned on Rotten Tomatoes with its labels mapped,
    under each of FINE_TUNING's settings over ``seeds``; the pick is by validation accuracy."""
    part = {}
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "imdb"
        imdb = train_and_test("imdb", seeds[0], _imdb_flags(quick), quick, output_dir=source)
        part["imdb, the recipe"] = _row(_imdb_flags(quick), [imdb])
        base = ["--model_name_or_path", str(source), "--label_mapping", ROTTEN_TOMATOES_AS_IMDB]
        for name, flags in FINE_TUNING.items():
            part[f"rotten_tomatoes from it, {name}"] = _row(
                ["--model_name_or_path", "IMDB_MODEL", *base[2:], *flags],
                [train_and_test("rotten_tomatoes", seed, [*base, *flags], quick) for seed in seeds])
    tried = [name for name in part if name.startswith("rotten_tomatoes")]
    part["picked_by_validation"] = max(tried, key=lambda name: part[name]["eval_accuracy"]["mean"])
    return part


def imdb_mlm_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """Masked-LM pre-training on IMDB's training reviews (``scripts/run_mlm.py --corpus imdb``),
    its time per epoch, then the recipe on IMDB's labels from it (first seed), then that
    classifier on Rotten Tomatoes with the labels mapped (every seed)."""
    from hf_sincos_cls.mlm_job import DEFAULT_ARGS as MLM_ARGS
    from hf_sincos_cls.mlm_job import parse_args as parse_mlm_args
    from hf_sincos_cls.mlm_job import run as pretrain

    with tempfile.TemporaryDirectory() as folder:
        encoder, source = Path(folder) / "mlm", Path(folder) / "imdb"
        flags = [*MLM_ARGS, "--corpus", "imdb", "--output_dir", str(encoder), "--num_train_epochs", str(MLM_EPOCHS),
                 *IMDB_TRAINING[:2], *IMDB_VOCABULARY, "--save_strategy", "no",
                 "--disable_tqdm", "true", *(QUICK if quick else [])]
        start = time.perf_counter()
        pretrained = pretrain(*parse_mlm_args(flags))
        seconds = time.perf_counter() - start
        part = {"pretraining": {
            "command": "python scripts/run_mlm.py " + " ".join(flags).replace(str(encoder), "OUT"),
            "seconds": seconds, "epochs": pretrained["epoch"], "train_runtime": pretrained["train_runtime"],
            "seconds_per_epoch": pretrained["train_runtime"] / pretrained["epoch"],
            "train_loss": pretrained["train_loss"], "validation_perplexity": pretrained.get("perplexity")}}
        extra = ["--model_name_or_path", str(encoder), *_imdb_flags(quick, new_model=False)]
        imdb = train_and_test("imdb", seeds[0], extra, quick, output_dir=source)
        part["imdb, the recipe from the MLM encoder"] = _row(["--model_name_or_path", "MLM_ENCODER", *extra[2:]],
                                                             [imdb])
        part.update(_fine_tune_from(source, seeds, quick, names=list(TRANSFERS)[:1]))
    return part


def _baseline_cells(result: dict) -> str:
    models = result["models"]
    return " | ".join(f"{models[name]['test_accuracy']['mean'] * 100:.1f}"
                      for name in ("tfidf_logistic_regression", "nb_logistic_regression"))


def _table(part: dict, picked: str | None = None) -> list[str]:
    """A part's rows (those with flags) as a Markdown table, ``picked`` marked."""
    def cell(stat):
        return f"{stat['mean'] * 100:.1f} ± {stat['std'] * 100:.1f}" if len(stat["values"]) > 1 else (
            f"{stat['mean'] * 100:.1f} (one seed)")

    lines = ["| what | flags | test accuracy | validation accuracy | seconds per run |", "|---|---|---|---|---|"]
    for name, row in part.items():
        if isinstance(row, dict) and "flags" in row:
            mark = " **(picked)**" if name == picked else ""
            lines.append(f"| {name}{mark} | `{row['flags']}` | {cell(row['test_accuracy'])} | "
                         f"{cell(row['eval_accuracy'])} | {row['seconds']['mean']:.0f} |")
    return lines


def transfer_markdown(results: dict) -> list[str]:
    """The ``imdb``, ``imdb_tuning`` and ``imdb_mlm`` parts as tables (test accuracy %, mean ± std over seeds)."""
    lines = []
    if "imdb" in results:
        part = results["imdb"]
        base = part["baselines"]
        widened = base["rotten_tomatoes + imdb training reviews"]
        lines += ["## IMDB, and the IMDB classifier moved to the other corpora (test accuracy %)", "",
                  "Every fine-tuned row starts from the first seed's IMDB model (`IMDB_MODEL`) and varies the "
                  "fine-tuning seed. Baselines: TF-IDF 1-2-grams + LR | NB-LR, C chosen on the validation split.", "",
                  *_table(part), "",
                  f"- Baselines on IMDB: {_baseline_cells(base['imdb'])} (TF-IDF + LR | NB-LR).",
                  f"- Baselines on Rotten Tomatoes with IMDB's {widened['extra_training_texts']:,} training reviews "
                  f"added (fresh = pos): {_baseline_cells(widened)}.",
                  f"- The IMDB model on Rotten Tomatoes' test split without any Rotten Tomatoes training "
                  f"(labels mapped): {part['zero_shot_rotten_tomatoes'] * 100:.1f}.", ""]
    if "imdb_tuning" in results:
        part = results["imdb_tuning"]
        lines += ["## Fine-tuning the IMDB classifier on Rotten Tomatoes: settings (test accuracy %)", "",
                  "Labels mapped (fresh = pos); one IMDB model (first seed), fine-tuning over the seeds. The pick "
                  "is the setting with the best mean validation accuracy.", "",
                  *_table(part, picked=part["picked_by_validation"]), ""]
    if "imdb_mlm" in results:
        pre = results["imdb_mlm"]["pretraining"]
        perplexity = pre.get("validation_perplexity")
        lines += ["## Masked-LM pre-training on IMDB's training reviews first (test accuracy %)", "",
                  f"Pre-training: `{pre['command']}`: {pre['epochs']:.0f} epochs, {pre['seconds_per_epoch']:.0f} s an "
                  f"epoch, {pre['seconds']:.0f} s in all; final training loss {pre['train_loss']:.2f}"
                  + (f", validation perplexity {perplexity:.0f}." if perplexity is not None else "."), "",
                  *_table(results["imdb_mlm"]), ""]
    return lines
