"""Rendering review packets: Markdown, HTML and JSON carry the same items, safely."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from datetime import date
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape

from bot.ladder import Ladder
from bot.review import (
    ReviewPacket,
    packet_data,
    packet_from_rows,
    period,
    render,
    render_html,
    render_json,
    render_markdown,
)
from bot.review.charts import coverage_svg, month_label, timeline_svg
from bot.review.text import md_text
from tests.review import helpers
from tests.review.helpers import NOW, SECRET, row

SVG = "{http://www.w3.org/2000/svg}"
ZONE = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def ladder() -> Ladder:
    return helpers.ladder()


def make(
    ladder: Ladder, rows: list[dict[str, Any]], since: str, until: str, level: int = 2
) -> ReviewPacket:
    start, end = period(date.fromisoformat(since), date.fromisoformat(until), ZONE)
    return packet_from_rows(
        rows, ladder, person="alice", level=level, start=start, end=end, zone=ZONE, now=NOW
    )


@pytest.fixture(scope="module")
def packet(ladder: Ladder) -> ReviewPacket:
    return make(ladder, helpers.year_rows(ladder), "2026-01-01", "2026-12-31")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside tags."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    tags = Tags()
    tags.feed(html)
    tags.close()
    return tags


def svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, flags=re.S)


# -- the same content in every format ---------------------------------------------------------


def test_the_three_formats_hold_the_same_items(packet: ReviewPacket) -> None:
    md, html, data = render_markdown(packet), render_html(packet), json.loads(render_json(packet))
    assert data == packet_data(packet)
    appendix_urls = [item.url for item in packet.appendix]
    assert len(appendix_urls) > 50
    assert [item["url"] for item in data["appendix"]] == appendix_urls
    # The appendix: one table row per item in both documents, each with its link.
    md_rows = [line for line in md.splitlines() if re.match(r"\| \d{4}-\d\d-\d\d \|", line)]
    assert len(md_rows) == len(appendix_urls)
    for line, url in zip(md_rows, appendix_urls, strict=True):
        assert f"<{url}>" in line
    tags = parse(html)
    links = [
        attrs["href"] for tag, attrs in tags.tags if tag == "a" and attrs.get("class") == "url"
    ]
    assert links == appendix_urls
    # Each expectation of the current and next level: the same count and the same examples.
    md_examples = re.findall(
        r"^- \[.*\]\((\S+)\)(?: \(confidential\))?, \d{4}-\d\d-\d\d, rule ", md, flags=re.M
    )
    html_examples = [
        attrs["href"] for tag, attrs in tags.tags if tag == "a" and attrs.get("class") == "ext"
    ]
    json_examples = [
        item["url"]
        for section in data["sections"]
        for entry in section["expectations"]
        for item in entry["examples"]
    ]
    model_examples = [
        item.url
        for section in packet.sections
        for entry in section.expectations
        for item in entry.examples
    ]
    assert model_examples and md_examples == html_examples == json_examples == model_examples
    for section in packet.sections:
        for entry in section.expectations:
            assert f"`{entry.id}`: {md_text(entry.status)}" in md
            assert f"{escape(entry.status)} <code>{entry.id}</code>" in html
    # The pictures' numbers: the timeline table and the coverage grid.
    for month, counts in packet.timeline.by_month():
        cells = "".join(f'<td class="num">{count}</td>' for count in counts)
        assert f'<th scope="row">{month_label(month)}</th>{cells}' in html
        assert f"| {month_label(month)} | " + " | ".join(map(str, counts)) + " |" in md
    assert data["timeline"]["months"] == list(packet.timeline.months)
    for cell in packet.coverage:
        assert f">{cell.label}</text>" in html
        if cell.marks:
            assert any(
                c["level"] == cell.level and c["label"] == cell.label for c in data["coverage"]
            )
    assert "| Level 2 (current) |" in md and "| Level 3 (next) |" in md


def test_the_header_says_who_when_and_which_level(packet: ReviewPacket) -> None:
    for text in (render_markdown(packet), render_html(packet)):
        assert "Review packet: alice" in text
        assert "2 on the Backend Developer ladder" in text
        assert "2026-01-01 to 2026-12-31, both days included (Europe/Berlin)" in text
        assert "2026-12-01 09:30 (Europe/Berlin)" in text  # NOW, in the configured timezone
    data = packet_data(packet)
    assert data["generated_at"] == "2026-12-01T08:30:00Z"
    assert data["period"] == {
        "since": "2026-01-01",
        "until": "2026-12-31",
        "timezone": "Europe/Berlin",
        "start": "2025-12-31T23:00:00Z",
        "end": "2026-12-31T23:00:00Z",
    }
    assert (data["person"], data["level"], data["format"], data["version"]) == (
        "alice",
        2,
        "ladder-bot review packet",
        1,
    )


def test_confidential_items_are_a_link_only_in_every_format(packet: ReviewPacket) -> None:
    hidden = [item for item in packet.appendix if item.confidential]
    assert len(hidden) == 1 and hidden[0].summary is None and hidden[0].why == ()
    for fmt in ("md", "html", "json"):
        text = render(packet, fmt)
        assert SECRET not in text, fmt
        assert hidden[0].url in text
    assert "| (confidential) |" in render_markdown(packet)
    assert '<span class="confidential">(confidential)</span>' in render_html(packet)
    item = next(i for i in packet_data(packet)["appendix"] if i["confidential"])
    assert item["summary"] is None and item["why"] == []


def test_the_only_example_left_may_be_confidential(ladder: Ladder) -> None:
    rows = [
        row(
            ladder,
            "l2.communication.accepts-feedback-graciously",
            "2026-03-03T10:00:00Z",
            kind="review_comment",
            summary=SECRET,
            confidential=True,
            url=f"{helpers.BASE}/issues/5#note_1",
        )
    ]
    packet = make(ladder, rows, "2026-03-01", "2026-03-31")
    md, html = render_markdown(packet), render_html(packet)
    assert f"- [review comment]({helpers.BASE}/issues/5#note_1) (confidential), 2026-03-03" in md
    assert (
        f'<a class="ext" href="{helpers.BASE}/issues/5#note_1">review comment</a> '
        '<span class="confidential">(confidential)</span>'
    ) in html
    assert SECRET not in md + html + render_json(packet)


def test_user_text_is_escaped(ladder: Ladder, packet: ReviewPacket) -> None:
    html = render_html(packet)
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert all(not name.startswith("on") for _, attrs in parse(html).tags for name in attrs)
    md = render_markdown(packet)
    assert "<script" not in md and "<img" not in md
    line = next(line for line in md.splitlines() if "alert(1)" in line and line.startswith("- "))
    for raw, escaped in (
        ("@all", "\\@all"),
        ("#12", "\\#12"),
        ("!3", "\\!3"),
        ("~bug", "\\~bug"),
        ("[click]", "\\[click\\]"),
        ("| pipe", "\\| pipe"),
        ("`tick`", "\\`tick\\`"),
        ("**bold**", "\\*\\*bold\\*\\*"),
    ):
        assert raw not in line.replace(escaped, ""), raw
    assert re.search(r"(?<!\\)\]\(javascript", md) is None  # no link to javascript: forms
    assert json.loads(render_json(packet))["appendix"]  # JSON keeps the text as data


def test_only_web_links_become_links(ladder: Ladder) -> None:
    rows = [
        row(ladder, "l2.mastery.writes-automated-tests", "2026-03-03T10:00:00Z", url=url)
        for url in (
            "javascript:alert(1)",
            "https://gitlab.example.com/a/b/-/merge_requests/1?x=(y) z",
            "https://gitlab.example.com/a/b/-/merge_requests/2",
        )
    ]
    packet = make(ladder, rows, "2026-03-01", "2026-03-31")
    html = render_html(packet)
    hrefs = [attrs.get("href") or "" for tag, attrs in parse(html).tags if tag == "a"]
    assert not any(href.startswith("javascript") for href in hrefs)
    assert "https://gitlab.example.com/a/b/-/merge_requests/2" in hrefs
    md = render_markdown(packet)
    assert "(javascript" not in md and "<javascript" not in md
    assert "<https://gitlab.example.com/a/b/-/merge_requests/2>" in md


def test_wording_is_neutral_even_with_no_evidence(ladder: Ladder) -> None:
    empty = make(ladder, [], "2026-01-01", "2026-03-31", level=4)
    for fmt in ("md", "html", "json"):
        text = render(empty, fmt).lower()
        for word in ("missing", "fail", "lacking", "poor", "behind", "ranked", "percentile"):
            assert word not in text, (fmt, word)
    md = render_markdown(empty)
    assert "Not yet seen in this period." in md and "No evidence in this period." in md
    assert "## Level 4: current level" in md and "## Level 5: next level" in md


# -- the pictures ----------------------------------------------------------------------------


@pytest.mark.parametrize("draw", [timeline_svg, coverage_svg])
def test_charts_are_well_formed_accessible_svg(
    draw: Any, packet: ReviewPacket, ladder: Ladder
) -> None:
    for subject in (packet, make(ladder, [], "2026-01-01", "2026-01-31")):
        root = ET.fromstring(draw(subject))
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
        assert title is not None and desc is not None and title.text and desc.text
        assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
        assert not root.findall(f".//{SVG}script") and not root.findall(f".//{SVG}image")
        for mark in root.iter(f"{SVG}rect"):
            for name in mark.attrib:
                assert not name.startswith("on") and "href" not in name


def test_the_timeline_draws_a_bar_per_month_with_evidence(packet: ReviewPacket) -> None:
    root = ET.fromstring(timeline_svg(packet))
    bars = [(bar.findtext(f"{SVG}title") or "") for bar in root.iter(f"{SVG}rect")]
    expected = sum(1 for row in packet.timeline.counts for count in row if count)
    assert len(bars) == expected == len([b for b in bars if "evidence item" in b])
    months = [text.text for text in root.iter(f"{SVG}text") if text.get("font-size") == "10"]
    assert "Jan" in months and "Dec" in months and "2026" in months


def test_the_coverage_grid_marks_every_expectation(packet: ReviewPacket, ladder: Ladder) -> None:
    root = ET.fromstring(coverage_svg(packet))
    marks = [rect.findtext(f"{SVG}title") or "" for rect in root.iter(f"{SVG}rect")]
    for expectation in ladder.expectations.values():
        found = [text for text in marks if text.startswith(f"{expectation.id}: ")]
        assert len(found) == 1, expectation.id
        if not expectation.observable:
            assert f"Not visible in GitLab activity: {expectation.why_not}" in found[0]
    labels = {text.text for text in root.iter(f"{SVG}text")}
    assert {"Level 1", "Level 6", "current", "next", "Mastery", "Leadership"} <= labels
    assert packet.cell(2, "communication").label in labels


# -- one self-contained HTML file -------------------------------------------------------------


def test_the_html_is_self_contained_and_has_no_scripts(packet: ReviewPacket) -> None:
    html = render_html(packet)
    assert html.startswith("<!DOCTYPE html>")
    tags = parse(html)
    names = {tag for tag, _ in tags.tags}
    assert not names & {"script", "link", "iframe", "object", "embed", "img", "base", "form"}
    evidence = {item.url for item in packet.appendix}
    for tag, attrs in tags.tags:
        assert "src" not in attrs and "srcset" not in attrs, tag
        if "href" in attrs:
            href = attrs["href"] or ""
            assert href.startswith("#") or href in evidence, href
        for name, value in attrs.items():
            if name != "xmlns":  # the SVG namespace is a name, not a resource
                assert "://" not in (value or "") or value in evidence, (tag, name, value)
    style = re.search(r"<style>(.*?)</style>", html, flags=re.S)
    assert style is not None
    assert "url(" not in style.group(1) and "@import" not in style.group(1)
    assert "@media print" in style.group(1) and "size: A4" in style.group(1)
    assert ".appendix { break-before: page; }" in style.group(1)
    assert 'a.ext[href]::after { content: " <" attr(href) ">"' in style.group(1)
    # Both charts, well-formed, with their own ids; anchors point at something.
    charts = svgs(html)
    assert len(charts) == 2
    for chart in charts:
        ET.fromstring(chart)
    ids = {attrs.get("id") for _, attrs in tags.tags}
    for _, attrs in tags.tags:
        href = attrs.get("href") or ""
        if href.startswith("#"):
            assert href[1:] in ids, href
    ids_list = [attrs["id"] for _, attrs in tags.tags if attrs.get("id")]
    assert len(ids_list) == len(set(ids_list))
