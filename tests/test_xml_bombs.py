"""XML bombs and uploads that skip the size check: refused by intake before any reader parses them.

An entity declaration is how XML is made to explode while parsed ("billion laughs": nested
entities; quadratic blowup: one large entity referenced many times) or to read the server's files
(an external entity, XXE). Word and Excel never write one, so intake refuses any part of a .docx
or .xlsx that declares entities or a document type, naming the part, before a parser sees it; and
it re-checks every limit on bytes however they arrive (the upload page hands bytes straight in).
"""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.kit.intake import Limits
from pipeline.kit.hooks import WHOLE_FILE, ParseContext, SourceFile
from pipeline.registry import LoadedPlugin, Registry
from pipeline.validation.validate import validate_path, validate_source
from test_bad_input import assert_refused_before_parsing, deflated_zeros, raw_zip, rezip

ROOT = Path(__file__).resolve().parents[1]
DOCX = ROOT / "plugins" / "official_form" / "samples" / "example_return_northgate_stage1.docx"
XLSX = ROOT / "plugins" / "official_form" / "samples" / "synthetic_hartmoor_stage1.xlsx"
MAPPED = ROOT / "plugins" / "mapped_workbook" / "samples" / "northmoor-university.xlsx"
STAGE1 = ParseContext(stage=1)
MB = 1024 * 1024


# --- making bombs --------------------------------------------------------------------------------

def laughs(levels: int = 10, width: int = 10) -> tuple[str, str]:
    """The internal subset and the reference of a 'billion laughs': 3 * width**(levels-1) bytes."""
    entities = ['<!ENTITY l0 "lol">'] + [f'<!ENTITY l{i} "{f"&l{i - 1};" * width}">' for i in range(1, levels)]
    return f"[{''.join(entities)}]", f"&l{levels - 1};"


def quadratic(size: int = 30_000, refs: int = 20_000) -> tuple[str, str]:
    """One entity of ``size`` bytes referenced ``refs`` times: 600 MB from about 90 KB of XML (small
    enough that no zip limit fires first)."""
    return f'[<!ENTITY q "{"q" * size}">]', "&q;" * refs


XXE = ('[<!ENTITY x SYSTEM "file:///etc/passwd">]', "&x;")
KINDS = {"billion-laughs": laughs(), "quadratic": quadratic(), "external-entity": XXE}


def with_doctype(xml: bytes, root: str, subset: str) -> bytes:
    end = xml.find(b"?>") + 2 if xml.startswith(b"<?xml") else 0
    return xml[:end] + f"<!DOCTYPE {root} {subset}>".encode() + xml[end:]


def parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def xlsx_bomb(kind: tuple[str, str] = KINDS["billion-laughs"], path: Path = XLSX) -> bytes:
    """The workbook with every sheet declaring the entities and a cell referring to them (how the
    20 KB upload of issue 10 cost ~1.2 GB and ~5 s before intake looked for entities)."""
    subset, ref = kind
    cell = f'<row r="1000"><c r="A1000" t="inlineStr"><is><t>{ref}</t></is></c></row>'.encode()

    def bomb(xml: bytes) -> bytes:
        return with_doctype(xml, "worksheet", subset).replace(b"<sheetData>", b"<sheetData>" + cell, 1)

    return rezip([(n, bomb(c) if n.startswith("xl/worksheets/sheet") else c) for n, c in parts(path.read_bytes())])


def docx_bomb(kind: tuple[str, str] = KINDS["billion-laughs"]) -> bytes:
    subset, ref = kind

    def bomb(xml: bytes) -> bytes:
        return with_doctype(xml, "w:document", subset).replace(b"<w:t>", b"<w:t>" + ref.encode(), 1)

    return rezip([(n, bomb(c) if n == "word/document.xml" else c) for n, c in parts(DOCX.read_bytes())])


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.from_entry_points()


