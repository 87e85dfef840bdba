"""The portal in a real browser: Debian's chromium, headless, driven by Selenium, in a
phone-sized window (390 x 844).  A cooperative signs in, sees its statement and its sales
chart, switches to Arabic (the page runs right to left), downloads its statement PDF, and
checks it with the verify page.  Screenshots go to docs/screenshots/portal-*.png
with COOPOS_SCREENSHOTS=1.

Skipped, with the reason, when selenium, chromium or chromedriver is missing
(``apt-get install chromium chromium-driver``; ``pip install selenium``).
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest

from coopos.i18n.formats import format_money
from coopos.server import consignment
from coopos.server.app import create_app
from coopos.server.models import new_uuid

# docs/screenshots is refreshed on purpose (COOPOS_SCREENSHOTS=1); a plain test run
# writes its pictures to the temp folder and leaves the working tree alone.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("COOPOS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "coopos-portal-screenshots"
)
PHONE = {"width": 390, "height": 844, "pixelRatio": 2}

webdriver = pytest.importorskip("selenium.webdriver", reason="pip install selenium")


def _browser_paths() -> tuple[str, str]:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not binary or not driver:
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    return binary, driver


@pytest.fixture
def browser(tmp_path):
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = _browser_paths()
    options = Options()
    options.binary_location = binary
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root in a container
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--lang=fr-FR",
        f"--window-size={PHONE['width']},{PHONE['height']}",
    ):
        options.add_argument(arg)
    options.add_experimental_option("mobileEmulation", {"deviceMetrics": PHONE})
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "plugins.always_open_pdf_externally": True,
            "intl.accept_languages": "fr-FR,fr",
        },
    )
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.set_page_load_timeout(30)
    driver.downloads = downloads
    yield driver
    driver.quit()


@pytest.fixture
def live(db, portal, new_till):
    """The portal's data plus a week of sales at the fair (for the chart), served by
    uvicorn on a free port."""
    import uvicorn

    stand = new_till(location="STAND-SOUK", prefix="S09")
    stand.day = "2026-11-17"
    number = "BL-S09-00001"
    stand.event(
        "stock.movements",
        {
            "movements": [
                stand.movement("ARG-OIL-100", Decimal(20), "received", number),
                stand.movement("ARG-OIL-250", Decimal(12), "received", number),
            ],
            "note": {
                "uuid": new_uuid(),
                "number": number,
                "kind": "dispatch",
                "fair": "SOUK",
                "from": "COOP:TIFAW",
                "to": "STAND-SOUK",
            },
        },
    )
    for day, qty in ((18, "2"), (19, "4"), (20, "1"), (21, "5"), (23, "3")):
        stand.day = f"2026-11-{day:02d}"
        stand.sale(("ARG-OIL-100", qty), ("ARG-OIL-250", str(Decimal(qty) // 2 or 1)))
    # the end-of-fair count: one oil is missing (30 in, 18 sold, 1 refunded: 13 expected)
    stand.event(
        "fair.counted",
        {
            "fair": "SOUK",
            "location": "STAND-SOUK",
            "counted_utc": "2026-11-23T18:00:00",
            "counts": {"ARG-OIL-100": "12.000", "ARG-OIL-250": "5.000", "ALM-500": "4.000"},
            "movements": [stand.movement("ARG-OIL-100", Decimal(-1), "count", "CNT-SOUK")],
        },
    )
    stand.sync()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(database=db), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the server did not start"
    yield f"http://127.0.0.1:{port}", portal
    server.should_exit = True
    thread.join(10)


def _wait(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _shot(driver, name: str, backend: str) -> None:
    """A full-page screenshot at phone width (saved once: on SQLite)."""
    if backend != "sqlite":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": PHONE["width"],
            "height": max(PHONE["height"], min(int(height), 4000)),
            "deviceScaleFactor": PHONE["pixelRatio"],
            "mobile": True,
        },
    )
    try:
        driver.save_screenshot(str(SCREENSHOTS / f"portal-{name}.png"))
    finally:
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": PHONE["width"],
                "height": PHONE["height"],
                "deviceScaleFactor": PHONE["pixelRatio"],
                "mobile": True,
            },
        )


def _spaced(text: str) -> str:
    """Browsers report no-break spaces as spaces and drop direction marks."""
    return text.replace("\xa0", " ").replace("\u200f", "").replace("\u200e", "")


def _fits_the_phone(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def test_a_cooperative_uses_the_portal_on_a_phone(browser, live, backend, db, gui):
    from selenium.webdriver.common.by import By

    base, codes = live
    driver = browser
    driver.get(f"{base}/portal/")
    _wait(lambda: "/portal/login" in driver.current_url)
    html = driver.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("fr", "ltr")
    assert driver.execute_script("return window.innerWidth") == PHONE["width"]
    _shot(driver, "login-fr", backend)

    driver.find_element(By.ID, "code").send_keys(codes["TIFAW"].lower())
    driver.find_element(By.CSS_SELECTOR, "form.panel button[type=submit]").click()
    _wait(lambda: driver.current_url.endswith("/portal/coop/TIFAW"))
    chart = driver.find_element(By.CSS_SELECTOR, "svg.chart")
    assert chart.is_displayed() and chart.size["width"] <= PHONE["width"]
    assert len(chart.find_elements(By.CSS_SELECTOR, "rect.bar")) >= 6
    assert _fits_the_phone(driver)
    assert driver.execute_script("return document.scripts.length") == 0
    _shot(driver, "home-fr", backend)

    driver.find_element(By.CSS_SELECTOR, 'nav.menu a[href$="/statements"]').click()
    _wait(lambda: driver.current_url.endswith("/statements"))
    driver.find_element(By.CSS_SELECTOR, 'a[href$="/statements/fair/SOUK"]').click()
    _wait(lambda: driver.current_url.endswith("/statements/fair/SOUK"))
    with db.read() as s:
        payable = consignment.settlement(s, "TIFAW", consignment.Scope.of("SOUK")).payable_cents
    cards = driver.find_element(By.CSS_SELECTOR, ".cards").text
    assert _spaced(format_money(payable, "fr")) in _spaced(cards)
    assert driver.find_elements(By.CSS_SELECTOR, "svg.chart rect.bar")
    missing = driver.find_elements(By.CSS_SELECTOR, "table.stack td .neg")
    assert [m.text for m in missing][:1] == ["1"]  # the oil missing at the count, in red
    assert missing[0].value_of_css_property("color") == "rgba(179, 38, 30, 1)"
    assert _fits_the_phone(driver)
    _shot(driver, "statement-fr", backend)

    # Arabic: the whole page flips right to left
    driver.find_element(By.CSS_SELECTOR, 'nav.lang a[hreflang="ar"]').click()
    _wait(lambda: driver.find_element(By.TAG_NAME, "html").get_attribute("dir") == "rtl")
    html = driver.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ar"
    assert driver.current_url.endswith("/statements/fair/SOUK")
    cards = driver.find_element(By.CSS_SELECTOR, ".cards").text
    assert _spaced(format_money(payable, "ar")) in _spaced(cards)
    menu = driver.find_element(By.CSS_SELECTOR, "nav.menu a")  # the first entry...
    assert menu.location["x"] > PHONE["width"] / 2  # ...now starts on the right
    assert _fits_the_phone(driver)
    _shot(driver, "statement-ar", backend)

    driver.find_element(By.CSS_SELECTOR, 'a[href$="/pdf?lang=ar"]').click()
    pdf = _wait(lambda: next(iter(driver.downloads.glob("*.pdf")), None), 30)
    _wait(lambda: not list(driver.downloads.glob("*.crdownload")), 30)
    assert pdf.name == "statement-TIFAW-SOUK-ar.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")

    driver.find_element(By.CSS_SELECTOR, 'a[href^="/portal/verify?code="]').click()
    _wait(lambda: "/portal/verify" in driver.current_url)
    verdicts = driver.find_elements(By.CSS_SELECTOR, "section.verdict.ok")
    assert [v.get_attribute("dir") for v in verdicts] == ["rtl", "ltr"]
    _shot(driver, "verify-ar", backend)

    driver.get(f"{base}/portal/coop/TIFAW")
    _shot(driver, "home-ar", backend)

    # another cooperative's pages stay closed, even typed in the address bar
    driver.get(f"{base}/portal/coop/LOUZ/statements/fair/SOUK")
    assert "ALM-500" not in driver.page_source
    assert driver.find_element(By.TAG_NAME, "h1").text != ""
    driver.get(f"{base}/portal/coop/TIFAW/statements/fair/MOUSSEM")
    assert "MOUSSEM" not in driver.find_element(By.TAG_NAME, "main").text
