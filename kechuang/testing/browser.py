"""Headless Chromium for the browser tests: Debian's package, driven by Playwright (no browser download)."""

import os
import shutil
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"  # screenshots to look at

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("KECHUANG_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


def sign_in(page, base_url: str, username: str, password: str | None = None) -> None:
    """Log in through the real login form (demo password unless given)."""
    from kechuang.site.demo import DEMO_PASSWORD

    page.goto(f"{base_url}/accounts/login/")
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#id_username", username)
    page.fill("#id_password", password or DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/")
