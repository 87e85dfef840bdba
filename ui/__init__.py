"""The Qt desktop layer (PySide6).  It imports the core; the core never imports it."""
