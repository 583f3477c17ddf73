"""The Gradio demo as a person uses it: served by scripts/demo.py, driven in headless Chromium.

Needs Debian's chromium and chromium-driver (scripts/setup_system.sh) and the demo extra; it
fails, not skips, without them."""

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
