"""The HTML packet in a real browser: headless Chromium renders it with no console errors.

Skipped, with the reason, when ``chromium`` is not installed; when ``CI`` is set a missing
Chromium fails instead, so CI cannot pass without having looked.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.review import packet_from_rows, period, render_html
from tests.review import helpers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH, HEIGHT = 1200, 2200


@pytest.fixture
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium); CI fails instead")
    return CHROMIUM


def browse(
    chromium: str, page: Path, tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            chromium,
            "--headless=new",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=1",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
        check=False,
    )


def console_errors(stderr: str, page: Path) -> list[str]:
    """Chromium's console lines (``INFO:CONSOLE(…)`` with ``--v=1``) that come from the page or
    report an uncaught error; the page has no script, so any such line is a problem."""
    return [
        line
        for line in stderr.splitlines()
        if "CONSOLE" in line and (page.as_uri() in line or "Uncaught" in line or "ERROR" in line)
    ]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", header
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_the_html_packet_renders_in_headless_chromium(chromium: str, tmp_path: Path) -> None:
    ladder = helpers.ladder()
    zone = ZoneInfo("Europe/Berlin")
    start, end = period(date(2026, 1, 1), date(2026, 12, 31), zone)
    packet = packet_from_rows(
        helpers.year_rows(ladder),
        ladder,
        person="alice",
        level=2,
        start=start,
        end=end,
        zone=zone,
        now=helpers.NOW,
    )
    page = tmp_path / "packet.html"
    page.write_text(render_html(packet), encoding="utf-8")
    shot = tmp_path / "packet.png"
    result = browse(
        chromium, page, tmp_path, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert shot.is_file(), result.stderr[-2000:]
    assert shot.stat().st_size > 10_000
    assert png_size(shot) == (WIDTH, HEIGHT)
    assert console_errors(result.stderr, page) == []

    # Printed: A4 pages, the appendix on a page of its own (so more than one page).
    pdf = tmp_path / "packet.pdf"
    printed = browse(chromium, page, tmp_path, f"--print-to-pdf={pdf}", "--no-pdf-header-footer")
    assert printed.returncode == 0 and pdf.is_file(), printed.stderr[-2000:]
    body = pdf.read_bytes()
    boxes = {box.decode() for box in re.findall(rb"/MediaBox \[([^\]]*)\]", body)}
    assert boxes, "no page sizes in the PDF"
    for box in boxes:
        _, _, width, height = (float(number) for number in box.split())
        assert (round(width), round(height)) == (595, 842), box  # A4 in points
    assert len(re.findall(rb"/Type\s*/Page(?!s)", body)) >= 2


def test_console_errors_are_caught(chromium: str, tmp_path: Path) -> None:
    """The check above would see a page's console errors: a page with a broken script."""
    page = tmp_path / "broken.html"
    page.write_text("<!DOCTYPE html><p>x</p><script>console.error('boom'); nope();</script>")
    result = browse(
        chromium, page, tmp_path, f"--screenshot={tmp_path / 'b.png'}", "--window-size=400,300"
    )
    errors = console_errors(result.stderr, page)
    assert any("Uncaught" in line for line in errors), result.stderr[-2000:]
    assert any("boom" in line for line in errors)
