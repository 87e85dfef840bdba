"""``coopos --self-test``: check that this installation can sell and print, without
touching the user's database.

Users and support staff run it when something is wrong; the bundle test runs it on the
frozen app.  Each check prints one line, ``ok`` or ``FAILED: reason``; the exit code is
1 if any failed.  Everything is written in a scratch folder that is deleted at the end.

Core code: no ``ui`` and no QtWidgets.  Qt is reached through ``coopos.printing`` (which
creates the ``QGuiApplication``) and QtCore for the plugin and translation folders.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from coopos import __version__
from coopos.i18n import _, ngettext

LANGUAGES = ("fr", "ar", "zgh")
QT_LANGUAGES = ("fr", "ar")  # Qt ships no Tamazight: its own buttons stay in English there


class CheckFailed(Exception):
    """A check's reason for failing, in one sentence."""


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        # "ok" and "FAILED" stay in English in every language: support searches for them
        if self.ok:
            return f"{self.name}: ok" + (f" ({self.detail})" if self.detail else "")
        return f"{self.name}: FAILED: {self.detail}"


@dataclass
class _State:
    """What the checks share: the scratch folder, the scratch database, the sale."""

    folder: Path
    ctx: Any = None
    receipt_no: str | None = None
    qt_ok: bool = False


# -- the checks --------------------------------------------------------------------------


def check_program_files(state: _State) -> str:
    from coopos.resources import is_frozen, resources_root

    root = resources_root()
    missing = [name for name in ("fonts", "locale", "demo", "icons") if not (root / name).is_dir()]
    if missing:
        raise CheckFailed(_("missing in {path}: {names}", path=root, names=", ".join(missing)))
    kind = _("installed bundle") if is_frozen() else _("source checkout")
    return f"{kind}, {root}"


def check_migrations(state: _State) -> str:
    from coopos.db.migrate import MIGRATIONS, head_revision, known_revisions

    versions = MIGRATIONS / "versions"
    if not (MIGRATIONS / "env.py").is_file() or not versions.is_dir():
        raise CheckFailed(_("the migrations are missing in {path}", path=MIGRATIONS))
    scripts = [p for p in versions.glob("*.py") if not p.name.startswith("_")]
    head = head_revision()
    if not head or len(known_revisions()) != len(scripts):
        raise CheckFailed(_("the migrations in {path} are incomplete", path=versions))
    detail = ngettext(
        "{n} step, newest {revision}", "{n} steps, newest {revision}", len(scripts), revision=head
    )
    # the central server's own schema, when this installation carries the server
    import importlib.util

    server = importlib.util.find_spec("coopos.server")
    if server is not None and server.origin:
        folder = Path(server.origin).parent / "migrations"
        steps = [p for p in (folder / "versions").glob("*.py") if not p.name.startswith("_")]
        if not (folder / "env.py").is_file() or not steps:
            raise CheckFailed(_("the server's migrations are missing in {path}", path=folder))
        detail += "; " + ngettext("server: {n} step", "server: {n} steps", len(steps))
    return detail


def check_database(state: _State) -> str:
    from sqlalchemy import func, select

    from coopos.db.migrate import current_revision, head_revision
    from coopos.db.models import Product
    from coopos.services import setup
    from coopos.services.context import Context

    path = state.folder / "self-test.db"
    ctx = Context.open(path)  # creates and migrates it
    state.ctx = ctx
    setup.init_database(ctx, demo=True)  # also reads the bundled demo data
    revision = current_revision(ctx.engine)
    if revision != head_revision():
        raise CheckFailed(_("the schema is at {revision}, not the newest", revision=revision))
    with ctx.engine.connect() as conn:
        integrity = conn.exec_driver_sql("PRAGMA integrity_check").scalar()
    if integrity != "ok":
        raise CheckFailed(_("the scratch database is damaged: {reason}", reason=integrity))
    with ctx.read() as s:
        products = s.execute(select(func.count(Product.id))).scalar()
    if not products:
        raise CheckFailed(_("the demo products were not loaded"))
    return _("scratch file, schema {revision}, {n} demo products", revision=revision, n=products)


def check_sale(state: _State) -> str:
    from sqlalchemy import select

    from coopos.db.models import Product, ProductBarcode
    from coopos.i18n.formats import format_money
    from coopos.services import audit, inventory, lookups, shifts
    from coopos.services.checkout import Checkout

    ctx = _need_database(state)
    with ctx.read() as s:
        admin = lookups.user_by_name(s, "Admin")
        barcode, product_id = s.execute(
            select(ProductBarcode.barcode, Product.id)
            .join(Product, Product.id == ProductBarcode.product_id)
            .where(Product.active.is_(True), Product.sold_by_weight.is_(False))
            .order_by(Product.id)
            .limit(1)
        ).one()
    shift = shifts.open_shift(ctx, admin.id, 10000)
    with ctx.read() as s:
        location_id = lookups.location(s).id
        before = inventory.on_hand(s, product_id, location_id)
    checkout = Checkout(ctx, admin)
    checkout.scan(barcode)
    checkout.start_payment()
    checkout.pay_exact()
    result = checkout.complete()
    with ctx.read() as s:
        after = inventory.on_hand(s, product_id, location_id)
    if after != before - 1:
        raise CheckFailed(_("the stock did not move with the sale"))
    if not audit.verify(ctx).ok:
        raise CheckFailed(_("the audit log does not verify"))
    if shifts.x_report(ctx).shift_id != shift.id:
        raise CheckFailed(_("the shift report does not read the sale"))
    state.receipt_no = result.receipt_no
    return f"{result.receipt_no}, {format_money(result.total)}"


