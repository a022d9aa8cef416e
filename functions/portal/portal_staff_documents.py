"""Customer service publishes documents (staff only): ``/staff/documents``
takes a PDF (a file upload), its type and title, and the audience: one
customer, one of its facilities or every customer."""

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.router import Router
from portal_core import Page, page, signed_in

from heatportal import composition
from heatportal.domain.document_store import DocumentType
from heatportal.domain.errors import DomainError, Forbidden, ValidationFailed
from heatportal.services.access import Principal
from heatportal.web.api import status_of

router = Router()
AUDIENCES = ("customer", "facility", "everyone")


def _staff(view: Page) -> Principal:
    principal, _ = signed_in(view)
    if not principal.is_staff:
        raise Forbidden("Only customer service may see this page.", code="forbidden")
    return principal


@router.get("/staff/documents")
@page(router)
def documents_form(view: Page) -> Response[str]:
    _staff(view)
    return view.render("staff_documents.html", form={}, types=list(DocumentType), published=view.query.get("published"))


@router.post("/staff/documents")
@page(router)
def publish(view: Page) -> Response[str]:
    principal = _staff(view)
    form = view.form()
    try:
        audience = form.get("audience", "")
        if audience not in AUDIENCES:
            raise ValidationFailed(
                "Choose who gets the document.", code="document_audience_invalid", fields=[{"field": "audience"}]
            )
        try:
            doc_type = DocumentType(form.get("type", ""))
        except ValueError as error:
            raise ValidationFailed(
                "Choose the document's type.", code="document_type_invalid", fields=[{"field": "type"}]
            ) from error
        upload = view.files().get("file")
        if upload is None or not upload[1]:
            raise ValidationFailed("Choose a PDF file.", code="document_not_pdf", fields=[{"field": "file"}])
        filename, body = upload
        document = composition.document_store().publish(
            principal,
            audience=audience,  # type: ignore[arg-type]  # one of AUDIENCES
            customer_number=form.get("customer_number", "").strip() or None,
            facility_id=form.get("facility_id", "").strip() or None,
            doc_type=doc_type,
            title=form.get("title", ""),
            filename=filename,
            body=body,
        )
    except DomainError as error:
        if status_of(error) in (401, 403):
            raise
        return view.render(
            "staff_documents.html",
            status_of(error),
            form=form,
            types=list(DocumentType),
            published=None,
            error=view.t(f"error.{error.code}", **error.params),
        )
    return view.redirect(f"/staff/documents?published={document.id}")
