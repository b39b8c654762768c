"""``scrapy explain``: show how one page becomes a record, to write or check an outlet's rules.

    scrapy explain saved-page.html --url https://southfront.press/some-article/
    scrapy explain item.jsonl                  # a ``scrapy process`` input line (the first line of the file)
    scrapy explain '{"url": "https://...", "text": "..."}'
    scrapy explain http://127.0.0.1:8000/middleeast/201803151062548055/      # a page on a mirror

It prints which outlet and which selectors read the page, where the title, date and authors came from,
what the element cleaners removed, then every line of the body: kept, or dropped with the cleaner that
dropped it and why; last the record's groups. It writes nothing: no feed, no deduplication store, no
quarantine file.
"""

from __future__ import annotations

import argparse
import json
import textwrap
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, ClassVar

import lxml.html
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from w3lib.encoding import html_to_unicode

from crawler.commands.process import ProcessSpider
from plugins.chain import Chain
from plugins.extract import SKIP_TAGS
from plugins.model import Draft, Page, Unusable

# Only the stages that make the record: deduplication and export keep state, and explaining a page must
# not change what the next crawl does.
STATEFUL_PLUGINS = ("plugins.dedup", "plugins.export")
SNIPPET = 100
FIELDS = ("body", "title", "published", "authors", "tags")


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False
    default_settings: ClassVar[dict[str, Any]] = {"LOG_ENABLED": False}

    def syntax(self) -> str:
        return "[options] FILE | JSON | URL"

    def short_desc(self) -> str:
        return "Show how a page becomes a record: selectors, sources, and every line kept or dropped"

    def long_desc(self) -> str:
        return (
            "Explain one page: a saved page (an HTML file), a scrapy process input line (a JSON object, "
            "or a file whose first line is one) or the URL of a page on a mirror. Prints the outlet, the "
            "selectors and sources behind body, title, date and authors, the elements the cleaners removed, "
            "and each line of the body, kept or dropped, with the cleaner behind every dropped line. "
            "Writes nothing."
        )

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument("--url", help="the page's address, for a saved page (chooses the outlet by its host)")
        parser.add_argument("--outlet", help="the outlet whose rules to use (default: found from the URL)")

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give one saved page, JSON line or URL")
        page = read_page(args[0], opts.url, self.settings)
        if opts.outlet:
            page.outlet = opts.outlet
        print(explain(self.settings, page))


def read_page(source: str, url: str | None, settings: Any) -> Page:
    """The page an argument names: a JSON line, a URL to fetch, or a file (JSON line or saved page)."""
    if source.lstrip().startswith("{"):
        return from_json_line(source, "the argument")
    if source.startswith(("http://", "https://")):
        return fetch(source, settings)
    path = Path(source)
    if not path.is_file():
        raise UsageError(f"no such file: {source}", print_help=False)
    data = path.read_bytes()
    first_line = data.lstrip().split(b"\n", 1)[0]
    if first_line.startswith(b"{"):
        return from_json_line(first_line.decode("utf-8", "replace"), str(path))
    if not url:
        url = path.resolve().as_uri()
    _, html = html_to_unicode(None, data)
    return Page(url=url, html=html)


def from_json_line(line: str, where: str) -> Page:
    page = ProcessSpider(path=where).page_from(1, line)
    if page.problem:
        raise UsageError(f"{where}: {page.problem}", print_help=False)
    return page


def fetch(url: str, settings: Any) -> Page:
    request = urllib.request.Request(url, headers={"User-Agent": settings.get("USER_AGENT") or "conflict-feeds"})
    try:
        with urllib.request.urlopen(request, timeout=settings.getfloat("DOWNLOAD_TIMEOUT", 30)) as response:
            _, html = html_to_unicode(response.headers.get("Content-Type"), response.read())
            return Page(url=response.geturl(), html=html)
    except (urllib.error.URLError, OSError) as exc:
        raise UsageError(f"could not fetch {url}: {exc}", print_help=False) from exc


