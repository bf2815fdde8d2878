"""Shared test fixtures: the Kaizhou reference data, one account per role and the demo enterprises,
loaded once per run."""

import pytest
from django.test import Client

from kechuang.org.loading import find_department
from kechuang.org.models import User
from kechuang.site.demo import DEMO_PASSWORD, load_demo_data
from kechuang.testing import snapshot
from kechuang.testing.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path

DISTRICT = ["重庆市", "开州区"]


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and marker.kwargs.get("transaction", False)
    return transactional or item.get_closest_marker("browser") is not None


def pytest_collection_modifyitems(config, items):
    # Browser tests and those with real worker processes use a database that is flushed after each
    # (transactional); running them last keeps the session-wide reference data intact for the others.
    items.sort(key=_flushes_the_database)


def pytest_sessionfinish(session, exitstatus):
    """Remove this run's own files beside the test database (settings_test.py): the leases' directory and
    what SQLite leaves of a WAL database whose last connection was a killed worker's."""
    import shutil
    from pathlib import Path

    from django.conf import settings

    run = Path(settings.KECHUANG_LEASE_DIR).parent
    if run.name.startswith("kechuang-test-"):
        shutil.rmtree(run, ignore_errors=True)
        for suffix in (".sqlite3", ".sqlite3-wal", ".sqlite3-shm"):
            Path(f"{run}{suffix}").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        load_demo_data()
        snapshot.take()  # what the transactional tests get back after each flush


@pytest.fixture
def dept(db):
    """Look up a department of the Kaizhou tree by its name (or the district itself with no name)."""

    def lookup(name: str | None = None):
        return find_department(DISTRICT + ([name] if name else []))

    return lookup


@pytest.fixture
def user(db):
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def client_as(db):
    """A test client signed in as a demo account (or any user)."""

    def make(who) -> Client:
        account = who if isinstance(who, User) else User.objects.get(username=who)
        client = Client()
        client.force_login(account, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return make


@pytest.fixture
def demo_password():
    return DEMO_PASSWORD


# --- browser tests ------------------------------------------------------------------------------------


@pytest.fixture
def browser_page(live_server, monkeypatch):
    """A page in real headless Chromium (Debian's package) against the live test server."""
    executable = chromium_path()
    if executable is None:
        pytest.skip(
            "未找到 Chromium（Debian 软件包 chromium）：浏览器测试跳过。请以 root 运行 make test 自动安装。"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes while it
    # runs are still synchronous, one at a time.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    snapshot.restore()  # the live-server database is flushed between transactional tests
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        page = browser.new_page(
            viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
        )
        page.console_errors = []
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        yield page
        browser.close()