@pytest.fixture
def readers_called(monkeypatch) -> list[str]:
    """Every plugin detect or parse call, by plugin name: intake refusals must leave it empty."""
    calls: list[str] = []
    real_detect, real_parse = LoadedPlugin.detect, LoadedPlugin.parse

    def detect(self, source):
        calls.append(f"{self.name}.detect")
        return real_detect(self, source)

    def parse(self, source, context):
        calls.append(f"{self.name}.parse")
        return real_parse(self, source, context)

    monkeypatch.setattr(LoadedPlugin, "detect", detect)
    monkeypatch.setattr(LoadedPlugin, "parse", parse)
    return calls


def assert_entities_refused(report, part: str) -> None:
    assert_refused_before_parsing(report, "file.xml_entities")
    message = report.issues[0].message
    assert f"'{part}'" in message, message  # names the part that declares them
    assert "never write" in message and "refused" in message


# --- every kind of entity, in Word and in Excel, refused before any reader ---------------------

@pytest.mark.parametrize("kind", KINDS)
def test_an_xlsx_declaring_entities_is_refused_before_any_reader(registry, readers_called, kind):
    report = validate_source(SourceFile("bomb.xlsx", xlsx_bomb(KINDS[kind])), registry, context=STAGE1)
    assert_entities_refused(report, "xl/worksheets/sheet1.xml")
    assert readers_called == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_docx_declaring_entities_is_refused_before_any_reader(registry, readers_called, kind):
    """python-docx leaves entities unresolved, so before this an external entity in the document
    was accepted as a valid return; now it is refused like the rest."""
    report = validate_source(SourceFile("bomb.docx", docx_bomb(KINDS[kind])), registry, context=STAGE1)
    assert_entities_refused(report, "word/document.xml")
    assert readers_called == []