def check_qt_platform(state: _State) -> str:
    """Before any QGuiApplication exists: a missing platform plugin makes Qt abort the
    whole process, so look for the plugin file first."""
    from PySide6.QtCore import QCoreApplication, QLibraryInfo

    wanted = _qt_platform()
    folders = [Path(p) / "platforms" for p in QCoreApplication.libraryPaths()]
    folders.append(Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms")
    found = sorted({name for folder in folders if folder.is_dir() for name in _plugins(folder)})
    required = {wanted, "offscreen", _native_platform()} - {""}
    missing = sorted(name for name in required if name not in found)
    if missing:
        raise CheckFailed(
            _(
                "Qt platform plugins missing: {names} (found: {found})",
                names=", ".join(missing),
                found=", ".join(found) or "-",
            )
        )
    from coopos.printing.render import ensure_gui

    app = ensure_gui()
    state.qt_ok = True
    return _(
        "{platform} in use; available: {names}",
        platform=app.platformName(),
        names=", ".join(found),
    )


def check_fonts(state: _State) -> str:
    from coopos.resources import FONT_FAMILIES, font_paths

    missing = [p.name for p in font_paths() if not p.is_file()]
    if missing:
        raise CheckFailed(_("font files missing: {names}", names=", ".join(missing)))
    _need_qt(state)
    from coopos.printing.render import ensure_gui

    ensure_gui()  # loads the bundled fonts; a StateError names the families Qt lacks
    return ", ".join(FONT_FAMILIES)


def check_translations(state: _State) -> str:
    from coopos.i18n import current_language, set_language
    from coopos.i18n.catalogs import load_po
    from coopos.i18n.formats import format_money

    before = current_language()
    parts = []
    try:
        for language in LANGUAGES:
            catalog = load_po(language)
            if catalog is None:
                raise CheckFailed(_("no {language} catalog", language=language))
            entries = [m for m in catalog if m.id and isinstance(m.id, str) and m.string]
            if not entries:
                raise CheckFailed(_("the {language} catalog is empty", language=language))
            set_language(language)
            sample = entries[0]
            if _(sample.id) != sample.string:
                raise CheckFailed(_("the {language} catalog does not load", language=language))
            money = format_money(123450, language)  # Babel's locale data for the language
            parts.append(f"{language} {len(entries)} ({money})")
    finally:
        set_language(before)
    return ", ".join(parts)


def check_qt_translations(state: _State) -> str:
    from PySide6.QtCore import QLibraryInfo, QTranslator

    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    missing = []
    for language in QT_LANGUAGES:
        translator = QTranslator()
        if not translator.load(f"qtbase_{language}", folder):
            missing.append(f"qtbase_{language}")
    if missing:
        raise CheckFailed(
            _("Qt's translations missing in {path}: {names}", path=folder, names=", ".join(missing))
        )
    return ", ".join(f"qtbase_{language}" for language in QT_LANGUAGES)


def check_receipt(state: _State) -> str:
    from coopos.printing import escpos
    from coopos.printing.receipts import load_receipt, print_receipt, receipt_job

    ctx = _need_database(state)
    if not state.receipt_no:
        raise CheckFailed(_("needs the sale check to pass"))
    _need_qt(state)
    sizes = []
    for language in LANGUAGES:
        job = receipt_job(load_receipt(ctx, state.receipt_no, language))
        if not job.startswith(escpos.INIT) or escpos.RASTER not in job:
            raise CheckFailed(_("the {language} receipt is not ESC/POS", language=language))
        sizes.append(f"{language} {len(job) // 1024} KB")
    # the whole printing path, to a file printer
    target = state.folder / "receipt.bin"
    sent = print_receipt(ctx, state.receipt_no, f"file:{target}").bytes_sent
    if not target.is_file() or target.stat().st_size != sent:
        raise CheckFailed(_("the receipt file was not written whole"))
    return _("{receipt} as ESC/POS: {sizes}", receipt=state.receipt_no, sizes=", ".join(sizes))


def check_printer_profiles(state: _State) -> str:
    """python-escpos's printer database (used for USB and serial printers)."""
    import importlib.util

    spec = importlib.util.find_spec("escpos")
    if spec is None or not spec.submodule_search_locations:
        raise CheckFailed(_("python-escpos is not installed"))
    path = Path(next(iter(spec.submodule_search_locations))) / "capabilities.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CheckFailed(_("cannot read {path}: {reason}", path=path, reason=exc)) from None
    profiles = data.get("profiles") or {}
    if "default" not in profiles:
        raise CheckFailed(_("{path} has no default printer profile", path=path))
    return _("{n} printer profiles", n=len(profiles))


def check_user_folders(state: _State) -> str:
    from coopos.config import data_dir, log_dir

    for folder in (data_dir(), log_dir()):
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".selftest-"):
                pass
        except OSError as exc:
            raise CheckFailed(
                _("cannot write in {path} ({reason})", path=folder, reason=exc.strerror)
            ) from None
    return _("data {data}, logs {logs}", data=data_dir(), logs=log_dir())


