"""The Gradio demo as a person uses it: served by scripts/demo.py, driven in headless Chromium;
and what it refuses or cuts (folders it cannot serve, missing extras, huge texts), without one.

Needs Debian's chromium and chromium-driver (scripts/setup_system.sh) and the demo extra; it
fails, not skips, without them."""

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
from helpers import REPO, quiet_env

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCRIPT = os.path.join(REPO, "scripts", "demo.py")
REVIEW = "A gorgeous, witty, seductive movie."
# What the closed network allows: no sandbox, GPU, QUIC, sync, component or background fetches.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,1500"]


@pytest.fixture(scope="module")
def model_dir(tiny_runs):
    return tiny_runs["en"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(model_dir, tmp_path_factory):
    port = _free_port()
    log = open(tmp_path_factory.mktemp("demo_log") / "demo.log", "w+")
    process = subprocess.Popen([sys.executable, SCRIPT, "--model", str(model_dir), "--port", str(port)],
                               cwd=REPO, env=quiet_env(), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            raise AssertionError(f"the demo did not start (exit {process.poll()}):\n{log.read()[-4000:]}")
        time.sleep(0.5)
    yield url
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        assert os.path.exists(path), f"{path} is missing: run scripts/setup_system.sh (Debian chromium, chromium-driver)"
    profile = tempfile.mkdtemp(prefix="chromium_profile_")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _shaded_tokens(driver) -> list[str]:
    """The texts of the highlighted tokens: spans in the attribution box with a background colour."""
    return driver.execute_script("""
        return [...document.querySelectorAll('#shaded span')]
            .filter(e => getComputedStyle(e).backgroundColor !== 'rgba(0, 0, 0, 0)' && e.innerText.trim())
            .map(e => e.innerText.trim());""")


@pytest.mark.slow
def test_a_review_typed_in_the_browser_gets_its_label_shaded_tokens_and_attention(model_dir, server, browser,
                                                                                 tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from hf_sincos_cls.explain import explain, load_model_and_tokenizer

    expected = explain(REVIEW, *load_model_and_tokenizer(model_dir), n_steps=4)
    browser.get(server)
    wait = WebDriverWait(browser, 60)
    box = wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#text textarea")))
    box.send_keys(REVIEW)
    browser.find_element(By.CSS_SELECTOR, "#submit").click()
    wait.until(lambda driver: "tokens read" in driver.find_element(By.CSS_SELECTOR, "#note").text)
    wait.until(lambda driver: driver.execute_script(
        "const i = document.querySelector('#attention img'); return i && i.complete && i.naturalWidth > 0;"))

    scores = browser.find_element(By.CSS_SELECTOR, "#scores").text.split("\n")
    assert expected.label in scores[:3], scores  # the headline is the predicted label
    assert f"{round(100 * expected.scores[expected.label])}%" in scores
    shaded = _shaded_tokens(browser)
    for word in ("gorgeous", "witty", "seductive", "movie"):
        assert word in shaded, shaded
    assert "too long" not in browser.find_element(By.CSS_SELECTOR, "#note").text
    screenshot = tmp_path / "demo.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")

    # A text longer than the model reads: a visible note, and the words past the cut unshaded.
    # Pasted rather than typed key by key: 2,000 characters take selenium many seconds to type.
    browser.execute_script("arguments[0].value = arguments[1];"
                           "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                           box, "a dull movie . " * 150 + "gorgeous")  # 601 tokens, the last past 512
    browser.find_element(By.CSS_SELECTOR, "#submit").click()
    wait.until(lambda driver: "too long" in driver.find_element(By.CSS_SELECTOR, "#note").text)
    note = browser.find_element(By.CSS_SELECTOR, "#note").text
    assert "601 tokens" in note and "at most 512" in note
    assert "gorgeous" not in _shaded_tokens(browser)


@pytest.mark.slow
def test_an_empty_text_is_refused_with_a_message(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server)
    wait = WebDriverWait(browser, 60)
    wait.until(expected_conditions.element_to_be_clickable((By.CSS_SELECTOR, "#submit"))).click()
    wait.until(lambda driver: "The text box is empty" in driver.find_element(By.TAG_NAME, "body").text)


def test_examples_come_from_the_model_card(model_dir):
    from hf_sincos_cls.demo import card_examples

    import yaml

    front_matter = yaml.safe_load((model_dir / "README.md").read_text(encoding="utf-8").split("---\n")[1])
    examples = card_examples(model_dir)
    assert examples == [entry["text"] for entry in front_matter["widget"]] and 1 <= len(examples) <= 4
    assert card_examples(model_dir / "no_such_folder") == []


# Without a browser: the script's refusals, and the text cap, through gradio's own call path.

def _demo_script():
    spec = importlib.util.spec_from_file_location("demo_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """A tiny classifier, its ONNX export, a pre-trained (MLM) encoder, and the classifier with a
    tokenizer.json that is not JSON."""
    from test_serving_limits import save_classifier

    from hf_sincos_cls import SinCosClsConfig, SinCosClsForMaskedLM
    from hf_sincos_cls.onnx_export import export_onnx

    root = tmp_path_factory.mktemp("demo_folders")
    export_onnx(save_classifier(root / "model"), root / "onnx")
    SinCosClsForMaskedLM(SinCosClsConfig.from_pretrained(root / "model")).save_pretrained(root / "mlm")
    shutil.copytree(root / "model", root / "bad_tokenizer")
    (root / "bad_tokenizer" / "tokenizer.json").write_text('{"model": ', encoding="utf-8")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(root / "model" / name, root / "mlm" / name)
    return root


def _script_error(args, capsys) -> str:
    assert _demo_script().main(args) == 2
    errors = capsys.readouterr().err.strip().splitlines()
    assert [e for e in errors if e.startswith("error: ")] == errors[-1:], errors
    return errors[-1]


@pytest.mark.parametrize("kind, expected", [
    ("onnx", ["holds an ONNX export (model.onnx)", "the folder it was exported from", "OnnxTextClassifier"]),
    ("mlm", ["holds SinCosClsForMaskedLM, not a SinCosClsForSequenceClassification", "--model_name_or_path"]),
    ("bad_tokenizer", ["bad_tokenizer/tokenizer.json is not valid JSON (line 1, column 11"]),
])
def test_the_script_names_a_folder_it_cannot_serve_in_one_line(folders, capsys, kind, expected):
    line = _script_error(["--model", str(folders / kind)], capsys)
    assert all(part in line for part in expected), line


@pytest.mark.parametrize("module", ["gradio", "captum"])
def test_a_missing_extra_is_one_line_naming_it(folders, monkeypatch, capsys, module):
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    line = _script_error(["--model", str(folders / "model")], capsys)
    assert line == f"error: the demo needs {module}, which is not installed: pip install 'hf_sincos_cls[demo]'"


@pytest.mark.slow
@pytest.mark.one_lane
def test_a_huge_text_is_cut_to_the_character_limit_before_it_is_tokenised(folders):
    from hf_sincos_cls.demo import MAX_TEXT_CHARS, build_demo

    demo = build_demo(folders / "model", n_steps=4)
    huge = "good movie " * 2_000_000  # 22 MB, as a client that ignores the text box's limit can send
    start = time.perf_counter()
    scores, shaded, _, note = demo(huge, 0, False, api_name="run")
    elapsed = time.perf_counter() - start
    assert elapsed < 10, f"{elapsed:.1f} s for a 22 MB text"
    assert f"{len(huge):,} characters" in note and f"the first {MAX_TEXT_CHARS:,}" in note, note
    assert sum(len(piece["token"]) for piece in shaded) == MAX_TEXT_CHARS
    assert {entry["label"] for entry in scores["confidences"]} == {"neg", "pos"}


def _api_call(url: str, *data, timeout: float = 300) -> str:
    """One call of the demo's ``run`` through gradio's HTTP API, as a client without the page sends it."""
    import json

    request = urllib.request.Request(f"{url}gradio_api/call/run", data=json.dumps({"data": list(data)}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/run/{event}", timeout=timeout) as response:
        return response.read().decode("utf-8")


@pytest.mark.slow
@pytest.mark.one_lane
def test_a_normal_request_does_not_wait_behind_a_20_mb_one(server):
    import threading

    from hf_sincos_cls.demo import MAX_TEXT_CHARS

    answers = {}
    huge = "a dull movie . " * 1_400_000  # 21 MB
    sender = threading.Thread(target=lambda: answers.update(huge=_api_call(server, huge, 1, False)))
    sender.start()
    time.sleep(1.0)  # the huge one is sent, and queued, first
    start = time.perf_counter()
    answers["normal"] = _api_call(server, REVIEW, 1, False)
    elapsed = time.perf_counter() - start
    sender.join(timeout=300)
    assert "event: complete" in answers["normal"] and elapsed < 20, (elapsed, answers["normal"][:300])
    assert f"the first {MAX_TEXT_CHARS:,}" in answers["huge"], answers["huge"][-500:]
