"""What a supervisor asks: a certificate's attachments, coverage of a batch, the audit trail.

Every list is read in keyset pages (``paging``), sorted and filtered in SQL, so a certificate
with a million attachments is never held in memory and page one costs the same as page ten
thousand. One module per report; callers use the names below (``reports.attachment_page``).
"""
from app.reports.attachments import (ATTACHMENT_CSV_HEADER, ATTACHMENT_SORTS, AttachmentQuery, AttachmentRow,
                                     attachment_csv_rows, attachment_page, attachment_page_index,
                                     count_attachments, steps_with_attachments)
from app.reports.audit_trail import (AuditQuery, AuditRow, audit_cert_id, audit_page, audit_page_index,
                                     audit_types)
from app.reports.coverage import (CoverageCount, CoverageSpec, LackingRow, RouteGapRow, coverage_count,
                                  lacking_page, lacking_page_index, route_gap_page)
from app.reports.paging import PAGE_SIZE, Page, PageIndex, iter_pages
from app.reports.serial_history import serial_audit

__all__ = [
    "ATTACHMENT_CSV_HEADER", "ATTACHMENT_SORTS", "AttachmentQuery", "AttachmentRow", "attachment_csv_rows",
    "attachment_page", "attachment_page_index", "count_attachments", "steps_with_attachments",
    "AuditQuery", "AuditRow", "audit_cert_id", "audit_page", "audit_page_index", "audit_types",
    "CoverageCount", "CoverageSpec", "LackingRow", "RouteGapRow", "coverage_count", "lacking_page",
    "lacking_page_index", "route_gap_page",
    "PAGE_SIZE", "Page", "PageIndex", "iter_pages",
    "serial_audit",
]
