"""Checking a record against the expectations written beside an outlet (cases) or a mirror (site.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from plugins.model import Page

OUTLETS = Path(__file__).resolve().parents[1] / "plugins" / "outlets"


def page_of(outlet: str, given: dict[str, Any]) -> Page:
    """A case's input as a page; a saved page too large to sit in the JSON is named by ``html_file``
    (a path under plugins/outlets/)."""
    fields = {k: v for k, v in given.items() if k not in ("outlet", "html_file")}
    if "html_file" in given:
        fields["html"] = (OUTLETS / given["html_file"]).read_text(encoding="utf-8")
    return Page(outlet=given.get("outlet", outlet), **fields)


def check_record(record: dict[str, Any], expect: dict[str, Any]) -> None:
    """Assert every expectation; each key is optional.

    title, published, tags, authors: equal. body_contains: each string is in the body.
    body_excludes: no string is in the body. images: each listed image (a subset of url, caption, credit)
    is among the record's images; image_count: how many images the record has. groups: each id is among the record's group ids; groups_absent: none is.
    published_not_prefix: published does not start with it (a live clock must not become the date).
    """
    for key in ("title", "published", "tags", "authors"):
        if key in expect:
            assert record[key] == expect[key], f"{key}: {record[key]!r} != {expect[key]!r}"
    body = record["body"]
    for text in expect.get("body_contains", []):
        assert text in body, f"body lost {text!r}"
    for text in expect.get("body_excludes", []):
        assert text not in body, f"furniture {text!r} left in body"
    for wanted in expect.get("images", []):
        assert any(all(image.get(k) == v for k, v in wanted.items()) for image in record["images"]), (
            f"image {wanted!r} not among {record['images']!r}"
        )
    if "image_count" in expect:
        assert len(record["images"]) == expect["image_count"], f"images: {record['images']!r}"
    if "published_not_prefix" in expect:
        assert not (record["published"] or "").startswith(expect["published_not_prefix"])
    ids = {group["id"] for group in record["groups"]}
    assert set(expect.get("groups", [])) <= ids, f"groups {ids} lack {set(expect['groups']) - ids}"
    assert not ids & set(expect.get("groups_absent", [])), f"forbidden groups {ids & set(expect['groups_absent'])}"
