"""The review page in a real browser: Debian's Chromium, headless, through chromedriver and
Selenium, loading the page from file://. Every image must decode at the stored JPEG's size,
every detection must have its box in the page and on screen (pixels of a screenshot), the
filters and the chart must count what the manifest holds, and nothing may be fetched.

Set FRAMESIEVE_REVIEW_SCREENSHOT=path to keep the screenshot (the README's comes from here).
"""

from __future__ import annotations

import colorsys
import io
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import framesieve as fs
from framesieve.cli import main
from support.datasets import manifest, stored_boxes
from support.engine_helpers import datapoint

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    for path in (CHROMIUM, CHROMEDRIVER):
        assert os.access(path, os.X_OK), f"{path} is missing: `make browser-deps` installs Debian's chromium"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1500")
    options.add_argument("--force-device-scale-factor=1")
    options.add_argument("--hide-scrollbars")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def load(browser: Any, page: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(page.resolve().as_uri())
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return Array.from(document.images).every(i => i.complete)")
    )


def images(browser: Any) -> list[dict[str, Any]]:
    return browser.execute_script(
        "return Array.from(document.querySelectorAll('figure.card')).map(f => ({"
        "id: f.dataset.id, broken: f.classList.contains('broken'),"
        "natural: [f.querySelector('img').naturalWidth, f.querySelector('img').naturalHeight],"
        "boxes: Array.from(f.querySelectorAll('rect.box')).map(r => ({class: r.dataset.class, stroke:"
        " r.getAttribute('stroke'), b: ['x', 'y', 'width', 'height'].map(k => +r.getAttribute(k))})),"
        "polygons: f.querySelectorAll('polygon.polygon').length,"
        "keypoints: f.querySelectorAll('circle.keypoint').length, text: f.innerText}))"
    )


