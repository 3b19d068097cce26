"""The browser pages in a real headless Chromium against a real `pathways serve` on the seed graph.

GraphiQL runs a query and shows the answer; Swagger UI lists the operations and executes one;
every request either page makes goes to the service itself (no CDN). Chromium is Debian's
(``make test`` installs it), driven by Playwright. Without Chromium or the npm assets these tests
skip on a developer's machine and fail in CI (``CI`` set), where ``make test`` must have installed them.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from pathways.service import browser as browser_pages
from pathways.service.browser import ASSETS, missing_assets

from .conftest import Client, tokens_json
from .test_serve import Served, pathways_serve

CHROMIUM_FLAGS = ["--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _unavailable(message: str) -> None:
    """Fail in CI, where `make test` installs everything; skip elsewhere."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{message} (CI must have it: `make test` installs it)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _unavailable("chromium is not installed (apt-get install chromium)")
    assert path is not None
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    if missing := missing_assets():
        _unavailable(f"browser assets are not installed under {ASSETS} (npm ci --prefix web): {missing}")
    directory = tmp_path_factory.mktemp("browser")
    tokens = directory / "tokens.json"
    tokens.write_text(json.dumps(tokens_json()), encoding="utf-8")
    with pathways_serve(directory, tokens) as served:
        yield served


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@dataclass
class Tab:
    """A fresh browser page, every URL it requested and every uncaught script error it had."""

    page: Page
    requested: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def only_local(self, served: Served) -> None:
        """Every request went to the service (no CDN), and no script failed."""
        assert self.requested and all(url.startswith(f"{served.base}/") for url in self.requested), self.requested
        assert self.errors == []


@pytest.fixture
def tab(browser: Browser, served: Served) -> Iterator[Tab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = Tab(context.new_page())
    tab.page.on("request", lambda request: tab.requested.append(request.url))
    tab.page.on("pageerror", lambda error: tab.errors.append(str(error)))
    tab.page.set_default_timeout(20_000)
    yield tab
    context.close()


def test_graphiql_runs_a_query_and_shows_the_result(tab: Tab, served: Served) -> None:
    page = tab.page
    query = '{ node(id: "UFV:GD157") { id title } }'
    page.goto(f"{served.base}/graphql?q={quote(query)}")
    expect(page.locator(".graphiql-container")).to_be_visible()
    expect(page.locator(".graphiql-query-editor")).to_contain_text("UFV:GD157")
    page.locator(".graphiql-execute-button").click()
    response = page.locator(".graphiql-response")
    expect(response).to_contain_text('"title": "Digital Imaging"')
    assert "errors" not in response.inner_text()
    tab.only_local(served)


def test_graphiql_opens_on_the_example_query_which_runs(tab: Tab, served: Served) -> None:
    page = tab.page
    page.goto(f"{served.base}/graphql")
    expect(page.locator(".graphiql-query-editor")).to_contain_text("institutions")
    page.keyboard.press("Escape")
    page.locator(".graphiql-execute-button").click()
    expect(page.locator(".graphiql-response")).to_contain_text('"id": "AU"')
    tab.only_local(served)


def test_swagger_ui_lists_the_operations_and_executes_one(tab: Tab, served: Served) -> None:
    page = tab.page
    page.goto(f"{served.base}/docs")
    operations = page.locator("#swagger-ui .opblock-summary-path")
    expect(operations.filter(has_text="/evaluate")).to_have_count(1)
    expect(operations.filter(has_text="/nodes/{id}/counts-toward")).to_have_count(1)
    operations.and_(page.locator('[data-path="/health"]')).click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    live = page.locator(".live-responses-table")
    expect(live).to_contain_text('"status": "ok"')
    expect(live.locator("tbody .response-col_status")).to_have_text("200")
    tab.only_local(served)


def test_without_assets_the_pages_say_how_to_install_them(client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_pages, "ASSETS", tmp_path)
    docs = client.get("/docs")
    graphiql = client.get("/graphql", headers={"Accept": "text/html"})
    asset = client.get("/static/graphiql.min.js")
    unlisted = client.get("/static/package.json")
    for response in (docs, graphiql):
        assert response.status_code == 503 and response.headers["content-type"].startswith("text/html")
        assert "npm ci --prefix web" in response.text and "graphiql.min.js" in response.text
    assert asset.status_code == 404 and "npm ci --prefix web" in asset.text
    assert unlisted.status_code == 404 and "no static file" in unlisted.text
