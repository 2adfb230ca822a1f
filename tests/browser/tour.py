"""What the browser tier checks on every page a journey visits: a full-page screenshot under
``var/browser/``, axe-core (no ``serious`` or ``critical`` violation; the others are collected
and printed at the end of the session), no JavaScript dialog but the portal's own confirmations,
no script refused by the Content-Security-Policy (a refusal means markup from a user reached the
page unescaped and only the policy stopped it). ``finish()`` fails a test that navigated to a page
it never checked."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError

BLOCKING = ("serious", "critical")
_ID = re.compile(r"/(?:[0-9a-f]{32}|[0-9a-f-]{36}|\d+)(?=/|$)")
_AXE = Axe()


def page_kind(url: str) -> str:
    """The page's route with ids folded, so each kind of page is checked once per test."""
    path = re.sub(r"^https?://[^/]+", "", url).split("?", 1)[0].split("#", 1)[0]
    return _ID.sub("/{id}", path) or "/"


@dataclass
class AxeReport:
    """Violations below ``serious`` across the session: rule -> (impact, pages)."""

    minor: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    pages: int = 0

    def add(self, kind: str, violations: list[dict]) -> list[str]:
        self.pages += 1
        blocking = []
        for v in violations:
            if v["impact"] in BLOCKING:
                nodes = "; ".join(n["html"][:160] for n in v["nodes"][:3])
                blocking.append(f"{v['impact']} {v['id']}: {v['help']} -- {nodes}")
            else:
                self.minor.setdefault(v["id"], (v["impact"], set()))[1].add(kind)
        return blocking

    def lines(self) -> list[str]:
        out = [f"axe-core: {self.pages} page checks, no serious or critical violation allowed"]
        for rule, (impact, kinds) in sorted(self.minor.items()):
            out.append(f"  {impact or 'n/a':9s} {rule}: {', '.join(sorted(kinds))}")
        return out


class Tour:
    """One browser page of one test, with the checks above."""

    def __init__(self, page, shots: Path, test_name: str, report: AxeReport, keyboard=False):
        self.page = page
        self.shots = shots
        self.test = re.sub(r"[^A-Za-z0-9_.-]+", "_", test_name)
        self.report = report
        self.keyboard = keyboard
        self.visited: set[str] = set()
        self.checked: set[str] = set()
        self.dialogs: list[tuple[str, str]] = []
        self.csp_refusals: list[str] = []
        self.confirmations: list[str] = []
        self._n = 0
        page.on("framenavigated", self._navigated)
        page.on("dialog", self._dialog)
        page.on("console", self._console)

    # -- listeners -----------------------------------------------------------------------------
    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith("http"):
            self.visited.add(page_kind(frame.url))

    def _dialog(self, dialog) -> None:
        # The portal asks window.confirm() before a power off; anything else (an alert, a
        # prompt) is a script that should not be there.
        if dialog.type == "confirm":
            self.confirmations.append(dialog.message)
            dialog.accept()
        else:
            self.dialogs.append((dialog.type, dialog.message))
            dialog.dismiss()

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.csp_refusals.append(message.text)

    # -- the checks ----------------------------------------------------------------------------
    def check(self, name: str) -> None:
        """Screenshot and axe-core for the page now shown."""
        self.page.wait_for_load_state("load")
        kind = page_kind(self.page.url)
        self._n += 1
        path = str(self.shots / f"{self.test}-{self._n:02d}-{name}.png")
        try:
            self.page.screenshot(path=path, full_page=True)
        except PlaywrightError:
            # A page with a booting node reloads itself when the status changes (portal.js);
            # a capture that meets the reload is taken again once the new page has loaded.
            self.page.wait_for_load_state("load")
            self.page.screenshot(path=path, full_page=True)
        try:
            result = _AXE.run(self.page)
        except PlaywrightError:
            # The same race for axe-core: a form's answer (or portal.js's reload) replaced the
            # page while axe ran; run it again on the page that is now shown.
            self.page.wait_for_load_state("load")
            self.page.screenshot(path=path, full_page=True)
            result = _AXE.run(self.page)
        blocking = self.report.add(kind, result.response["violations"])
        assert not blocking, f"axe-core on {kind} ({name}):\n" + "\n".join(blocking)
        self.checked.add(kind)

    def finish(self) -> None:
        assert not self.dialogs, f"a script ran and opened dialogs: {self.dialogs}"
        assert not self.csp_refusals, f"scripts reached the page: {self.csp_refusals}"
        unchecked = self.visited - self.checked
        assert not unchecked, f"pages visited but never checked (axe, screenshot): {unchecked}"

    # -- acting as a user ----------------------------------------------------------------------
    def activate(self, locator) -> None:
        """Click ``locator``; in keyboard mode reach it with Tab alone and press Enter (or
        Space for a checkbox), failing if Tab never gets there."""
        locator.wait_for(state="visible")
        if not self.keyboard:
            locator.click()
            return
        self.focus(locator)
        kind = locator.evaluate("e => e.type || e.tagName")
        key = "Space" if kind in ("checkbox", "radio") else "Enter"
        if kind == "submit" and locator.get_attribute("data-confirm") is None:
            # A keypress does not wait for the form's answer as a click does: wait for it here,
            # so that the next check sees the new page, not the one the form left.
            with self.page.expect_navigation(wait_until="load"):
                self.page.keyboard.press(key)
            return
        self.page.keyboard.press(key)

    def fill(self, locator, text: str) -> None:
        if not self.keyboard:
            locator.fill(text)
            return
        self.focus(locator)
        self.page.keyboard.press("Control+A")
        self.page.keyboard.type(text)

    def select(self, locator, label: str) -> None:
        if not self.keyboard:
            locator.select_option(label=label)
            return
        self.focus(locator)
        # A focused <select> takes the first letters of an option's text.
        self.page.keyboard.type(label)

    def focus(self, locator, limit: int = 150) -> None:
        """Press Tab until ``locator`` has the focus: proof that the keyboard reaches it."""
        locator.wait_for(state="visible")
        seen = Counter()
        for _ in range(limit):
            if locator.evaluate("e => e === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
            seen[
                self.page.evaluate(
                    "() => document.activeElement && document.activeElement.outerHTML.slice(0, 60)"
                )
            ] += 1
        raise AssertionError(f"Tab never reached {locator}; went through {list(seen)[:20]}")
