"""Imports point inward: ui -> services -> domain; db depends on domain only.  The core
never imports ui or QtWidgets; the server never loads the till's services or database;
domain and protocol are plain Python; no two modules import each other at module level.
Checked on the source, so it fails the moment it breaks; each rule is also run over a
planted tree to show that it can fail.  The rules are those of docs/architecture.md."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.unit import import_graph

ROOT = Path(__file__).resolve().parents[2] / "coopos"


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def files(subpackage: str = "") -> list[Path]:
    return sorted((ROOT / subpackage).rglob("*.py"))


def offenders(subpackage: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in files(subpackage):
        for name in imports_of(path):
            if name.startswith(forbidden) or any(
                f".{f}" in f".{name}" for f in forbidden if f.endswith("QtWidgets")
            ):
                found.append(f"{path.relative_to(ROOT.parent)}: {name}")
    return found


def test_core_never_imports_ui_or_widgets():
    assert offenders("", ("ui", "PySide6.QtWidgets", "QtWidgets")) == []


def test_domain_is_plain_python():
    assert (
        offenders(
            "domain",
            ("sqlalchemy", "alembic", "coopos.db", "coopos.services", "coopos.cli", "PySide6"),
        )
        == []
    )


def test_protocol_is_plain_python_shared_by_till_and_server():
    """coopos.protocol holds the rules both sides apply: no database, web framework, Qt,
    nor either side's code."""
    forbidden = (
        "sqlalchemy",
        "alembic",
        "fastapi",
        "pydantic",
        "PySide6",
        "coopos.db",
        "coopos.services",
        "coopos.server",
        "coopos.cli",
        "coopos.sync",
    )
    assert offenders("protocol", forbidden) == []


def test_db_depends_on_domain_only():
    assert offenders("db", ("coopos.services", "coopos.cli")) == []


def test_services_do_not_reach_out_to_the_cli():
    assert offenders("services", ("coopos.cli",)) == []


