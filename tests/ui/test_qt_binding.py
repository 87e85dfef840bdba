"""The Qt binding itself must not corrupt Python: PySide6 6.12.0 dropped a reference to
None on every QApplication.processEvents() call, which crashes Python 3.11 (where None is
not immortal) after a few thousand calls — in tests, benchmarks and screenshot runs."""

import sys


def test_process_events_keeps_none_alive(qapp):
    from PySide6.QtWidgets import QApplication

    before = sys.getrefcount(None)
    for _ in range(200):
        QApplication.processEvents()
    # other threads may hold or drop a few references meanwhile; a leak is one per call
    assert before - sys.getrefcount(None) < 100
