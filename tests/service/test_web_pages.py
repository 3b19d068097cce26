"""The web app's pages as HTML through the real app on the seed graph (no browser): what each says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import anyio.from_thread
import pytest

from pathways.io.document import merge_documents, read_document
from pathways.service import create_app
from pathways.settings import Settings
from pathways.store import open_store
from tests.conftest import seed_files

from .conftest import TOKENS, Client, tokens_json


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    directory = tmp_path_factory.mktemp("web")
    tokens = directory / "tokens.json"
    tokens.write_text(json.dumps(tokens_json()), encoding="utf-8")
    url = f"sqlite:///{directory / 'web.db'}"
    store = open_store(url)
    store.import_document(merge_documents([read_document(p) for p in seed_files()]), actor="fixture", action="load")
    with anyio.from_thread.start_blocking_portal() as portal:
        client = Client(create_app(Settings(store_url=url, tokens_file=str(tokens)), store=store), portal)
        yield client
        client.close()
    store.close()


def test_counts_toward_says_pilot_dates_and_grade(web: Client) -> None:
    page = web.get("/learner", params={"node": "SFU:FASS-FWD-101"}).text
    assert '<span class="badge pilot">pilot</span>' in page and "agreement SFU-FASS-PILOT, from 2022-09-01" in page
    page = web.get("/learner", params={"node": "CAMOSUN:DIP-BADM"}).text
    assert "needs C+ or better" in page and "from 2020-09-01 to 2027-08-31" in page


def test_a_page_refuses_unknown_query_parameters_and_escapes_what_it_echoes(web: Client) -> None:
    assert web.get("/learner", params={"qq": "x"}).status_code == 422
    page = web.get("/learner", params={"q": "<script>alert(1)</script>"}).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_htmx_gets_only_the_part_that_changes(web: Client) -> None:
    part = web.get("/learner", params={"q": "photoshop"}, headers={"HX-Request": "true"}).text
    assert "<html" not in part and "UFV PS ESS (1)" in part


def test_the_council_csv_and_a_neighbourhood_with_suggestions(web: Client) -> None:
    response = web.get("/council/agreements.csv", params={"from": "CAMOSUN", "to": "UVIC", "in_effect": "no", "as_of": "2026-01-01"})
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text.splitlines()
    assert lines[0].startswith("rule,kind,status,from_label") and len(lines) == 2 and lines[1].startswith("CAMOSUN-UVIC-HIST120,")
    missing = web.get("/council/node", params={"id": "CAMOSUN:ENGL151"})
    assert missing.status_code == 404 and 'href="/council/node?id=CAMOSUN%3AENGL-151"' in missing.text


def test_the_registrar_page_needs_a_signed_in_registrar(web: Client) -> None:
    assert "Your access token" in web.get("/registrar").text
    assert web.post("/registrar/sign-in", content="token=tok-council-0001",
                    headers={"Content-Type": "application/x-www-form-urlencoded"}).status_code == 401
    signed = web.post("/registrar/sign-in", content=f"token={TOKENS['registrar:UFV']}",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert signed.status_code == 303
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/registrar" in cookie
    page = web.get("/registrar", headers={"Cookie": cookie.split(";")[0]}).text
    assert "UFV-GD157-PLAR" in page and "CAMOSUN-UVIC-HIST110" not in page
    # a rule another institution grants is refused, shown on the page, nothing written
    body = "id=UVIC-X&kind=transfer&granted_by=UVIC&requires=%7B%22node%22%3A%22UFV%3AGD157%22%7D&grants=UVIC%3AHIST-111"
    refused = web.post("/registrar/rule", content=body, headers={"Cookie": cookie.split(";")[0],
                                                                "Content-Type": "application/x-www-form-urlencoded"})
    assert refused.status_code == 403 and "may not" in refused.text
    assert web.get("/rules/UVIC-X").status_code == 404


def test_ending_an_agreement_sets_its_last_day(web: Client, tmp_path: Path) -> None:
    signed = web.post("/registrar/sign-in", content=f"token={TOKENS['registrar:UFV']}",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookie = signed.headers["set-cookie"].split(";")[0]
    done = web.post("/registrar/end", content="id=UFV-BUS348-PLAR&date=2026-06-30",
                    headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "now ends on 2026-06-30" in done.text
    assert web.get("/rules/UFV-BUS348-PLAR").json()["valid_to"] == "2026-06-30"


def test_the_impact_preview_says_the_totals_when_the_lists_are_cut(web: Client) -> None:
    answer = web.post("/impact", json={"end": "UFV-GD157-PLAR", "date": "2026-09-01"}).json()
    answer["reach"]["lost"] = answer["reach"]["lost"][:2]  # as a bounded answer lists them
    page = web.post("/registrar/impact-view", json=answer).text
    assert "This change removes 6 routes between courses" in page and "The first 2 are listed." in page
    assert page.count("<li>") == 2
    whole = web.post("/registrar/impact-view", json=web.post("/impact", json={"end": "UFV-GD157-PLAR", "date": "2026-09-01"}).json()).text
    assert "removes 6 routes" in whole and "are listed" not in whole
