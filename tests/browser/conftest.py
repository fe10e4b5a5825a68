"""Playwright on Debian's Chromium (/usr/bin/chromium, installed by `make browser`).

No browser is downloaded. Without Chromium these tests skip, except on CI, where they fail.
"""

import os
import shutil

import pytest

from tests.browser.artefacts import artefacts_root

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    if shutil.which(CHROMIUM) or os.environ.get("CI") == "true":
        return
    skip = pytest.mark.skip(reason="browser tests need Debian's Chromium: run `make browser`")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def artefacts(request):
    """A folder of this test's screenshots (printed), under ``artefacts_root()``."""
    folder = artefacts_root() / request.node.name.replace("[", "-").replace("]", "")
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {folder.resolve()}")  # noqa: T201 - where the artefacts are
    return folder
