"""The central server: head office's catalog, enrolled tills, and every till's events.

Tills push their outbox (sales, refunds, shifts, stock movements) and pull the catalog
(see docs/sync.md).  The server keeps its own schema (``coopos.server.models``) and never
shares the till's models: a till database and a server database are different things.

Nothing here opens a database at import time: ``coopos.server.db.Database.open(url)`` does.
"""