def test_the_checker_can_fail(tmp_path, monkeypatch):
    bad = tmp_path / "coopos" / "bad.py"
    bad.parent.mkdir()
    bad.write_text("from PySide6.QtWidgets import QWidget\nimport ui.app\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path / "coopos")
    assert len(offenders("", ("ui", "PySide6.QtWidgets"))) >= 2


def test_the_server_loads_no_till_code():
    """``import coopos.server.app`` loads nothing of the till's services or database."""
    code = (
        "import sys, coopos.server.app\n"
        "print(sorted(m for m in sys.modules if m.startswith(('coopos.services', 'coopos.db'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT.parent,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


# -- rules over the import graph (tests/unit/import_graph.py) ---------------------------------

TILL = ("coopos.services", "coopos.db")
# Modules through which the server still reaches the till's code when it draws a
# statement (lazily: `import coopos.server.app` loads neither, see
# test_the_server_loads_no_till_code).  This list only shrinks
# (test_the_allowances_are_still_needed says when):
# - printing/document.py builds a receipt from the till's sale (load_sale, settings) beside
#   the pure document types that printing/render.py draws; to split.
SERVER_ALLOWED = frozenset({"coopos.printing.document"})
# Screens that still read the database themselves (issue 14: screens get their data
# through services).  Only shrinks, like SERVER_ALLOWED.
UI_ALLOWED = frozenset(
    {
        "ui.screens.cooperatives",
        "ui.screens.fairs",
        "ui.screens.login",
        "ui.screens.products",
        "ui.screens.sell",
        "ui.screens.sell_grid",
        "ui.screens.settings",
        "ui.screens.stock",
        "ui.screens.users",
        "ui.session",
    }
)
DOMAIN_MAY_USE = ("coopos.domain", "coopos.i18n")  # the translation function, a leaf
PROTOCOL_MAY_USE = ("coopos.protocol", *DOMAIN_MAY_USE)


def server_reaches_till(graph: import_graph.Graph, allowed=SERVER_ALLOWED) -> list[str]:
    """Server modules that load the till's services or database, lazily or not."""
    edges = {m: set() if m in allowed else e for m, e in graph.every.items()}
    return sorted(
        f"{module} -> {sorted(found)[0]}"
        for module in graph.modules
        if module.startswith("coopos.server")
        and (found := {m for m in graph.reached(module, edges) if m.startswith(TILL)})
    )


def ui_reads_database(root: Path, allowed=UI_ALLOWED) -> list[str]:
    return sorted(
        f"{module}: {name}"
        for module, names in import_graph.external(root, "ui").items()
        if module not in allowed
        for name in names
        if name.split(".")[0] == "sqlalchemy" or name.startswith("coopos.db")
    )


def imports_beyond(root: Path, package: str, may_use: tuple[str, ...]) -> list[str]:
    """Project imports of ``coopos.<package>`` outside ``may_use``."""
    return sorted(
        f"{module}: {name}"
        for module, names in import_graph.external(root, "coopos").items()
        if module == f"coopos.{package}" or module.startswith(f"coopos.{package}.")
        for name in names
        if name.split(".")[0] in ("coopos", "ui")
        and name != "coopos"
        and not any(name == p or name.startswith(f"{p}.") for p in may_use)
    )


def graph_of(root: Path) -> import_graph.Graph:
    return import_graph.build(root, ("coopos", "ui"))


def test_the_server_never_reaches_the_tills_services_or_database():
    assert server_reaches_till(graph_of(ROOT.parent)) == []


def test_screens_do_not_read_the_database():
    assert ui_reads_database(ROOT.parent) == []


def test_domain_imports_only_itself_and_the_translation_function():
    assert imports_beyond(ROOT.parent, "domain", DOMAIN_MAY_USE) == []


def test_protocol_imports_only_itself_and_domain():
    assert imports_beyond(ROOT.parent, "protocol", PROTOCOL_MAY_USE) == []


def test_no_import_cycles():
    assert graph_of(ROOT.parent).cycles() == []


def test_the_allowances_are_still_needed():
    """Each allowed offender still offends: when one is fixed, remove it from its list."""
    graph = graph_of(ROOT.parent)
    for module in SERVER_ALLOWED:
        assert server_reaches_till(graph, SERVER_ALLOWED - {module}), f"{module} is clean now"
    for module in UI_ALLOWED:
        assert ui_reads_database(ROOT.parent, UI_ALLOWED - {module}), f"{module} is clean now"


# -- each rule fails on a planted violation ----------------------------------------------------


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in {p.parent for p in tmp_path.rglob("*.py")}:
        (folder / "__init__.py").touch()
    return tmp_path


def test_planted_server_import_of_the_till_fails(tmp_path):
    root = plant(
        tmp_path,
        {
            "coopos/server/api.py": "from coopos.printing import pdf\n",
            "coopos/printing/pdf.py": "def f():\n    from coopos.db.models import Sale\n",
            "coopos/db/models.py": "Sale = 1\n",
        },
    )
    assert server_reaches_till(graph_of(root), frozenset()) == [
        "coopos.server.api -> coopos.db.models"
    ]
    assert server_reaches_till(graph_of(root), frozenset({"coopos.printing.pdf"})) == []


def test_planted_screen_reading_the_database_fails(tmp_path):
    root = plant(tmp_path, {"ui/screens/x.py": "from sqlalchemy import select\n"})
    assert ui_reads_database(root, frozenset()) == [
        "ui.screens.x: sqlalchemy",
        "ui.screens.x: sqlalchemy.select",
    ]


def test_planted_domain_import_fails(tmp_path):
    root = plant(
        tmp_path,
        {"coopos/domain/x.py": "from coopos.services import checkout\nimport coopos.i18n\n"},
    )
    assert imports_beyond(root, "domain", DOMAIN_MAY_USE) == [
        "coopos.domain.x: coopos.services",
        "coopos.domain.x: coopos.services.checkout",
    ]


def test_planted_protocol_import_fails(tmp_path):
    root = plant(tmp_path, {"coopos/protocol/x.py": "from coopos.server import schemas\n"})
    assert imports_beyond(root, "protocol", PROTOCOL_MAY_USE)


def test_planted_cycle_fails_but_not_a_type_checking_or_lazy_one(tmp_path):
    root = plant(
        tmp_path,
        {
            "coopos/a.py": "from coopos import b\n",
            "coopos/b.py": "from coopos.a import x\n",
            "coopos/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
            "    from coopos import d\n",
            "coopos/d.py": "def f():\n    from coopos import c\nfrom coopos import c\n",
        },
    )
    assert graph_of(root).cycles() == [["coopos.a", "coopos.b"]]