def explain(settings: Any, page: Page) -> str:
    """The report for one page, as text, from a chain without the stateful stages."""
    settings = settings.copy()
    settings.set("PLUGINS_DISABLED", [*settings.getlist("PLUGINS_DISABLED"), *STATEFUL_PLUGINS], priority="cmdline")
    chain = Chain(settings)
    outlet = chain.find_outlet(page.outlet, page.url)
    out = [f"page:      {page.url}",
           f"outlet:    {outlet.name if outlet else 'none known (generic extraction and cleaners only)'}"]
    chain.open()
    try:
        try:
            draft = chain.hook.extract_article(page=page, outlet=outlet, chain=chain)
            chain.hook.clean_lines(draft=draft, outlet=outlet, chain=chain)
        except Unusable as exc:
            out.append(f"outcome:   quarantined at extraction: {exc}")
            return "\n".join(out)
        record = chain.record_from(draft)
        chain.hook.normalise_article(article=record, chain=chain)
    finally:
        chain.close()
    out += describe_fields(draft)
    out += describe_removed(draft)
    out += describe_lines(draft)
    groups = ", ".join(f"{g['id']} ({len(g['mentions'])})" for g in record["groups"]) or "none"
    out += ["", f"groups:    {groups}"]
    if not record["body"]:
        out.append("outcome:   quarantined: no article body left after removing page furniture")
    return "\n".join(out)


def describe_fields(draft: Draft) -> list[str]:
    # What else an extractor or cleaner recorded (an outlet's layout era, ...), then the fields.
    lines = [f"{key + ':':10} {where}" for key, where in draft.sources.items() if key not in FIELDS]
    lines.append(f"body:      {draft.sources.get('body', draft.body_source)}")
    for name, value in (("title", draft.title), ("published", draft.published),
                        ("authors", ", ".join(draft.authors) or None), ("tags", ", ".join(draft.tags) or None)):
        where = draft.sources.get(name)
        shown = json.dumps(value, ensure_ascii=False) if value else "none"
        lines.append(f"{name + ':':10} {shown}" + (f"  <- {where}" if value and where else ""))
    for image in draft.images:
        lines.append(f"image:     {image['url'] or '-'}  caption {json.dumps(image['caption'], ensure_ascii=False)}"
                     f"  credit {json.dumps(image['credit'], ensure_ascii=False)}")
    return lines


def describe_removed(draft: Draft) -> list[str]:
    if not draft.removed:
        return []
    lines = ["", "removed from the page before its text was read (element cleaners):"]
    textless = 0
    for why, element in draft.removed:
        text = " ".join(element.text_content().split()) if element.tag not in SKIP_TAGS else ""
        if text:
            lines.append(f"  - <{element_name(element)}> {why}: {shorten(text)}")
        else:
            textless += 1
    if textless:
        lines.append(f"  - and {textless} elements without text (scripts, styles, form fields, icons)")
    return lines


def element_name(element: lxml.html.HtmlElement) -> str:
    classes = ".".join((element.get("class") or "").split())
    ident = f"#{element.get('id')}" if element.get("id") else ""
    return f"{element.tag}{ident}{'.' + classes if classes else ''}"


def describe_lines(draft: Draft) -> list[str]:
    lines = ["", "lines of the body (KEEP, or DROP with the cleaner that dropped it and why):"]
    if draft.body_source == "generic":
        lines.append("  (the generic extractor chose these lines; what it left out of the page is not listed)")
    for line in draft.lines:
        if line.dropped is None:
            lines.append(f"  KEEP  {shorten(line.text)}")
        else:
            lines.append(f"  DROP  {shorten(line.text)}")
            lines.append(f"        by {line.dropped_by or 'an unknown cleaner'}: {line.dropped}")
    return lines


def shorten(text: str) -> str:
    return textwrap.shorten(text, SNIPPET, placeholder=" …") if len(text) > SNIPPET else text
