"""Files as LibreOffice saves them, for the OpenDocument and PDF tests.

``converted(paths, "odt")`` gives each file saved by LibreOffice in another format (.odt, .ods, PDF,
or re-saved as .docx/.xlsx), converting all that are not cached yet in one headless ``soffice``
call with a private profile (parallel runs do not share one) and a timeout. Results are cached for
the test session by the input's SHA-256 and the target, so each file is converted once however many
tests ask. ``make test`` installs LibreOffice (Debian's ``libreoffice-*-nogui``) when it is missing.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

#: Targets by name: the extension written and LibreOffice's --convert-to argument.
TARGETS = {
    "odt": ("odt", "odt"),
    "ods": ("ods", "ods"),
    "pdf": ("pdf", "pdf:writer_pdf_Export"),
    "docx": ("docx", 'docx:MS Word 2007 XML'),
    "xlsx": ("xlsx", 'xlsx:Calc MS Excel 2007 XML'),
}
TIMEOUT = 240  # seconds for one soffice call (a cold start takes a few)

_CACHE: dict[tuple[str, str], Path] = {}
_WORK: Path | None = None


def soffice() -> str:
    for candidate in ("soffice", "/usr/lib/libreoffice/program/soffice", "libreoffice"):
        found = shutil.which(candidate)
        if found:
            return found
    raise RuntimeError("LibreOffice (soffice) is not installed: `make test` installs it "
                       "(Debian's libreoffice-writer-nogui and libreoffice-calc-nogui).")


def _work() -> Path:
    global _WORK
    if _WORK is None:
        _WORK = Path(tempfile.mkdtemp(prefix="techbench-office-"))
        atexit.register(shutil.rmtree, _WORK, True)
    return _WORK


def _digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def converted(paths: Iterable[Path], target: str) -> dict[Path, Path]:
    """Each of ``paths`` as LibreOffice saves it as ``target`` (see TARGETS): {input: output}."""
    ext, convert_to = TARGETS[target]
    paths = [Path(p) for p in paths]
    keys = {p: (_digest(p), target) for p in paths}
    todo = {keys[p]: p for p in paths if keys[p] not in _CACHE}
    if todo:
        _convert(todo, ext, convert_to)
    return {p: _CACHE[keys[p]] for p in paths}


def one(path: Path, target: str) -> Path:
    return converted([path], target)[Path(path)]


def _convert(todo: dict[tuple[str, str], Path], ext: str, convert_to: str) -> None:
    work = _work()
    call = Path(tempfile.mkdtemp(dir=work))
    inputs, outdir, profile = call / "in", call / "out", call / "profile"
    inputs.mkdir()
    staged = []
    for (digest, _), path in todo.items():
        # named by content, so two inputs with the same name (or the output's) never collide
        copy = inputs / f"{digest[:24]}{path.suffix}"
        shutil.copyfile(path, copy)
        staged.append(copy)
    command = [soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nologo", "--nodefault", "--convert-to", convert_to, "--outdir", str(outdir),
               *map(str, staged)]
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"LibreOffice did not finish converting to {ext} in {TIMEOUT} s") from exc
    for (digest, target), path in todo.items():
        out = outdir / f"{digest[:24]}.{ext}"
        if not out.is_file():
            raise RuntimeError(f"LibreOffice did not convert {path.name} to {ext} (exit {run.returncode}):\n"
                               f"{run.stdout}\n{run.stderr}")
        _CACHE[(digest, target)] = out


def key_fields(report) -> dict:
    """What a converted return must read the same as its original."""
    ret = report.return_
    return {
        "organisation": ret.signatory_name,
        "headcount": ret.technicians.headcount,
        "areas": [(a.name, a.headcount) for a in ret.technicians.areas],
        "actions": len(ret.action_plan),
        "themes": sorted({str(a.theme) for a in ret.action_plan}),
        "owners": [a.owner for a in ret.action_plan],
        "lead": ret.lead.email if ret.lead else None,
        "registrations": [(str(r.name), r.label, r.count) for r in ret.registrations],
        "metrics": [(m.name, m.count) for m in ret.other_metrics],
    }


def reads_like_the_word_form(original: Path, converted: Path):
    """Validate both as stage 1 returns: the converted file is read by the official form plugin,
    valid, with the original's key fields. Returns its report."""
    from pipeline.kit.hooks import ParseContext
    from pipeline.registry import Registry
    from pipeline.validation.validate import validate_path

    registry = Registry.from_entry_points()
    want = validate_path(original, registry, context=ParseContext(stage=1))
    got = validate_path(converted, registry, context=ParseContext(stage=1))
    assert got.plugin == "official_form" and got.ok, got.issues
    assert key_fields(got) == key_fields(want)
    return got
