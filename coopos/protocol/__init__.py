"""The sync protocol shared by the till and the server: event kinds, their payloads and
the rules a value must follow to cross the wire.  Plain Python: no database, no Qt, no
FastAPI, so both sides import it."""
