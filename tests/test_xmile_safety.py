"""Hostile and broken files: each gets a clear XmileError in bounded time and memory.

Memory is measured with :mod:`tracemalloc` (Python allocations, which is where an
entity expansion or a slurped file would show); time is bounded by the
suite's pytest-timeout, never asserted.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from sysdyn import SysdynError
from sysdyn.xmile import FileTooLargeError, MalformedXmlError, UnsafeXmlError, XmileError, read_xmile
from sysdyn.xmile.safety import MAX_BYTES, load_document

GOOD = """<?xml version="1.0" encoding="utf-8"?>
<xmile version="1.0" xmlns="http://docs.oasis-open.org/xmile/ns/XMILE/v1.0">
  <header><name>ok</name><vendor>v</vendor><product version="1">p</product></header>
  <sim_specs method="Euler"><start>0</start><stop>2</stop><dt>1</dt></sim_specs>
  <model><variables>
    <stock name="S"><eqn>1</eqn><inflow>f</inflow></stock>
    <flow name="f"><eqn>S</eqn></flow>
  </variables></model>
</xmile>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xmile><sim_specs><start>0</start><stop>1</stop></sim_specs>
<model><variables><aux name="a"><eqn>&lol9;</eqn></aux></variables></model></xmile>
"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE xmile [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<xmile><sim_specs><start>0</start><stop>1</stop></sim_specs>
<model><variables><aux name="a"><doc>&secret;</doc><eqn>1</eqn></aux></variables></model></xmile>
"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE xmile SYSTEM "http://example.com/evil.dtd">
<xmile><sim_specs><start>0</start><stop>1</stop></sim_specs><model/></xmile>
"""


def _peak_mib(action) -> tuple[BaseException | None, float]:
    tracemalloc.start()
    error = None
    try:
        action()
    except BaseException as err:
        error = err
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return error, peak / 2**20


def test_the_good_file_reads(tmp_path):
    path = tmp_path / "good.xmile"
    path.write_text(GOOD)
    assert read_xmile(path).run()["S"].tolist() == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("as_file", [False, True])
def test_billion_laughs_is_refused_at_its_declaration(tmp_path, as_file):
    source = BILLION_LAUGHS
    if as_file:
        source = tmp_path / "lol.xmile"
        source.write_text(BILLION_LAUGHS)
    error, peak = _peak_mib(lambda: read_xmile(source))
    assert isinstance(error, UnsafeXmlError)
    assert "DTD" in str(error)
    assert peak < 5, f"{peak:.1f} MiB allocated while refusing the entity bomb"


def test_external_entities_and_dtds_are_refused(tmp_path):
    for text in (EXTERNAL_ENTITY, EXTERNAL_DTD):
        with pytest.raises(UnsafeXmlError, match="refused") as info:
            read_xmile(text)
        assert "root:" not in str(info.value)  # nothing of /etc/passwd leaks into the message


def test_a_200_mb_file_is_refused_from_its_size_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.xmile"
    with path.open("wb") as handle:  # sparse: 200 MB on paper, no disk used
        handle.write(b"<xmile>")
        handle.truncate(200 * 2**20)
    opened = []
    monkeypatch.setattr(
        Path, "open", lambda self, *a, **k: opened.append(self) or (_ for _ in ()).throw(OSError)
    )
    error, peak = _peak_mib(lambda: read_xmile(path))
    assert isinstance(error, FileTooLargeError)
    assert "209,715,200 bytes" in str(error) and f"{MAX_BYTES:,}" in str(error)
    assert opened == []  # refused from os.stat alone
    assert peak < 1


def test_a_large_text_is_refused_and_a_raised_cap_reads_it():
    big = GOOD.replace("<model>", "<model><doc>" + "x" * 2_000_000 + "</doc>", 1)
    with pytest.raises(FileTooLargeError, match="limit"):
        read_xmile(big, max_bytes=1_000_000)
    assert read_xmile(big, max_bytes=4_000_000).run()["S"][-1] == 4.0


@pytest.mark.parametrize("cut", [10, 100, 250, 400, len(GOOD) - 12])
def test_a_truncated_file_is_malformed_with_its_line_and_column(tmp_path, cut):
    path = tmp_path / "cut.xmile"
    path.write_text(GOOD[:cut])
    with pytest.raises(MalformedXmlError, match=r"not well-formed XML: .*\(line \d+, column \d+\)") as info:
        read_xmile(path)
    assert info.value.line >= 1 and info.value.column >= 1
    assert "cut.xmile" in str(info.value)


def test_mismatched_tags_are_never_recovered():
    broken = GOOD.replace("</flow>", "</aux>")
    with pytest.raises(MalformedXmlError, match="mismatched tag"):
        read_xmile(broken)


def test_too_many_elements_and_too_deep_nesting():
    many = "<xmile>" + "<a/>" * 2000 + "</xmile>"
    with pytest.raises(FileTooLargeError, match="more than 1,000 XML elements"):
        load_document(many, max_elements=1000)
    deep = "<a>" * 300 + "</a>" * 300
    with pytest.raises(FileTooLargeError, match="nests XML elements more than 200 deep"):
        load_document(deep)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("<html><body/></html>", "not an XMILE file"),
        ("<xmile><model/></xmile>", "no <sim_specs>"),
        ("<xmile><sim_specs><start>0</start></sim_specs><model/></xmile>", "no <stop>"),
        ("<xmile><sim_specs><stop>ten</stop></sim_specs><model/></xmile>", "must be a number"),
    ],
)
def test_other_bad_documents_name_what_is_wrong(text, match, tmp_path):
    source = tmp_path / "bad.xmile"
    source.write_text(text)
    with pytest.raises(XmileError, match=match):
        read_xmile(source)


def test_missing_files_and_folders(tmp_path):
    with pytest.raises(XmileError, match="no such file"):
        read_xmile(tmp_path / "nope.stmx")
    with pytest.raises(XmileError, match="is not a file"):
        read_xmile(tmp_path)


def test_every_xmile_error_is_a_sysdyn_error():
    for cls in (XmileError, UnsafeXmlError, FileTooLargeError, MalformedXmlError):
        assert issubclass(cls, SysdynError)
