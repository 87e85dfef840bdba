"""coopos: offline point of sale and consignment stock book for Moroccan cooperatives.

The core package. It never imports ``ui`` or ``PySide6.QtWidgets``: see docs/architecture.md.
"""

__version__ = "0.1.0"
