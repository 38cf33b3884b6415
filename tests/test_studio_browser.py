"""The studio in real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium): type a prompt,
generate, play (the audio's time and the roll's playhead advance), download the MIDI, upload a MIDI and continue it,
take a screenshot; and no request leaves 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pretty_midi
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait
from studio_helpers import ServerThread, midi_bytes

from musicgen_symbolic.studio import Limits, create_app

SCREENSHOT = Path("/tmp/studio-screenshot.png")  # for the README
CHROMIUM = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
DRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


def _first(paths: tuple[str, ...], name: str) -> str:
    found = next((p for p in paths if Path(p).is_file()), None) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: apt-get install -y chromium chromium-driver")
    return found


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = _first(CHROMIUM, "chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                 "--window-size=1400,1050", "--disable-gpu", "--no-first-run", "--disable-extensions",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):  # fmt: skip
        options.add_argument(flag)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(_first(DRIVER, "chromedriver")))
    driver.set_page_load_timeout(30)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def server(tiny_generator, tmp_path):
    running = ServerThread(create_app(tiny_generator, out_dir=tmp_path / "takes", limits=Limits())).start()
    yield running
    running.stop()


def wait(driver, condition, timeout: float = 30, message: str = ""):  # noqa: ANN001, ANN201
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(lambda d: condition(d), message)


def test_prompt_to_sound_download_upload_continue(browser, server, tmp_path):
    browser.get(server.url + "/")
    prompt = browser.find_element(By.ID, "prompt")
    prompt.clear()
    prompt.send_keys("a calm piano piece in D minor, 2 bars")
    bars = browser.find_element(By.CSS_SELECTOR, "[data-field=bars]")
    wait(browser, lambda d: bars.get_attribute("value") == "2", 10, "the parse did not fill the fields")
    assert browser.find_element(By.CSS_SELECTOR, "[data-field=key]").get_attribute("value") == "D minor"
    Select(browser.find_element(By.ID, "candidates")).select_by_visible_text("2")
    browser.find_element(By.ID, "dice").click()
    assert browser.find_element(By.ID, "seed").get_attribute("value").isdigit()
    browser.find_element(By.ID, "generate").click()

    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card")) == 2, 40, "no candidates")
    wait(browser, lambda d: "Done" in d.find_element(By.ID, "status").text, 40, "the job did not finish")
    script = "return Array.from(document.querySelectorAll('.card audio')).map(a => a.readyState)"
    wait(browser, lambda d: all(state >= 2 for state in d.execute_script(script)), 20, "the audio did not load")

    # play the first candidate: its time and the roll's playhead move
    browser.execute_script("document.querySelector('.card audio').play()")
    card = browser.find_element(By.CSS_SELECTOR, ".card")
    wait(browser, lambda d: d.execute_script("return document.querySelector('.card audio').currentTime") > 0.3, 15)
    wait(browser, lambda d: float(card.get_attribute("data-playhead") or 0) > 0.2, 10, "the playhead did not move")
    browser.execute_script("document.querySelector('.card audio').pause()")

    # download the MIDI
    card.find_element(By.CSS_SELECTOR, ".dl-midi").click()
    done = lambda d: [p for p in d.downloads.iterdir() if p.suffix == ".mid"]  # noqa: E731
    wait(browser, done, 15, "the MIDI was not downloaded")
    midi = pretty_midi.PrettyMIDI(str(done(browser)[0]))
    assert midi.instruments and midi.get_end_time() > 1

    # upload a MIDI file and continue it
    upload = tmp_path / "tune.mid"
    upload.write_bytes(midi_bytes(2))
    browser.find_element(By.ID, "upload").send_keys(str(upload))
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".card")) == 3, 15, "the upload made no card")
    uploaded = browser.find_elements(By.CSS_SELECTOR, ".card")[2]
    assert "tune.mid" in uploaded.find_element(By.CSS_SELECTOR, ".title").text
    uploaded.find_element(By.CSS_SELECTOR, ".continue").click()
    wait(browser, lambda d: "continued" in uploaded.find_element(By.CSS_SELECTOR, ".title").text, 40, "no continuation")
    undo = uploaded.find_element(By.CSS_SELECTOR, ".undo")
    wait(browser, lambda d: undo.is_enabled(), 10)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#history li")) == 4  # 2 candidates, the upload, its continuation

    assert not browser.find_element(By.ID, "error").is_displayed()
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(tmp_path / "studio.png"))
    assert (tmp_path / "studio.png").stat().st_size > 10_000
    shutil.copyfile(tmp_path / "studio.png", SCREENSHOT)
    undo.click()
    wait(browser, lambda d: "continued" not in uploaded.find_element(By.CSS_SELECTOR, ".title").text, 5, "undo failed")

    # every request the page made went to 127.0.0.1
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    assert any("/api/generate" in u for u in urls) and any("/api/uploads" in u for u in urls)
    outside = [u for u in urls if urlsplit(u).scheme not in ("data", "blob") and urlsplit(u).hostname != "127.0.0.1"]
    assert outside == []
    errors = [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_bad_input_is_shown_in_words(browser, server):
    browser.get(server.url + "/")
    bars = browser.find_element(By.CSS_SELECTOR, "[data-field=bars]")
    bars.clear()
    bars.send_keys("100")
    browser.find_element(By.ID, "generate").click()
    error = browser.find_element(By.ID, "error")
    wait(browser, lambda d: error.is_displayed(), 10, "no error shown")
    assert "at most 64" in error.text
    time.sleep(0.1)
    assert browser.find_elements(By.CSS_SELECTOR, ".card") == []
