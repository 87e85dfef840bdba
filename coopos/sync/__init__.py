"""The till's side of the sync protocol with the central server (docs/sync.md)."""
