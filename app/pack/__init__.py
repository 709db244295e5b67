"""The certificate of conformance pack: what the customer receives, verifiable without Certline.

``read_pack`` (the preview a screen shows: serials, routes, certificates, documents, gaps), ``make_pack``
(signed with the supervisor's PIN, written as one PDF, audited) and ``verify_pack`` (a pack checked on its
own, and against a database when one is given). No Qt here: the CLI, the office and the server make the
same pack.
"""
from app.pack.contents import MAKERS, evidence_head, read_pack
from app.pack.make import DEFAULT_STATEMENT, MEANING, PackResult, gaps_refusal, make_pack
from app.pack.records import AttachedCert, Gap, PackCertificate, PackDocument, PackPreview, RouteStep, SerialEntry

__all__ = ["DEFAULT_STATEMENT", "MAKERS", "MEANING", "AttachedCert", "Gap", "PackCertificate", "PackDocument",
           "PackPreview", "PackResult", "RouteStep", "SerialEntry", "evidence_head", "gaps_refusal", "make_pack",
           "read_pack"]