@pytest.fixture(scope="module")
def page(datasets: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed dataset's page, written outside the dataset folder (relative image paths)."""
    out = tmp_path_factory.mktemp("pages") / "review.html"
    assert main(["review", str(datasets["mixed"]), "-o", str(out)]) == 0  # warns (stderr): a box outside
    return out


def test_every_image_decodes_and_every_detection_has_its_box(
    browser: Any, page: Path, datasets: dict[str, Path], tmp_path: Path
) -> None:
    root = datasets["mixed"]
    load(browser, page)
    entries = {e["id"]: e for e in manifest(root)}
    cards = images(browser)
    assert sorted(card["id"] for card in cards) == sorted(entries)
    for card in cards:
        entry = entries[card["id"]]
        assert not card["broken"] and card["natural"] == entry["size"], card["id"]
        drawn = sorted(
            (b["class"], [b["b"][0], b["b"][1], b["b"][0] + b["b"][2], b["b"][1] + b["b"][3]])
            for b in card["boxes"]
        )
        want = sorted(stored_boxes(root, entry))
        assert [c for c, _ in drawn] == [c for c, _ in want], card["id"]
        assert np.allclose([b for _, b in drawn], [b for _, b in want], atol=1e-6) if want else not drawn
        objects = _objects(root, entry)
        assert card["polygons"] == sum(1 for o in objects if o.get("points"))
        assert card["keypoints"] == sum(len(o.get("keypoints") or []) for o in objects)
        for name in (entry["strategy"], entry["batch"], *entry["tags"], entry.get("image_name") or ""):
            assert name in card["text"]
        for key, value in (entry.get("metadata") or {}).items():
            assert f"{key}\n{value}" in card["text"] or f"{key}\t{value}" in card["text"]
    _boxes_are_on_screen(browser, cards)
    browser.execute_script("window.scrollTo(0, 0)")
    shot = tmp_path / "review.png"
    browser.save_screenshot(str(shot))
    picture = np.asarray(Image.open(shot).convert("RGB"))
    viewport = browser.execute_script("return [innerHeight, innerWidth]")
    assert list(picture.shape[:2]) == viewport and picture.std() > 20  # a page, not a blank
    if os.environ.get("FRAMESIEVE_REVIEW_SCREENSHOT"):  # 256 colours: small enough to commit
        Image.open(shot).convert("RGB").quantize(256).save(
            os.environ["FRAMESIEVE_REVIEW_SCREENSHOT"], optimize=True
        )


def _objects(root: Path, entry: dict[str, Any]) -> list[dict[str, Any]]:
    if not entry["annotation"] or not entry["annotation"].endswith(".json"):
        return []
    return json.loads((root / entry["annotation"]).read_text())["predictions"]


def _boxes_are_on_screen(browser: Any, cards: list[dict[str, Any]]) -> None:
    """The middle of each box's left edge, in a screenshot of its image, has the box's colour."""
    from selenium.webdriver.common.by import By

    checked = 0
    for card in cards:
        if not card["boxes"]:
            continue
        frame = browser.find_element(By.CSS_SELECTOR, f'figure[data-id="{card["id"]}"] .frame')
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", frame)
        shot = np.asarray(Image.open(io.BytesIO(frame.screenshot_as_png)).convert("RGB")).astype(int)
        scale = shot.shape[1] / card["natural"][0]
        for box in card["boxes"]:
            x, y, _, h = box["b"]
            px, py = round(x * scale), round((y + h / 2) * scale)
            near = shot[max(0, py - 2) : py + 3, max(0, px - 2) : px + 3].reshape(-1, 3)
            distance = np.abs(near - _rgb(box["stroke"])).sum(axis=1).min()
            assert distance < 90, (card["id"], box, near.tolist())
            checked += 1
    assert checked >= 10


def _rgb(hsl: str) -> np.ndarray:
    h, s, lightness = (float(v) for v in re.findall(r"[\d.]+", hsl))
    return np.array(colorsys.hls_to_rgb(h / 360, lightness / 100, s / 100)) * 255


def test_filters_and_the_chart_count_what_the_manifest_holds(
    browser: Any, page: Path, datasets: dict[str, Path]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    entries = manifest(datasets["mixed"])
    load(browser, page)
    chart = {r.get_attribute("data-strategy"): int(r.get_attribute("data-count")) for r in _rows(browser)}
    assert chart == dict(Counter(e["strategy"] for e in entries))
    Select(browser.find_element(By.ID, "strategy")).select_by_value("rest")
    assert len(images(browser)) == sum(1 for e in entries if e["strategy"] == "rest")
    Select(browser.find_element(By.ID, "strategy")).select_by_value("")
    Select(browser.find_element(By.ID, "batch")).select_by_value("al_2024_01_02")
    on_day_two = [e for e in entries if e["batch"] == "al_2024_01_02"]
    assert {c["id"] for c in images(browser)} == {e["id"] for e in on_day_two}
    chart = {r.get_attribute("data-strategy"): int(r.get_attribute("data-count")) for r in _rows(browser)}
    assert {k: v for k, v in chart.items() if v} == dict(Counter(e["strategy"] for e in on_day_two))
    _rows(browser)[0].click()  # a bar filters by its strategy
    first = _rows(browser)[0].get_attribute("data-strategy")
    assert {c["id"] for c in images(browser)} == {e["id"] for e in on_day_two if e["strategy"] == first}


def _rows(browser: Any) -> list[Any]:
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, "#chart .row")


def test_nothing_is_fetched_and_dataset_strings_stay_text(browser: Any, tmp_path: Path) -> None:
    root = tmp_path / "ds"
    hostile = '</script><img src="http://example.invalid/x.png" onerror="document.title=\'owned\'">'
    prediction = {
        "predictions": [{"x": 10, "y": 8, "width": 6, "height": 4, "class": hostile, "confidence": 0.5}]
    }
    dp = datapoint(1, annotation=json.dumps(prediction), strategy=hostile, tags=["<b>bold</b>"])
    fs.LocalDataset(root).deliver(dp, {}, lambda state: None)
    fs.write_review(root, tmp_path / "page.html", embed=True)
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    shutil.move(tmp_path / "page.html", alone / "page.html")  # embedded: it needs nothing beside it
    shutil.rmtree(root)
    load(browser, alone / "page.html")
    assert browser.title.startswith("framesieve review") and browser.title != "owned"
    (card,) = images(browser)
    assert not card["broken"] and card["natural"] == [32, 24]
    assert card["boxes"][0]["class"] == hostile and hostile in card["text"] and "<b>bold</b>" in card["text"]
    assert browser.execute_script("return document.images.length") == 1
    fetched = browser.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    assert all(url.startswith(("file:", "data:")) for url in fetched), fetched
