"""Serving speed and int8 accuracy of the recipe model; training speed with ``--torch_compile``.

    python -m benchmarks.serving                 # the recipe model (trains it first, about a minute)
    python -m benchmarks.serving --quick         # a small model on a slice: checks the plumbing
    python -m benchmarks.serving --compile       # also training with --torch_compile against eager

``serving_part`` trains the recipe model on Rotten Tomatoes (``hf_sincos_cls.glue_job``), exports
it to ONNX (fp32 and dynamic int8) and times three ways to serve the test texts: torch
``pipeline``, ONNX Runtime fp32 and ONNX Runtime int8, each at batch 1 and batch 32, with the
same thread count for torch and ONNX Runtime. Each measurement runs after a warm-up and is
repeated; the medians over repeats are reported. Absolute numbers move with the machine: run
on a quiet one, and compare rows, not machines.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from hf_sincos_cls.errors import InputError

THREADS = 2  # torch's threads and ONNX Runtime's intra-op threads
BATCH_SIZES = (1, 32)
ENGINES = ("torch_pipeline", "onnx_fp32", "onnx_int8")
ENGINE_NAMES = {"torch_pipeline": "torch `pipeline`", "onnx_fp32": "ONNX Runtime fp32", "onnx_int8": "ONNX Runtime int8"}
# The recipe: every setting at its default (hidden 128, 2 blocks, 4 heads, intermediate 512).
RECIPE_ARGS = ["--corpus", "rotten_tomatoes", "--report_to", "none", "--seed", "0"]
# Quick mode: a small model on a slice, to check the plumbing in seconds.
QUICK_ARGS = ["--max_train_samples", "400", "--max_eval_samples", "100", "--max_predict_samples", "100",
              "--num_train_epochs", "1", "--hidden_size", "32", "--num_hidden_layers", "2",
              "--num_attention_heads", "2", "--intermediate_size", "64", "--max_seq_length", "64",
              "--save_strategy", "no", "--eval_strategy", "no"]


def train_recipe_model(output_dir: str | Path, quick: bool = False, extra_args: list[str] | None = None) -> dict:
    """Train the recipe model (quick: a small one on a slice) into ``output_dir``; the job's metrics."""
    from hf_sincos_cls import glue_job

    args = [*RECIPE_ARGS, "--output_dir", str(output_dir), *(QUICK_ARGS if quick else []), *(extra_args or [])]
    return glue_job.run(*glue_job.parse_args(args))


def _percentile_ms(seconds: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(seconds), q)) * 1e3


def time_calls(predict, texts: list[str], batch_size: int, repeats: int, warmup_calls: int) -> dict:
    """Throughput and per-call latency of ``predict`` on ``texts`` in batches of ``batch_size``
    (full batches only): ``warmup_calls`` untimed calls, then every batch ``repeats`` times.
    Returns the medians over repeats of texts per second and of the min / p50 / p99 / max
    latency per call (ms), and the number of calls per repeat."""
    batches = [texts[start: start + batch_size] for start in range(0, len(texts) - batch_size + 1, batch_size)]
    if not batches:
        raise InputError(f"{len(texts)} texts make no full batch of {batch_size}")
    for batch in (batches * warmup_calls)[:warmup_calls]:
        predict(batch)
    runs = []
    for _ in range(repeats):
        latencies = []
        for batch in batches:
            start = time.perf_counter()
            predict(batch)
            latencies.append(time.perf_counter() - start)
        runs.append({"texts_per_second": len(batches) * batch_size / sum(latencies),
                     "min_ms": _percentile_ms(latencies, 0), "p50_ms": _percentile_ms(latencies, 50),
                     "p99_ms": _percentile_ms(latencies, 99), "max_ms": _percentile_ms(latencies, 100)})
    # Each run has min <= p50 <= p99 <= max and batch / max <= texts/s <= batch / min; medians
    # over repeats keep both orders.
    summary = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    summary["calls"] = len(batches)
    return summary


