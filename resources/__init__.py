"""The station's style sheet, icons and sounds, as package data.

Installed under the import name ``certline_resources`` (see pyproject.toml: a generic
top-level name such as ``resources`` could be shadowed by another distribution's). Code
reads them through ``ui.resources`` only. The screenshots beside them are documentation
and are not installed.
"""
