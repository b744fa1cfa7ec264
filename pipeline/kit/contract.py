"""The plugin contract: checks every reader plugin must pass (as the Meltano SDK's built-in tap tests).

Each check raises AssertionError saying what is wrong, or ``NotApplicable`` saying why it does not
apply to this plugin. ``pipeline.kit.testing`` runs them as pytest tests, for the built-in plugins
(tests/test_plugin_contract.py), for a plugin `techbench plugin new` generates, and for any
third-party plugin's own test suite.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

from pipeline.kit.builder import leaf_pointers
from pipeline.kit.hooks import WHOLE_FILE, ParseContext, ParseResult, SourceFile, locate
from pipeline.registry import LoadedPlugin, Registry
from pipeline.validation.validate import validate_source

CONTEXT = ParseContext(received=dt.date(2100, 1, 1))


class NotApplicable(Exception):
    """The check does not apply to this plugin; the message says why (pytest reports it as skipped)."""


def samples(plugin: LoadedPlugin) -> list[SourceFile]:
    files = [Path(p) for p in plugin.info.samples]
    assert files, f"{plugin.name}: declares no sample files (PluginInfo.samples)"
    for f in files:
        assert f.is_file(), f"{plugin.name}: sample {f} does not exist"
    return [SourceFile(name=f.name, data=f.read_bytes()) for f in files]


def check_info(plugin: LoadedPlugin) -> None:
    info = plugin.info
    assert info.version, f"{plugin.name}: no version"
    assert info.formats, f"{plugin.name}: declares no formats"
    samples(plugin)


def check_samples_read_cleanly(plugin: LoadedPlugin, registry: Registry) -> None:
    """Each sample is chosen for this plugin by detection and reads without errors, with
    provenance naming the file, the plugin, and a place for every value."""
    for source in samples(plugin):
        report = validate_source(source, registry, context=CONTEXT)
        assert report.plugin == plugin.name, f"{source.name}: read by {report.plugin}, not {plugin.name}"
        assert report.ok, f"{source.name}: {[i.model_dump() for i in report.errors]}"
        p = report.return_.provenance
        assert p.source_sha256 == source.sha256 and p.plugin == plugin.name and p.plugin_version == plugin.info.version
        for pointer in leaf_pointers(report.return_.model_dump(mode="json", exclude={"provenance"})):
            assert locate(p.fields, pointer) != WHOLE_FILE or pointer in ("/schema_version", "/synthetic"), \
                f"{source.name}: no place in the source for {pointer}"


def garbage(plugin: LoadedPlugin, seed: int = 0) -> Iterator[SourceFile]:
    """Bad inputs shaped like the plugin's own files: empty, random, cut short, bit-flipped,
    zips of junk, under each of the plugin's extensions."""
    rng = random.Random(seed)
    own = samples(plugin)
    exts = plugin.info.formats + ["bin"]
    junk_zip = io.BytesIO()
    with zipfile.ZipFile(junk_zip, "w") as zf:
        zf.writestr("word/document.xml", b"<not-xml")
        zf.writestr("xl/workbook.xml", b"\x00\x01")
        zf.writestr("actions.csv", b"\xff\xfe,,,\n\"unclosed")
    blobs = [b"", b"\x00" * 64, rng.randbytes(4096), junk_zip.getvalue(), b"{" * 5000, b"PK\x03\x04" + rng.randbytes(200)]
    for s in own:
        data = s.data
        blobs += [data[: len(data) // k] for k in (2, 3, 10)]
        for _ in range(5):
            flipped = bytearray(data)
            for _ in range(20):
                flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
            blobs.append(bytes(flipped))
    for i, blob in enumerate(blobs):
        yield SourceFile(name=f"garbage{i}.{exts[i % len(exts)]}", data=blob)


def check_never_raises(plugin: LoadedPlugin) -> None:
    """The raw hooks, unguarded by the registry, never raise; every issue has a place."""
    for source in garbage(plugin):
        try:
            score = plugin._detect(source=source)
            result = plugin._parse(source=source, context=CONTEXT)
        except Exception as exc:  # noqa: BLE001 - the point of the check
            raise AssertionError(f"{plugin.name} raised {type(exc).__name__} on {source.name}: {exc}") from exc
        assert 0.0 <= float(score) <= 1.0, f"{plugin.name}: detect gave {score} for {source.name}"
        assert isinstance(result, ParseResult), f"{plugin.name}: parse returned {type(result).__name__}"
        for issue in result.issues:
            assert issue.location.strip(), f"{plugin.name}: issue without a location: {issue}"
            assert issue.rule and issue.message
        if result.return_ is None:
            assert any(i.severity == "error" for i in result.issues), \
                f"{plugin.name}: no return for {source.name} but no error saying why"


def check_claims_only_its_own(plugin: LoadedPlugin, registry: Registry) -> None:
    """For every other plugin's sample, this plugin is less sure than that plugin."""
    for other in registry.readers():
        if other.name == plugin.name:
            continue
        for source in samples(other):
            mine, theirs = plugin.detect(source), other.detect(source)
            assert mine < theirs, f"{plugin.name} claims {other.name}'s {source.name} ({mine} >= {theirs})"


def check_round_trip(plugin: LoadedPlugin, registry: Registry, directory: Path) -> None:
    """A plugin that writes its format reads back exactly what it wrote."""
    if not plugin.writes_returns:
        raise NotApplicable(f"{plugin.name} does not write its format (no techbench_write hook), "
                            "so there is no round trip to check")
    for source in samples(plugin):
        original = validate_source(source, registry, context=CONTEXT).return_
        for fmt in plugin.info.formats:
            path = plugin.write(original, directory, f"roundtrip-{plugin.name}", fmt,
                                (plugin.info.signatories or [None])[0])
            again = validate_source(SourceFile(path.name, path.read_bytes()), registry, plugin=plugin.name,
                                    context=CONTEXT).return_
            assert again is not None, f"{plugin.name}: could not read back its own {fmt}"
            assert again.model_dump(exclude={"provenance"}) == original.model_dump(exclude={"provenance"}), \
                f"{plugin.name}: {fmt} round trip changed the return"


def run_all(plugin: LoadedPlugin, registry: Registry, directory: Path) -> list[str]:
    """Every check; returns the reasons of those that do not apply."""
    check_info(plugin)
    check_samples_read_cleanly(plugin, registry)
    check_never_raises(plugin)
    check_claims_only_its_own(plugin, registry)
    try:
        check_round_trip(plugin, registry, directory)
    except NotApplicable as why:
        return [str(why)]
    return []