def _accuracy(logits: np.ndarray, labels: list[int]) -> float:
    return float((logits.argmax(-1) == np.asarray(labels)).mean())


def _test_texts(quick: bool) -> tuple[list[str], list[int]]:
    """Rotten Tomatoes' test texts and labels (the first 100 in quick mode)."""
    from hf_sincos_cls.data import load_corpus

    test = load_corpus("rotten_tomatoes")["test"]
    texts, labels = list(test["text"]), list(test["label"])
    return (texts[:100], labels[:100]) if quick else (texts, labels)


def _engines(model_dir: Path, onnx_dir: Path, threads: int):
    """The torch ``pipeline`` on ``model_dir`` and ONNX Runtime fp32 and int8 on its export."""
    from transformers import pipeline

    from hf_sincos_cls.onnx_serving import OnnxTextClassifier

    classify = pipeline("text-classification", model=str(model_dir))
    onnx = {"onnx_fp32": OnnxTextClassifier(onnx_dir, intra_op_num_threads=threads, batch_size=32),
            "onnx_int8": OnnxTextClassifier(onnx_dir, quantized=True, intra_op_num_threads=threads, batch_size=32)}
    return classify, onnx


def _speed(classify, onnx: dict, timed: list[str], repeats: int, warmup: int) -> dict:
    """``time_calls`` of each engine (ENGINES' order) at each of BATCH_SIZES, inputs truncated."""
    predictors = {"torch_pipeline": lambda batch: classify(batch, batch_size=len(batch), truncation=True)}
    for name, serve in onnx.items():
        predictors[name] = (lambda serve: lambda batch: serve(batch, truncation=True))(serve)
    return {name: {f"batch_{size}": time_calls(predictors[name], timed, size, repeats, warmup) for size in BATCH_SIZES}
            for name in ENGINES}


def _serving_accuracy(classify, onnx: dict, texts: list[str], labels: list[int], job_metrics: dict | None) -> dict:
    """Each engine's test accuracy, int8's change against fp32 in points and how often they agree."""
    torch_answers = classify(texts, batch_size=32, truncation=True)
    label2id = {label: int(index) for label, index in classify.model.config.label2id.items()}
    torch_accuracy = float(np.mean([label2id[a["label"]] == y for a, y in zip(torch_answers, labels)]))
    fp32 = onnx["onnx_fp32"].logits(texts, truncation=True)
    int8 = onnx["onnx_int8"].logits(texts, truncation=True)
    return {
        "test_texts": len(texts),
        "torch_pipeline": torch_accuracy,
        "onnx_fp32": _accuracy(fp32, labels),
        "onnx_int8": _accuracy(int8, labels),
        "int8_change_points": 100 * (_accuracy(int8, labels) - _accuracy(fp32, labels)),
        "int8_agreement_with_fp32": float((fp32.argmax(-1) == int8.argmax(-1)).mean()),
        "job_test_accuracy": job_metrics.get("test_accuracy") if job_metrics else None,
    }


