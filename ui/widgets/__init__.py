"""Reusable widgets: PIN pad, numeric keypad dialogs, manager approval, chart."""
