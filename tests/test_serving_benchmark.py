"""benchmarks/serving.py in quick mode: the structure of its results and that the numbers hang together."""

import pytest

# benchmarks/ sits at the repository root, outside the package (pytest's pythonpath has the root).
from benchmarks.serving import BATCH_SIZES, ENGINES, serving_markdown, serving_part, time_calls


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    return serving_part(quick=True, work_dir=tmp_path_factory.mktemp("serving"))


def test_quick_serving_results_are_complete_positive_and_consistent(quick_results):
    results = quick_results
    assert set(results) == {"setup", "speed", "accuracy"} and set(results["speed"]) == set(ENGINES)
    for engine in ENGINES:
        assert set(results["speed"][engine]) == {f"batch_{size}" for size in BATCH_SIZES}
        for size in BATCH_SIZES:
            row = results["speed"][engine][f"batch_{size}"]
            assert 0 < row["min_ms"] <= row["p50_ms"] <= row["p99_ms"] <= row["max_ms"], (engine, size, row)
            assert row["calls"] == results["setup"]["texts_timed"] // size
            # texts/s is batch / mean call time, and the mean lies between the extremes.
            assert 1e3 * size / row["max_ms"] <= row["texts_per_second"] * (1 + 1e-9)
            assert row["texts_per_second"] <= 1e3 * size / row["min_ms"] * (1 + 1e-9)
    setup = results["setup"]
    assert setup["threads"] == 2 and setup["quick"] is True and setup["model"]["hidden_size"] == 32
    assert 0 < setup["file_mb"]["onnx_int8"] < setup["file_mb"]["onnx_fp32"]
    assert setup["export_max_abs_logit_diff"] <= 1e-4

    accuracy = results["accuracy"]
    for engine in ENGINES:
        assert 0.0 <= accuracy[engine] <= 1.0
    # The same fp32 model behind both: torch and ONNX Runtime fp32 predict alike.
    assert abs(accuracy["torch_pipeline"] - accuracy["onnx_fp32"]) <= 0.01
    assert accuracy["int8_change_points"] == pytest.approx(100 * (accuracy["onnx_int8"] - accuracy["onnx_fp32"]))
    assert 0.5 <= accuracy["int8_agreement_with_fp32"] <= 1.0
    assert accuracy["job_test_accuracy"] == pytest.approx(accuracy["torch_pipeline"], abs=0.02)


def test_markdown_has_one_row_per_engine(quick_results):
    lines = serving_markdown(quick_results)
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(ENGINES)
    assert all(line.count("|") == table[0].count("|") for line in table)
    assert any("int8 against fp32" in line for line in lines)


def test_time_calls_times_full_batches_and_refuses_too_few_texts():
    calls = []
    summary = time_calls(calls.append, [str(i) for i in range(10)], batch_size=4, repeats=3, warmup_calls=1)
    assert summary["calls"] == 2 and len(calls) == 1 + 3 * 2 and all(len(batch) == 4 for batch in calls)
    with pytest.raises(ValueError, match="no full batch"):
        time_calls(calls.append, ["a"], batch_size=4, repeats=1, warmup_calls=0)