def serving_part(quick: bool = False, model_dir: str | Path | None = None, work_dir: str | Path | None = None,
                 threads: int = THREADS) -> dict:
    """Serve the Rotten Tomatoes test texts with torch ``pipeline``, ONNX Runtime fp32 and int8.

    Args:
        quick: a small model trained on a slice, 32 texts timed, one repeat: seconds, not numbers to quote.
        model_dir: a trained classifier folder to use instead of training the recipe model.
        work_dir: where the trained model and the export go (default: a temporary folder).
        threads: torch's threads and ONNX Runtime's intra-op threads. Leave them below the
            idle cores: on 2 busy cores, torch at 2 threads took 25-300 ms per recipe-model
            forward against 1.3 ms at 1 thread.

    Returns:
        ``{"setup": ..., "speed": {engine: {"batch_1": {...}, "batch_32": {...}}}, "accuracy": ...}``
        with texts per second and p50 / p99 latency in ms per call, and the test accuracy of
        each engine (int8's change against fp32 in points).
    """
    import torch

    from hf_sincos_cls.onnx_export import export_onnx

    torch.set_num_threads(threads)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(work_dir or scratch)
        job_metrics = train_seconds = None
        if model_dir is None:
            model_dir = work / "model"
            start = time.perf_counter()
            job_metrics = train_recipe_model(model_dir, quick=quick)
            train_seconds = time.perf_counter() - start
        start = time.perf_counter()
        exported = export_onnx(model_dir, work / "onnx", quantize=True)
        export_seconds = time.perf_counter() - start

        texts, labels = _test_texts(quick)
        timed = texts[:32] if quick else texts
        repeats, warmup = (1, 1) if quick else (3, 10)
        classify, onnx = _engines(model_dir, work / "onnx", threads)
        speed = _speed(classify, onnx, timed, repeats, warmup)
        config = classify.model.config
        setup = {
            "quick": quick,
            "model": {"hidden_size": config.hidden_size, "num_hidden_layers": config.num_hidden_layers,
                      "num_attention_heads": config.num_attention_heads, "intermediate_size": config.intermediate_size,
                      "parameters": int(classify.model.num_parameters())},
            "texts_timed": len(timed), "repeats": repeats, "warmup_calls": warmup, "threads": threads,
            "torch": torch.__version__, "onnxruntime": __import__("onnxruntime").__version__,
            "export_seconds": export_seconds,
            "train_seconds": train_seconds,
            "file_mb": {"onnx_fp32": exported["onnx"].stat().st_size / 2**20,
                        "onnx_int8": exported["quantized"].stat().st_size / 2**20},
            "export_max_abs_logit_diff": exported["max_abs_diff"],
        }
        return {"setup": setup, "speed": speed,
                "accuracy": _serving_accuracy(classify, onnx, texts, labels, job_metrics)}