# (name, check) in the order they run: the Qt platform before anything that draws.
CHECKS: list[tuple[Callable[[], str], Callable[[_State], str]]] = [
    (lambda: _("Program files"), check_program_files),
    (lambda: _("Database migrations"), check_migrations),
    (lambda: _("Scratch database"), check_database),
    (lambda: _("Sale"), check_sale),
    (lambda: _("Qt platform"), check_qt_platform),
    (lambda: _("Fonts"), check_fonts),
    (lambda: _("Translations"), check_translations),
    (lambda: _("Qt translations"), check_qt_translations),
    (lambda: _("Receipt"), check_receipt),
    (lambda: _("Printer profiles"), check_printer_profiles),
    (lambda: _("User folders"), check_user_folders),
]


# -- running -----------------------------------------------------------------------------


def run_checks(report: Callable[[CheckResult], None] | None = None) -> list[CheckResult]:
    """Run every check in a scratch folder; ``report`` gets each result as it comes."""
    import logging

    log = logging.getLogger(__name__)
    results = []
    with tempfile.TemporaryDirectory(prefix="coopos-selftest-") as folder:
        state = _State(Path(folder))
        try:
            for name, check in CHECKS:
                try:
                    result = CheckResult(name(), True, check(state))
                except CheckFailed as exc:
                    result = CheckResult(name(), False, str(exc))
                except Exception as exc:  # a check must never stop the others
                    log.exception("self-test check %s crashed", check.__name__)
                    message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
                    result = CheckResult(name(), False, message)
                results.append(result)
                if report:
                    report(result)
        finally:
            if state.ctx is not None:
                state.ctx.close()  # Windows cannot delete an open database file
    return results


def header() -> str:
    from coopos.resources import is_frozen

    kind = _("installed bundle") if is_frozen() else _("source checkout")
    return _(
        "coopos {version} self-test ({kind}; Python {python}; {system} {machine})",
        version=__version__,
        kind=kind,
        python=platform.python_version(),
        system=platform.system(),
        machine=platform.machine(),
    )


def main(out: TextIO | None = None) -> int:
    out = out or sys.stdout
    reader_gone = False

    def say(text: str) -> None:
        nonlocal reader_gone
        if reader_gone:
            return
        try:
            print(text, file=out, flush=True)  # flushed: the lines so far survive an abort
        except BrokenPipeError:  # `coopos --self-test | head`: the checks still decide
            reader_gone = True

    say(header())
    results = run_checks(lambda r: say(r.line()))
    failed = [r for r in results if not r.ok]
    if failed:
        from coopos.config import log_dir

        say(
            _(
                "{failed} of {total} checks FAILED. Send this text and the files in {path} "
                "to whoever supports your till.",
                failed=len(failed),
                total=len(results),
                path=log_dir(),
            )
        )
        return 1
    say(_("All {total} checks passed.", total=len(results)))
    return 0


# -- helpers -----------------------------------------------------------------------------


def _need_database(state: _State):
    if state.ctx is None:
        raise CheckFailed(_("needs the scratch database check to pass"))
    return state.ctx


def _need_qt(state: _State) -> None:
    if not state.qt_ok:
        raise CheckFailed(_("needs the Qt platform check to pass"))


def _native_platform() -> str:
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "cocoa"
    return "xcb"


def _qt_platform() -> str:
    """The platform plugin Qt will load (see coopos.printing.render.ensure_gui)."""
    value = os.environ.get("QT_QPA_PLATFORM", "")
    if not value and sys.platform.startswith("linux"):
        value = "offscreen"
    return value.split(";")[0].split(":")[0].strip() or _native_platform()


def _plugins(folder: Path) -> set[str]:
    """Platform names of the plugin files in ``folder`` (libqxcb.so -> xcb,
    qwindows.dll -> windows, libqwayland-egl.so -> wayland-egl and wayland)."""
    names = set()
    for path in folder.iterdir():
        if path.suffix not in (".so", ".dll", ".dylib"):
            continue
        stem = path.name.split(".")[0].removeprefix("lib").removeprefix("q")
        names.add(stem)
        names.add(stem.split("-")[0])
    return names
