"""Every command of ``coopos``, every option, with bad values: never a traceback.

The commands and options are read from the argparse parser itself, so a new command is
covered the day it is added.  Each run must end with exit code 0, 1 (user error) or 2
(usage error), no traceback, no crash report, and when it fails one line on stderr.
Commands run in-process (fast); a few runs in a subprocess check a closed pipe."""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from coopos import cli
from coopos.config import log_dir

# Leaves that would wait for something outside the test if they succeeded.
BLOCKING = {("server",)}


def leaves(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command path with its parser; a parser whose subcommand is optional (like
    ``coopos server``, which runs the server) is a command of its own too."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if prefix and (not subs or not all(a.required for a in subs)):
        yield prefix, parser
    for action in subs:
        seen: set[int] = set()
        for name, sub in action.choices.items():
            if id(sub) not in seen:  # aliases share a parser
                seen.add(id(sub))
                yield from leaves(sub, (*prefix, name))


def _options(parser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if a.option_strings and a.dest not in ("help", "version", "db", "lang")
    ]


def _positionals(parser) -> list[argparse.Action]:
    return [
        a
        for a in parser._actions
        if not a.option_strings and not isinstance(a, argparse._SubParsersAction)
    ]


def _bad_values(action: argparse.Action, tmp: Path) -> list[str]:
    if action.choices:
        return ["nope", ""]
    if action.type in (int, float):
        return ["nope", "-1", "99999999999999999999999", ""]
    return [
        "",
        "nope",
        "-1",
        "99999999999999999999999",
        "2026-02-30",
        "x:y:z",
        str(tmp / "missing" / "file.csv"),
        str(tmp),  # a directory
    ]


def _base(parser, skip: argparse.Action | None, filler: str) -> list[str]:
    """Positionals and required options filled with ``filler``."""
    argv: list[str] = []
    for action in _options(parser):
        if action is not skip and action.required:
            argv += [action.option_strings[0], filler]
    positionals = [filler for a in _positionals(parser) if a is not skip]
    return argv + (["--", *positionals] if positionals else [])


def argument_sets(tmp: Path) -> Iterator[tuple[str, list[str]]]:
    parser = cli.build_parser()
    groups: set[str] = set()  # a bad --db is tried on the first command of each group
    for path, leaf in leaves(parser):
        name = " ".join(path)
        yield name, list(path)
        flags = [a.option_strings[0] for a in _options(leaf) if a.nargs == 0]
        yield name, [*path, *flags, *_base(leaf, None, "X")]
        for value in _bad_values(argparse.Action(["x"], "x"), tmp):
            if _positionals(leaf):
                yield name, [*path, *_base(leaf, None, value)]
        for option in _options(leaf):
            if option.nargs == 0:
                continue
            for value in _bad_values(option, tmp):
                yield (
                    name,
                    [*path, f"{option.option_strings[0]}={value}", *_base(leaf, option, "X")],
                )
        if path[0] not in groups:
            groups.add(path[0])
            for value in (str(tmp), str(tmp / "not-a-database.db"), str(tmp / "no" / "such.db")):
                yield name, ["--db", value, *path, *_base(leaf, None, "X")]


@pytest.fixture
def till(demo_path, tmp_path, monkeypatch):
    """The demo till as the default database, a server database beside it, and no server
    ever started.  For speed (most of a bad run's time went there), the parser is built
    once, each database keeps one engine (warm statement caches) and Alembic is asked
    once per engine whether it is at the newest schema; none of it changes how
    arguments are handled."""
    import uvicorn

    from coopos.db import migrate
    from coopos.server import db as server_db
    from coopos.services import context, users

    monkeypatch.chdir(tmp_path)  # files named by bad values ("X", "-1") land here
    monkeypatch.setenv("COOPOS_DB", str(demo_path))
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    # a wrong PIN ("X") costs a scrypt so that it takes as long as a right one: not what
    # this test is about
    monkeypatch.setattr(users, "burn_time", lambda: None)
    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    known, head = migrate.known_revisions(), migrate.head_revision()
    engines: dict[str, object] = {}
    current: set[int] = set()  # engines known to be at the newest schema

    def open_database(path):
        return engines.setdefault(str(path), context_open_database(path))

    def current_revision(engine):
        if id(engine) in current:
            return head
        revision = migrate.current_revision(engine)
        if revision == head:
            current.add(id(engine))
        return revision

    def upgrade(engine):
        if id(engine) not in current:
            migrate.upgrade(engine)

    context_open_database = context.open_database
    monkeypatch.setattr(context, "open_database", open_database)
    monkeypatch.setattr(context, "current_revision", current_revision)
    monkeypatch.setattr(context, "known_revisions", lambda: known)
    monkeypatch.setattr(context, "upgrade", upgrade)
    server_head = server_db.head_revision()

    def server_upgrade(engine):
        if server_db.current_revision(engine) != server_head:
            real_server_upgrade(engine)

    real_server_upgrade = server_db.upgrade
    monkeypatch.setattr(server_db, "upgrade", server_upgrade)
    opened: dict[str | None, server_db.Database] = {}  # one engine per server URL
    real_open = server_db.Database.open.__func__

    def open_once(cls, url=None, migrate=True, **engine_args):
        if url not in opened:
            opened[url] = real_open(cls, url, migrate, **engine_args)
        return opened[url]

    monkeypatch.setattr(server_db.Database, "open", classmethod(open_once))
    (tmp_path / "not-a-database.db").write_text("hello, this is no SQLite file\n")
    assert run(["server", "init"])[0] == 0
    return tmp_path


def run(argv: list[str]) -> tuple[int, str, str]:
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(argv)
        except SystemExit as exc:  # argparse: usage errors and --help
            code = exc.code if isinstance(exc.code, int) else 2
    out.flush()
    return code, out.buffer.getvalue().decode("utf-8", "replace"), err.getvalue()


def test_every_command_with_bad_arguments_says_one_sentence(till):
    crashes = []
    runs = 0
    for name, argv in argument_sets(till):
        if tuple(argv) in BLOCKING:
            continue
        runs += 1
        code, out, err = run(argv)
        lines = err.strip().splitlines()
        if code not in (0, 1, 2) or "Traceback" in out + err or (code != 0 and len(lines) != 1):
            crashes.append(f"{name}: {argv!r} -> {code}: {err.strip()[:300]}")
    reports = sorted(log_dir().glob("crash-*.txt"))
    assert crashes == [], f"{len(crashes)} of {runs} runs:\n" + "\n".join(crashes[:40])
    assert reports == []
    assert runs > 1000  # every command and option was tried


def test_the_walker_finds_nested_and_optional_commands():
    names = {" ".join(path) for path, _leaf in leaves(cli.build_parser())}
    assert {"sale", "server", "server user add", "report settlement", "audit verify"} <= names


def _coopos(*args: str) -> list[str]:
    entry = "import sys; from ui.launcher import main; sys.exit(main())"
    return [sys.executable, "-c", entry, *args]


@pytest.mark.parametrize(
    "args",
    [
        ("catalog", "search", "a", "--limit", "100", "--format", "csv"),
        ("--help",),
    ],
)
def test_output_piped_into_head_ends_quietly(demo_path, tmp_path, args):
    """``coopos ... | head -1``: the reader closes the pipe before coopos is done writing;
    here it closes it at once, so that any write fails, however short the output."""
    env = {**os.environ, "COOPOS_DB": str(demo_path)}
    pipeline = subprocess.Popen(
        _coopos(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path
    )
    assert pipeline.stdout is not None and pipeline.stderr is not None
    pipeline.stdout.close()
    err = pipeline.stderr.read().decode()
    code = pipeline.wait(timeout=60)
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert code in (0, 141), (code, err)


def test_catalog_import_of_a_folder_is_one_sentence(till):
    code, _out, err = run(["catalog", "import", str(till)])
    assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
