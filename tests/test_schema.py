"""The canonical XML contract: what the schema accepts and what it refuses."""
from __future__ import annotations

import copy

import pytest
from lxml import etree

from pipeline import canonical
from pipeline.errors import InvalidDocument
from tests.conftest import CORPUS, needs_corpus
from tests.support.gold_xml import gold_document


@needs_corpus
@pytest.mark.parametrize("gold", sorted(CORPUS.glob("*.gold.json")), ids=lambda p: p.name[:3])
def test_every_gold_document_validates(gold):
    doc = gold_document(gold)
    assert canonical.validation_errors(doc) == []
    again = canonical.parse(canonical.serialize(doc))
    assert canonical.body_text(again) == canonical.body_text(doc)


@pytest.fixture
def doc():
    return gold_document(sorted(CORPUS.glob("a02*.gold.json"))[0]) if CORPUS.is_dir() else pytest.skip()


def _mutated(doc, xpath, change):
    d = copy.deepcopy(doc)
    el = d.xpath(xpath, namespaces={"c": canonical.NS})[0]
    change(el)
    return d


@pytest.mark.parametrize("xpath,change,why", [
    ("//c:meta/c:title", lambda e: e.getparent().remove(e), "title is required"),
    ("//c:meta/c:published-date", lambda e: setattr(e, "text", "2024年1月5日"), "dates are ISO"),
    ("//c:section", lambda e: e.set("level", "5"), "levels are 1-4"),
    ("//c:provenance/c:input", lambda e: e.set("sha256", "xyz"), "sha256 is 64 hex"),
    ("/c:document", lambda e: e.set("version", "2.0"), "version is fixed"),
    ("//c:meta/c:index-number", lambda e: setattr(e, "text", "  "), "no empty fields"),
    ("//c:body", lambda e: e.append(etree.Element("{urn:other}p")), "foreign elements refused"),
    ("//c:signature/c:date", lambda e: e.set("when", "2024-13-40"), "signature date is a real date"),
])
def test_schema_refuses(doc, xpath, change, why):
    bad = _mutated(doc, xpath, change)
    assert canonical.validation_errors(bad), why
    with pytest.raises(InvalidDocument, match="does not validate"):
        canonical.validate(bad)


def test_parse_refuses_entities():
    evil = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<d>&x;</d>')
    root = canonical.parse(evil)
    assert "root:" not in "".join(root.itertext())


def test_xml_safe_strips_control_characters():
    assert canonical.xml_safe("a\x00b\x0bc\ufffed") == "abcd"
    el = canonical.E("p", "x\x01y")
    assert el.text == "xy"


def test_the_documented_examples_validate():
    """docs/canonical-xml.md shows documents; each must stay a valid one."""
    import re
    from tests.conftest import ROOT

    text = (ROOT / "docs" / "canonical-xml.md").read_text(encoding="utf-8")
    examples = re.findall(r"```xml\n(.*?)```", text, re.S)
    assert len(examples) >= 2
    for example in examples:
        example = example.replace("…64 hex…", "a" * 64)
        assert canonical.validation_errors(canonical.parse(example.encode())) == []
