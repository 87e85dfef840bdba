"""Receipts: a document built from a sale (``document``), its signed QR code (``qr``),
drawn to a 1-bit image with Qt's text engine (``render``, QtGui only, never QtWidgets)
and sent to a thermal printer as ESC/POS raster (``escpos``).  ``receipts`` ties them
together for the CLI and the desktop app.

Importing this package does not import Qt: ``document`` and ``qr`` work without it.
"""
