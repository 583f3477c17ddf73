"""Speed and memory of the encoder against a same-size BERT, measured side by side.

Both models see the same batches in the same process, one after the other, with the same
optimizer settings; ratios are what to quote, since absolute numbers move with the machine.
"""

from __future__ import annotations

import threading
import time
from contextlib import nullcontext

import numpy as np
import psutil
import torch
from transformers import BertConfig, BertForSequenceClassification

from hf_sincos_cls.configuration_sincos_cls import SinCosClsConfig
from hf_sincos_cls.errors import InputError
from hf_sincos_cls.modeling_sincos_cls import SinCosClsForSequenceClassification


class PeakMemory:
    """Peak resident memory above the level at entry: CUDA's allocator counter on a GPU, else a
    5 ms sampler of the process's RSS (CPU tensors are not visible to tracemalloc)."""

    def __init__(self, device: torch.device):
        self.device = device
        self.peak_bytes = 0

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self._base = torch.cuda.memory_allocated(self.device)
            return self
        self._process = psutil.Process()
        self._base = self._process.memory_info().rss
        self._peak = self._base
        self._stop = threading.Event()

        def sample():
            while not self._stop.is_set():
                self._peak = max(self._peak, self._process.memory_info().rss)
                self._stop.wait(0.005)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            self.peak_bytes = torch.cuda.max_memory_allocated(self.device) - self._base
        else:
            self._stop.set()
            self._thread.join()
            self._peak = max(self._peak, self._process.memory_info().rss)
            self.peak_bytes = self._peak - self._base
        return False


def _sync(device: torch.device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_peak_flops(device: torch.device, dtype: torch.dtype = torch.float32, size: int = 2048,
                      seconds: float = 1.0) -> float:
    """FLOP/s of the best square matmul this machine does, measured now (2 * size^3 per product)."""
    a = torch.randn(size, size, device=device, dtype=dtype)
    b = torch.randn(size, size, device=device, dtype=dtype)
    torch.mm(a, b)
    _sync(device)
    best = 0.0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = time.perf_counter()
        torch.mm(a, b)
        _sync(device)
        best = max(best, 2 * size**3 / (time.perf_counter() - start))
    return best


def encoder_flops_per_token(hidden: int, layers: int, inner: int, seq_len: float) -> float:
    """Forward FLOPs per token of a transformer encoder's matmuls: Q/K/V/O and the FFN
    (2 * weights), plus scores and the weighted sum (2 * 2 * seq_len * hidden)."""
    per_layer = 2 * (4 * hidden * hidden + 2 * hidden * inner) + 4 * seq_len * hidden
    return layers * per_layer


def make_batches(lengths, batch_size: int, vocab_size: int, pad_to: int | None = None, seed: int = 0,
                 group_by_length: bool = True):
    """Batches of random ids with the given real lengths, padded to the batch's longest
    (dynamic padding) or to ``pad_to`` (the blog's fixed padding)."""
    rng = np.random.default_rng(seed)
    lengths = np.asarray(lengths)
    order = np.argsort(-lengths, kind="stable") if group_by_length else rng.permutation(len(lengths))
    batches = []
    for start in range(0, len(order), batch_size):
        chunk = lengths[order[start:start + batch_size]]
        width = pad_to or int(chunk.max())
        ids = torch.zeros(len(chunk), width, dtype=torch.long)
        mask = torch.zeros(len(chunk), width, dtype=torch.long)
        for row, length in enumerate(chunk):
            ids[row, :length] = torch.from_numpy(rng.integers(4, vocab_size, size=int(length)))
            mask[row, :length] = 1
        batches.append((ids, mask))
    if group_by_length:  # shuffle the batches, not their contents, as length grouping does
        batches = [batches[i] for i in rng.permutation(len(batches))]
    return batches


def build_pair(hidden: int, layers: int, heads: int, inner: int, vocab_size: int, num_labels: int = 2,
               max_positions: int = 512, only: str | None = None):
    """Our model and a BertForSequenceClassification of the same width, depth, heads and FFN
    (``only`` builds just the one named)."""
    models = {}
    if only in (None, "sincos_cls"):
        models["sincos_cls"] = SinCosClsForSequenceClassification(SinCosClsConfig(
            vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
            intermediate_size=inner, max_position_embeddings=max_positions, num_labels=num_labels,
            pooling_layers=min(3, layers),
        ))
    if only in (None, "bert"):
        models["bert"] = BertForSequenceClassification(BertConfig(
            vocab_size=vocab_size, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
            intermediate_size=inner, max_position_embeddings=max_positions, num_labels=num_labels,
            hidden_act="relu",
        ))
    return models


def measure(model, batches, device: torch.device, train: bool, autocast_dtype: torch.dtype | None = None) -> dict:
    """Tokens/s (real and padded) and examples/s over ``batches``, and peak memory.

    Two passes over the same batches: the first (untimed) meets every shape once, so kernel
    set-up (oneDNN builds one per shape and precision) is not charged to whichever model runs
    first; its peak memory is what is reported, since a fresh process (see ``measure_isolated``)
    still has to ask the system for it then. The second pass is timed.
    """
    model.to(device)
    model.train(train)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4) if train else None
    autocast = (torch.autocast(device_type=device.type, dtype=autocast_dtype) if autocast_dtype is not None
                else nullcontext())

    def step(ids, mask):
        ids, mask = ids.to(device), mask.to(device)
        with (torch.enable_grad() if train else torch.inference_mode()), autocast:
            if train:
                labels = torch.zeros(ids.shape[0], dtype=torch.long, device=device)
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            else:
                model(input_ids=ids, attention_mask=mask)
        if train:
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    _sync(device)
    with PeakMemory(device) as memory:
        for ids, mask in batches:
            step(ids, mask)
    _sync(device)
    start = time.perf_counter()
    for ids, mask in batches:
        step(ids, mask)
    _sync(device)
    elapsed = time.perf_counter() - start
    real = sum(int(mask.sum()) for _, mask in batches)
    padded = sum(mask.numel() for _, mask in batches)
    examples = sum(ids.shape[0] for ids, _ in batches)
    return {
        "seconds": elapsed,
        "examples_per_s": examples / elapsed,
        "real_tokens_per_s": real / elapsed,
        "padded_tokens_per_s": padded / elapsed,
        "mean_padded_len": padded / examples,
        "peak_memory_mb": memory.peak_bytes / 2**20,
    }