def serving_markdown(results: dict) -> list[str]:
    """Markdown lines: the speed table (one row per engine), then the accuracy line."""
    setup, accuracy = results["setup"], results["accuracy"]
    model = setup["model"]
    lines = [
        f"Serving the Rotten Tomatoes test texts ({setup['texts_timed']} timed{', quick mode' if setup['quick'] else ''}) "
        f"with the {model['hidden_size']}-wide, {model['num_hidden_layers']}-block model "
        f"({model['parameters']:,} parameters), {setup['threads']} threads; medians of {setup['repeats']} repeats "
        f"after {setup['warmup_calls']} warm-up calls; latency per call.",
        "",
        "| engine | batch 1: texts/s | p50 ms | p99 ms | batch 32: texts/s | p50 ms | p99 ms | test accuracy |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in ENGINES:
        one, many = results["speed"][name]["batch_1"], results["speed"][name]["batch_32"]
        lines.append(
            f"| {ENGINE_NAMES[name]} | {one['texts_per_second']:,.0f} | {one['p50_ms']:.2f} | {one['p99_ms']:.2f} "
            f"| {many['texts_per_second']:,.0f} | {many['p50_ms']:.1f} | {many['p99_ms']:.1f} "
            f"| {100 * accuracy[name]:.2f}% |"
        )
    lines += [
        "",
        f"int8 against fp32 on {accuracy['test_texts']} test texts: {accuracy['int8_change_points']:+.2f} points of "
        f"accuracy, the same prediction for {100 * accuracy['int8_agreement_with_fp32']:.1f}% of texts; "
        f"files {setup['file_mb']['onnx_fp32']:.1f} MB (fp32) and {setup['file_mb']['onnx_int8']:.1f} MB (int8).",
    ]
    return lines


class _StepTimer:
    """A Trainer callback timing each optimisation step (wall clock, forward to optimizer)."""

    def __init__(self):
        from transformers import TrainerCallback

        timer = self

        class Callback(TrainerCallback):
            def on_step_begin(self, args, state, control, **kwargs):
                timer._start = time.perf_counter()

            def on_step_end(self, args, state, control, **kwargs):
                timer.seconds.append(time.perf_counter() - timer._start)

        self.seconds: list[float] = []
        self.callback = Callback()


def compile_part(quick: bool = False) -> dict:
    """Recipe training with ``--torch_compile`` against eager: the same run (training only, no
    evaluation or checkpoints), samples per second with compile time included (the Trainer's
    whole ``train_runtime``) and excluded (the median step after the first 10% of steps).

    ``startup_seconds`` is a run's time over what the same number of steady-state steps
    would take (first-call set-up for both, compiling for torch_compile); ``compile_seconds``
    is torch_compile's startup over eager's. Length grouping gives batches of many lengths,
    so a compiled model also recompiles for new shapes early on; that counts as compile time.
    Quick mode (13 steps) only checks the plumbing: it is mostly compiling (about 2 minutes
    on 2 cores), and its "steady state" still holds recompiles.
    """
    import torch

    from hf_sincos_cls import glue_job

    torch.set_num_threads(THREADS)
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, flags in (("eager", []), ("torch_compile", ["--torch_compile"])):
            timer = _StepTimer()
            args = [*RECIPE_ARGS, "--output_dir", str(Path(scratch) / name), "--do_train", "--eval_strategy", "no",
                    "--save_strategy", "no", *(QUICK_ARGS if quick else []), *flags]
            metrics = glue_job.run(*glue_job.parse_args(args), callbacks=[timer.callback])
            steps = timer.seconds
            steady = statistics.median(steps[max(1, len(steps) // 10):])
            batch = 32  # RecipeTrainingArguments' per-device batch, one process
            results[name] = {
                "steps": len(steps),
                "train_runtime_s": metrics["train_runtime"],
                "samples_per_second_with_compile": metrics["train_samples_per_second"],
                "samples_per_second_steady": batch / steady,
                "first_step_s": steps[0],
                "startup_seconds": max(0.0, sum(steps) - steady * len(steps)),
            }
    results["compile_seconds"] = results["torch_compile"]["startup_seconds"] - results["eager"]["startup_seconds"]
    results["steady_speedup"] = (results["torch_compile"]["samples_per_second_steady"]
                                 / results["eager"]["samples_per_second_steady"])
    return results


def compile_markdown(results: dict) -> list[str]:
    """Markdown lines of the training-speed table of ``compile_part``."""
    lines = ["| training | samples/s, compile included | samples/s, steady state | startup s | steps |",
             "|---|---:|---:|---:|---:|"]
    for name in ("eager", "torch_compile"):
        row = results[name]
        lines.append(f"| {name} | {row['samples_per_second_with_compile']:,.0f} | {row['samples_per_second_steady']:,.0f} "
                     f"| {row['startup_seconds']:.1f} | {row['steps']} |")
    return lines + ["", f"torch_compile: {results['compile_seconds']:.0f} s of compiling, steady-state speed "
                        f"{results['steady_speedup']:.2f}x eager's."]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a small model on a slice: checks the plumbing")
    parser.add_argument("--compile", action="store_true", help="also time training with --torch_compile")
    parser.add_argument("--model", help="a trained classifier folder (default: train the recipe model)")
    parser.add_argument("--threads", type=int, default=THREADS, help="torch and ONNX Runtime threads")
    parser.add_argument("--json", help="write the results to this JSON file")
    args = parser.parse_args()
    results = {"serving": serving_part(quick=args.quick, model_dir=args.model, threads=args.threads)}
    lines = serving_markdown(results["serving"])
    if args.compile:
        results["compile"] = compile_part(quick=args.quick)
        lines += [""] + compile_markdown(results["compile"])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
