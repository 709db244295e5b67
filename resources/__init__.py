"""The station's style sheet, icons and sounds, and the reports' font, as package data.

Installed under the import name ``certline_resources`` (see pyproject.toml: a generic
top-level name such as ``resources`` could be shadowed by another distribution's). The
screens read them through ``ui.resources`` only; the PDF reports read fonts/ (DejaVu Sans,
its LICENSE beside it) through ``app.report_pdf``. The screenshots beside them are
documentation and are not installed.
"""
