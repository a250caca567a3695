"""The playground at /playground: served by the gateway, the dev key offered only to this
machine, and driven in a real browser (Debian's chromium through Playwright) against a live
server: a turn streams, its memory event appears, a refusal is marked."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Api, LiveServer

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def test_the_playground_is_served_and_offers_the_dev_key_only_to_this_machine(api: Api) -> None:
    page = api.client.get("/playground/")
    script = api.client.get("/playground/playground.js")
    remote = api.client.get("/playground/config.json")  # TestClient's peer is "testclient"
    local = TestClient(api.client.app, client=("127.0.0.1", 50000)).get("/playground/config.json")

    assert page.status_code == 200 and "NPC playground" in page.text
    assert script.status_code == 200 and "bearer." in script.text
    assert remote.json() == {"dev_key": None}
    assert local.json() == {"dev_key": api.key}


def _browser() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "no chromium: `make test` installs Debian's chromium where it can; here it could not"
        )
    return found


@pytest.mark.e2e
def test_a_designer_talks_to_the_innkeeper_in_a_real_browser(live_server: LiveServer) -> None:
    from playwright.sync_api import sync_playwright

    executable = _browser()
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/playground/")

        page.wait_for_selector("#personas li[data-id=innkeeper]")
        assert page.input_value("#key") == live_server.key  # pre-filled: embedded, loopback
        page.fill("#player", f"browser-{uuid.uuid4().hex[:8]}")
        page.dispatch_event("#player", "change")
        page.click("#personas li[data-id=innkeeper]")
        page.wait_for_selector("#send:not([disabled])")

        page.fill("#line", "Evening! What's on the menu tonight?")
        page.press("#line", "Enter")
        page.wait_for_selector('.msg.npc[data-state="streaming"]', timeout=120_000)
        first = page.wait_for_selector('.msg.npc[data-state="done"]:last-child', timeout=180_000)
        tokens, first_text = int(first.get_attribute("data-tokens") or 0), first.inner_text()

        page.fill("#line", "I have a sensitive stomach, spicy food wrecks me for days.")
        page.press("#line", "Enter")
        page.wait_for_selector('.msg.npc[data-state="done"]:last-child', timeout=180_000)
        health = page.wait_for_selector('.event[data-type="health"]', timeout=90_000).inner_text()

        page.fill("#line", "Can you explain how to write a Python function?")
        page.press("#line", "Enter")
        refused = page.wait_for_selector(".msg.npc:last-child .badge.refused", timeout=180_000)
        refusal = refused.inner_text()
        time.sleep(0.5)  # let the panels settle for the picture
        page.screenshot(path=str(ARTIFACTS / "playground.png"))
        reading = page.inner_text("#reading")
        browser.close()

    assert tokens > 1 and first_text.strip()  # the reply came in pieces
    assert "stomach" in health
    assert "out_of_world" in refusal
    assert "declined" in reading
    assert not errors, errors
