"""The certificate resource of the seed (``/v2/certificate/index | view | create | update | delete``).

Its field names are the seed's: ``certificate_id`` is Certline's id, ``action_type`` its kind; the other
fields of the seed keep their names (dates, validity and its unit, warning, resource, note, data), and
Certline's own fields come after them (issuer number, EN 10204 type, heat/lot, status, review status…).
Certline keeps one plant per database and has no tenants: ``tenant_id`` is accepted and answered as
null. Values are checked by app.certificates, whose refusals name the field as the request does.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import Field

from app import certificate_list, certificates
from app.certificates import CertificateRecord
from app.ids import check_id, new_id
from app.models import CERT_KINDS, CERT_STATUSES, RESOURCE_TYPES, REVIEW_STATUSES, VALIDITY_UNITS
from app.server.auth import Access, need
from app.server.bodies import StrictBody, ruled
from app.server.errors import Refused, fields_named
from app.server.schemas import errors

router = APIRouter(prefix="/v2/certificate", tags=["certificates"])
TO_SEED = {"id": "certificate_id", "kind": "action_type"}
FROM_SEED = {seed: ours for ours, seed in TO_SEED.items()}
SORTS = tuple(TO_SEED.get(name, name) for name in certificate_list.SORTABLE_FIELDS)
CertId = Annotated[str, Path(description='The certificate id, e.g. "cert_mat01"')]
EXAMPLE = {"certificate_id": "cert_train07", "date_release": "2023-01-01", "name": "Certificate of Safety",
           "action_type": "TRAINING", "resource_id": "op1", "validity_unit": "YEAR", "validity": 1}


def certificate_json(record: CertificateRecord) -> dict[str, Any]:
    """The certificate in the seed's shape: its fields first, by its names, then Certline's own."""
    ours = record.to_json()
    seed = {name: ours.pop(FROM_SEED.get(name, name)) for name in (
        "certificate_id", "date_release", "date_expire", "name", "note", "action_type", "resource_id", "data",
        "warning")}
    seed["tenant_id"] = None
    seed |= {name: ours.pop(name) for name in ("validity_unit", "validity")}
    return seed | ours


def _fields(body: StrictBody) -> dict[str, Any]:
    sent = body.model_dump(exclude_unset=True, exclude={"tenant_id", "reason"})
    return {FROM_SEED.get(name, name): value for name, value in sent.items()}


class CertificateFields(StrictBody):
    name: Any = ruled("What the certificate is, e.g. a mill test report")
    action_type: Any = ruled("Its kind", enum=list(CERT_KINDS))
    date_release: Any = ruled("Release date, YYYY-MM-DD", format="date")
    date_expire: Any = ruled("Expiry date, YYYY-MM-DD (else worked out from the validity)", format="date")
    validity: Any = ruled("How long it is valid, in validity_unit", type="integer")
    validity_unit: Any = ruled("DAY, MONTH or YEAR", enum=list(VALIDITY_UNITS))
    warning: Any = ruled("Days before expiry that it is flagged", type="integer")
    resource_type: Any = ruled("What it certifies", enum=list(RESOURCE_TYPES))
    resource_id: Any = ruled("The id of what it certifies (a person, a lot, a machine)")
    note: Any = ruled("Free text")
    data: Any = ruled("Free JSON object", type="object")
    number: Any = ruled("The issuer's own number (a heat or report number), scannable like the id")
    en10204_type: Any = ruled("Material certificates: 2.1, 2.2, 3.1 or 3.2")
    heat_lot: Any = ruled("Material certificates: the heat or lot")
    tenant_id: str | None = Field(None, description="Accepted and ignored: Certline keeps one plant per database")


class CertificateIn(CertificateFields):
    model_config = {"json_schema_extra": {"required": ["name", "action_type"], "examples": [EXAMPLE]}}
    certificate_id: Any = ruled("Its id; made by the server (cert_…) when left out")


class CertificateChanges(CertificateFields):
    model_config = {"json_schema_extra": {"examples": [{"name": "Updated Certificate", "validity": 2}]}}
    reason: str | None = Field(None, description="Why (recorded with the change); see the README when left out")


class IndexFilter(StrictBody):
    name: str | None = None
    action_type: str | None = Field(None, json_schema_extra={"enum": list(CERT_KINDS)})
    resource_id: str | None = None
    warning: int | None = None
    validity_unit: str | None = Field(None, json_schema_extra={"enum": list(VALIDITY_UNITS)})
    validity: int | None = None
    text: str | None = Field(None, description="Id, name or issuer number contains this (any case)")
    status: str | None = Field(None, json_schema_extra={"enum": list(CERT_STATUSES)})
    review_status: str | None = Field(None, json_schema_extra={"enum": list(REVIEW_STATUSES)})
    resource_type: str | None = Field(None, json_schema_extra={"enum": list(RESOURCE_TYPES)})
    expires_within_days: int | None = None
    expired: bool | None = None


class IndexIn(StrictBody):
    model_config = {"json_schema_extra": {"examples": [{"filter": {"action_type": "TRAINING", "validity": 1},
                                                        "per-page": 20, "page": 1, "sort": "name"}]}}
    filter: IndexFilter = Field(default_factory=IndexFilter)
    per_page: int = Field(20, alias="per-page", ge=1, le=1000)
    page: int = Field(1, ge=1)
    sort: str = Field("certificate_id", description=f"One of {', '.join(SORTS)}; a leading - sorts descending")


@router.post("/index", responses=errors(400, 401, 403, 500),
             summary="Certificates matching a filter, sorted and paged (the page in the X-Pagination headers)")
async def index(body: IndexIn, request: Request, response: Response, access: Access = need("read")) -> Any:
    sort = body.sort.removeprefix("-")
    if sort not in SORTS:
        raise Refused(400, f"Sort by one of {', '.join(SORTS)} (a leading - for descending): {body.sort}")
    given = body.filter.model_dump(exclude_none=True)
    query = certificate_list.CertificateQuery(**{FROM_SEED.get(k, k): v for k, v in given.items()},
                                              sort=FROM_SEED.get(sort, sort), descending=body.sort.startswith("-"))

    def work() -> tuple[list[dict[str, Any]], int]:
        with fields_named(TO_SEED):
            found = certificate_list.list_certificates(query, limit=body.per_page,
                                                       offset=(body.page - 1) * body.per_page)
            return [certificate_json(record) for record in found], certificate_list.count_certificates(query)

    rows, total = await request.app.state.threads.run(access.call, work)
    response.headers.update({"X-Pagination-Current-Page": str(body.page),
                             "X-Pagination-Page-Count": str(-(-total // body.per_page)),
                             "X-Pagination-Per-Page": str(body.per_page), "X-Pagination-Total-Count": str(total)})
    return rows


@router.get("/view/{cert_id}", responses=errors(400, 401, 403, 404, 500), summary="One certificate")
async def view(cert_id: CertId, request: Request, access: Access = need("read")) -> Any:
    def work() -> dict[str, Any]:
        check_id(cert_id, "Certificate id")
        return certificate_json(certificates.get_certificate(cert_id))

    return await request.app.state.threads.run(access.call, work)


@router.post("/create", status_code=201, responses=errors(400, 401, 403, 500),
             summary="Create a certificate (its user: the token's; a supervisor or an administrator)")
async def create(body: CertificateIn, request: Request, access: Access = need("certificates")) -> Any:
    fields = _fields(body)
    fields.setdefault("id", new_id("cert_"))

    def work() -> dict[str, Any]:
        with fields_named(TO_SEED):
            return certificate_json(certificates.create_certificate(fields, access.user.id))

    return await request.app.state.threads.run(access.call, work)


@router.put("/update/{cert_id}", responses=errors(400, 401, 403, 404, 500),
            summary="Change fields of a certificate; its history keeps the old and new value of each")
async def update(cert_id: CertId, body: CertificateChanges, request: Request,
                 access: Access = need("certificates")) -> Any:
    reason = access.reason(body.reason, "Updated")

    def work() -> dict[str, Any]:
        check_id(cert_id, "Certificate id")
        with fields_named(TO_SEED):
            return certificate_json(certificates.update_certificate(cert_id, _fields(body), access.user.id, reason))

    return await request.app.state.threads.run(access.call, work)


@router.delete("/delete/{cert_id}", responses=errors(400, 401, 403, 404, 409, 500),
               summary="Delete a certificate never attached; force=true deletes its documents with it")
async def delete(cert_id: CertId, request: Request, access: Access = need("certificates"),
                 force: Annotated[bool, Query(description="Also delete the connected documents")] = False,
                 reason: Annotated[str | None, Query(description="Why (recorded)")] = None) -> Any:
    """Without force, a certificate that has documents is not deleted: 409 lists them (``connected``).
    A certificate that was ever attached is never deleted (attachments are permanent): revoke it."""
    why = access.reason(reason, "Deleted")

    def work() -> dict[str, Any]:
        check_id(cert_id, "Certificate id")
        plan = certificates.delete_certificate(cert_id, access.user.id, why, force=force)
        answer = {"deleted": plan.deleted, "certificate": certificate_json(plan.certificate),
                  "connected": {"documents": plan.documents}}
        if not plan.deleted:
            count = len(plan.documents)
            raise Refused(409, f"Certificate {cert_id} has {count} document{'s' if count != 1 else ''}: "
                               "delete with force=true to delete them with it", extra=answer)
        return answer

    return await request.app.state.threads.run(access.call, work)
