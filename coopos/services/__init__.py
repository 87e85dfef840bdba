"""Use cases (checkout, catalog, inventory, shifts, reports...), shared by the CLI, the
desktop app and the tests.  They take a ``Context`` and never touch Qt."""