def test_a_mapped_workbook_bomb_is_refused(registry, readers_called):
    report = validate_source(SourceFile("bomb.xlsx", xlsx_bomb(path=MAPPED)), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.xml_entities")
    assert readers_called == []


def test_a_document_type_without_entities_is_refused_too(registry):
    """An external DTD can declare the entities instead; Office never writes a DOCTYPE either."""
    data = rezip([(n, with_doctype(c, "w:document", 'SYSTEM "http://example.org/evil.dtd"')
                   if n == "word/document.xml" else c) for n, c in parts(DOCX.read_bytes())])
    report = validate_source(SourceFile("return.docx", data), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.xml_entities")
    assert "'word/document.xml'" in report.issues[0].message and "DOCTYPE" in report.issues[0].message


def test_entities_in_a_part_named_like_an_image_are_refused(registry):
    """Readers parse a part by what the package says it is, not by its name: every part is looked at."""
    subset, ref = laughs()
    xml = with_doctype(b"<?xml version='1.0'?><worksheet><sheetData/></worksheet>", "worksheet", subset)
    data = rezip([*parts(XLSX.read_bytes()), ("xl/media/image9.png", xml)])
    report = validate_source(SourceFile("bomb.xlsx", data), registry, context=STAGE1)
    assert_entities_refused(report, "xl/media/image9.png")


def test_entities_in_utf16_are_refused(registry):
    subset, ref = laughs()
    xml = with_doctype(b"<?xml version='1.0' encoding='UTF-16'?><worksheet/>", "worksheet", subset)
    data = rezip([*parts(XLSX.read_bytes()), ("xl/worksheets/sheet99.xml", b"\xff\xfe" + xml.decode().encode("utf-16-le"))])
    report = validate_source(SourceFile("bomb.xlsx", data), registry, context=STAGE1)
    assert_entities_refused(report, "xl/worksheets/sheet99.xml")


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_declaration_split_across_read_steps_is_found(registry, compression):
    """Parts are read in steps of 1 MB: a declaration that straddles two steps is still seen."""
    doctype = b'<!DOCTYPE worksheet SYSTEM "evil.dtd">'
    filler = base64.b64encode(os.urandom(MB))[:MB - 4 - len(b"<!--  -->")]  # no '--', hardly compressible
    xml = b"<!-- " + filler + b" -->" + doctype + b"<worksheet/>"
    assert xml.index(doctype) == MB - 4
    data = rezip([*parts(XLSX.read_bytes()), ("xl/worksheets/sheet99.xml", xml)], compression)
    report = validate_source(SourceFile("bomb.xlsx", data), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.xml_entities")
    assert "'xl/worksheets/sheet99.xml'" in report.issues[0].message


def test_a_flat_xml_file_declaring_entities_is_refused(registry):
    subset, ref = laughs()
    data = with_doctype(f"<?xml version='1.0'?><return>{ref}</return>".encode(), "return", subset)
    report = validate_source(SourceFile("return.xml", data), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.xml_entities")


@pytest.mark.parametrize("path", sorted({Path(p) for plugin in Registry.from_entry_points() for p in plugin.info.samples}),
                         ids=lambda p: p.name)
def test_every_plugin_sample_passes_the_entity_check(registry, path):
    report = validate_path(path, registry)
    assert "file.xml_entities" not in {i.rule for i in report.issues}, report.issues


def test_openpyxl_parses_through_defusedxml():
    """Defence in depth: if a part ever reached openpyxl with entities, it would refuse them too."""
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML, "defusedxml is not installed: openpyxl would expand entities with the stdlib parser"


# --- bounded memory for the whole process, parser hardening switched off -----------------------

def run_measured(*args: str, env: dict[str, str]) -> tuple[int, bytes, bytes, float]:
    """Run a command; its exit status, output, error output and peak resident memory in MB."""
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) as proc:
        out, err = proc.stdout.read(), proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, out, err, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


VALIDATE = textwrap.dedent("""
    import json, sys
    from pathlib import Path
    from pipeline.kit.hooks import ParseContext
    from pipeline.registry import Registry
    from pipeline.validation.validate import validate_path
    report = validate_path(Path(sys.argv[1]), Registry.from_entry_points(), context=ParseContext(stage=1))
    print(json.dumps(report.to_json()))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss in KB is Linux's")
@pytest.mark.parametrize("make, name", [(xlsx_bomb, "bomb.xlsx"), (docx_bomb, "bomb.docx"),
                                        (lambda: xlsx_bomb(KINDS["quadratic"]), "quadratic.xlsx")],
                         ids=["xlsx-laughs", "docx-laughs", "xlsx-quadratic"])
def test_a_bomb_costs_the_process_no_more_than_a_real_return(tmp_path, make, name):
    """Validation in a process of its own, with openpyxl's defusedxml switched off so that intake's
    refusal is what is measured: the 20 KB workbook bomb peaked at ~1.25 GB (and took ~5 s) before."""
    env = {**os.environ, "OPENPYXL_DEFUSEDXML": "False"}
    bomb = tmp_path / name
    bomb.write_bytes(make())
    assert bomb.stat().st_size < 300 * 1024
    code, out, err, baseline = run_measured(sys.executable, "-c", VALIDATE, str(XLSX), env=env)
    assert code == 0, err
    code, out, err, peak = run_measured(sys.executable, "-c", VALIDATE, str(bomb), env=env)
    assert code == 0, err
    assert peak < baseline + 300, f"{peak:.0f} MB on the bomb, {baseline:.0f} MB on the real workbook"
    report = json.loads(out)
    assert [(i["rule"], i["location"]) for i in report["issues"]] == [("file.xml_entities", WHOLE_FILE)], report
    assert report["plugin"] is None


# --- every limit, on bytes however they arrive ---------------------------------------------------

def over_the_size_limit() -> bytes:
    """The sample return with 21 MB of incompressible padding: over 20 MB, but no zip limit fires."""
    padding = os.urandom(21 * MB)
    return rezip([*parts(DOCX.read_bytes()), ("word/media/padding.bin", padding)], zipfile.ZIP_STORED)


@pytest.fixture(scope="module")
def oversized() -> bytes:
    return over_the_size_limit()


def upload(content: bytes, tmp_path: Path, name: str = "return.docx"):
    """What the upload page does with a file: ``dashboards.data.check_upload`` with its bytes."""
    from dashboards.data import check_upload
    from pipeline.settings import Paths

    viewer = SimpleNamespace(role="institution", signatory="northgate", user=SimpleNamespace(username="lead"))
    return check_upload(viewer, name, content, 1, Paths.from_env(tmp_path))


def test_bytes_over_the_size_limit_are_refused_by_validate_before_parsing(registry, readers_called, oversized):
    report = validate_source(SourceFile("return.docx", oversized), registry, context=STAGE1)
    assert_refused_before_parsing(report, "file.too_large")
    assert "the limit is 20.0 MB" in report.issues[0].message
    assert readers_called == []


def test_bytes_over_the_size_limit_are_refused_by_the_upload_page_before_parsing(tmp_path, readers_called,
                                                                                 oversized):
    result = upload(oversized, tmp_path)
    assert_refused_before_parsing(result.report, "file.too_large")
    assert "the limit is 20.0 MB" in result.report.issues[0].message
    assert readers_called == [] and result.landed is None
    assert not (tmp_path / "landing").exists()


def test_the_size_limit_from_environment_applies_to_uploaded_bytes(tmp_path, readers_called, monkeypatch):
    monkeypatch.setenv("TECHBENCH_MAX_FILE_MB", "0.01")
    result = upload(DOCX.read_bytes(), tmp_path)
    assert_refused_before_parsing(result.report, "file.too_large")
    assert readers_called == []


def test_the_size_limit_given_to_validate_applies_to_bytes(registry, readers_called):
    report = validate_source(SourceFile("return.docx", DOCX.read_bytes()), registry, context=STAGE1,
                             limits=Limits(max_file_bytes=1000))
    assert_refused_before_parsing(report, "file.too_large")
    assert "1000 bytes" in report.issues[0].message
    assert readers_called == []


ZIP_LIMITS = {
    "unzipped-size": lambda: rezip([*parts(DOCX.read_bytes()), ("word/media/big.bin", os.urandom(2 * MB))]),
    "ratio": lambda: raw_zip([*[(n, c, len(c), zipfile.crc32(c), 0, 0) for n, c in parts(DOCX.read_bytes())],
                              ("word/media/x.bin", deflated_zeros(5 * MB), 5 * MB, 0, 8, 0)]),
    "members": lambda: raw_zip([(f"word/part{i}.xml", b"", 0, 0, 0, 0) for i in range(5000)]),
    "xml-bomb": docx_bomb,
}


@pytest.mark.parametrize("kind", ZIP_LIMITS)
def test_every_zip_limit_applies_to_uploaded_bytes(tmp_path, readers_called, monkeypatch, kind):
    monkeypatch.setenv("TECHBENCH_MAX_UNZIPPED_MB", "1.5")
    result = upload(ZIP_LIMITS[kind](), tmp_path)
    rule = "file.xml_entities" if kind == "xml-bomb" else "file.zip_limits"
    assert_refused_before_parsing(result.report, rule)
    assert readers_called == [] and result.landed is None


def test_the_mapping_read_command_refuses_a_bomb(tmp_path):
    """`techbench mapping read` reads a workbook from disk: through intake too."""
    from typer.testing import CliRunner

    from pipeline.cli import app
    from plugins.mapped_workbook.mapping import SHIPPED_MAPPINGS

    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(xlsx_bomb(path=MAPPED))
    mapping = SHIPPED_MAPPINGS / "northmoor-university.yaml"
    result = CliRunner().invoke(app, ["mapping", "read", str(mapping), str(bomb)])
    assert result.exit_code == 1
    assert "'xl/worksheets/sheet1.xml' declares XML entities" in result.stdout