def profile_training_step(hidden: int, layers: int, heads: int, inner: int, batch_size: int = 32,
                          seq_len: int = 24, precision: str = "bf16", steps: int = 10) -> dict:
    """torch.profiler's operators of a training step (forward, backward, AdamW) for our model and
    a same-size BERT on one batch (half its rows ``seq_len`` long, half shorter and padded),
    sorted by their own time: ``{model: {"ms_per_step", "top": [{name, self_ms_per_step,
    share, calls_per_step}]}}``. CPU only; ``ms_per_step`` is timed without the profiler."""
    from torch.profiler import ProfilerActivity, profile

    if seq_len < 2:
        raise InputError(f"seq_len={seq_len}: needs at least 2 tokens to pad half the batch")
    lengths = [seq_len] * (batch_size - batch_size // 2) + [max(1, seq_len * 3 // 4)] * (batch_size // 2)
    (ids, mask), = make_batches(lengths, batch_size, 20000, group_by_length=False)
    labels = torch.zeros(batch_size, dtype=torch.long)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else nullcontext()
    reports = {}
    for name, model in build_pair(hidden, layers, heads, inner, 20000).items():
        model.train()
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

        def step():
            with autocast:
                loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

        for _ in range(5):
            step()
        start = time.perf_counter()
        for _ in range(steps):
            step()
        ms_per_step = (time.perf_counter() - start) / steps * 1000
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(steps):
                step()
        events = [e for e in prof.key_averages() if e.self_cpu_time_total > 0]
        total = sum(e.self_cpu_time_total for e in events)
        events.sort(key=lambda e: e.self_cpu_time_total, reverse=True)
        reports[name] = {"ms_per_step": ms_per_step, "top": [
            {"name": e.key, "self_ms_per_step": e.self_cpu_time_total / 1000 / steps,
             "share": e.self_cpu_time_total / total, "calls_per_step": e.count / steps} for e in events]}
    return reports


def measure_isolated(spec: dict) -> dict:
    """``measure`` in a fresh Python process, so peak memory is not hidden by what an earlier
    measurement left in the allocator. ``spec``: model ("sincos_cls" or "bert"), hidden, layers,
    heads, inner, lengths (list), batch_size, pad_to, train, precision ("fp32"/"bf16"), threads,
    attn_implementation ("sdpa", the default, or "eager")."""
    import json
    import subprocess
    import sys

    from pathlib import Path

    root = Path(__file__).resolve().parent.parent  # where `benchmarks` imports from
    result = subprocess.run([sys.executable, "-m", "benchmarks.speed", json.dumps(spec)],
                            capture_output=True, text=True, cwd=root)
    if result.returncode != 0:
        raise RuntimeError(f"speed measurement {spec['model']} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _measure_from_spec(spec: dict) -> dict:
    torch.manual_seed(0)
    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build_pair(spec["hidden"], spec["layers"], spec["heads"], spec["inner"], spec.get("vocab_size", 20000),
                       only=spec["model"])[spec["model"]]
    if spec.get("attn_implementation"):
        model.set_attn_implementation(spec["attn_implementation"])
    batches = make_batches(spec["lengths"], spec["batch_size"], spec.get("vocab_size", 20000),
                           pad_to=spec.get("pad_to"), group_by_length=spec.get("group_by_length", True))
    dtype = torch.bfloat16 if spec["precision"] == "bf16" else None
    return measure(model, batches, device, spec["train"], dtype)


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(_measure_from_spec(json.loads(sys.argv[1]))))
