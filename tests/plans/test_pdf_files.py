"""Uploads are PDFs only if they parse as one, and files download as ``<stem>.pdf``."""

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

from plm_workflow.plans.documents import (
    NOT_A_PDF,
    PDF_ENVELOPE,
    PDF_NO_PAGES,
    PDF_PASSWORD,
    PDF_SCRIPTS,
    pdf_problems,
)
from plm_workflow.plans.models import Document
from plm_workflow.plans.pdfs import download_name, one_page_pdf
from tests.conftest import pdf_upload


def _written(writer: PdfWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _one_page_writer() -> PdfWriter:
    return PdfWriter(clone_from=io.BytesIO(one_page_pdf("Delibera")))


def _problems(content: bytes, name: str = "delibera.pdf") -> list[str]:
    return pdf_problems(pdf_upload(name=name, content=content))


def _message(template, name="delibera.pdf"):
    return [str(template % {"name": name})]


def test_the_helper_makes_a_one_page_pdf_with_the_text():
    content = one_page_pdf("Delibera di adesione n. 12 (Città di Saluzzo)")

    reader = PdfReader(io.BytesIO(content), strict=True)

    assert len(reader.pages) == 1
    assert reader.pages[0].extract_text() == "Delibera di adesione n. 12 (Città di Saluzzo)"
    assert _problems(content) == []


def test_html_behind_the_pdf_signature_is_refused():
    assert _problems(b"%PDF-<html><script>alert(1)</script></html>") == _message(NOT_A_PDF)


def test_a_pdf_with_javascript_is_refused():
    writer = _one_page_writer()
    script = writer._add_object(  # pypdf has no public way to add an indirect object
        DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('ciao');"),
            }
        )
    )
    writer.root_object[NameObject("/Names")] = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {NameObject("/Names"): ArrayObject([TextStringObject("saluto"), script])}
            )
        }
    )

    assert _problems(_written(writer)) == _message(PDF_SCRIPTS)


def test_a_pdf_running_javascript_when_a_page_opens_is_refused():
    writer = _one_page_writer()
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject("app.alert(1)"),
                }
            )
        }
    )

    assert _problems(_written(writer)) == _message(PDF_SCRIPTS)


def test_a_pdf_that_launches_a_program_is_refused():
    writer = _one_page_writer()
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )

    assert _problems(_written(writer)) == _message(PDF_SCRIPTS)


def test_a_pdf_without_pages_is_refused():
    content = _written(PdfWriter())
    assert len(PdfReader(io.BytesIO(content)).pages) == 0

    assert _problems(content) == _message(PDF_NO_PAGES)


def test_a_pdf_that_needs_a_password_to_open_is_refused_saying_what_to_upload():
    writer = _one_page_writer()
    writer.encrypt(user_password="segreto", owner_password="x", algorithm="AES-128")

    assert _problems(_written(writer)) == _message(PDF_PASSWORD)


def test_a_pdf_with_only_an_owner_password_is_accepted():
    """Signed PDFs are often encrypted this way: they open without a password."""
    writer = _one_page_writer()
    writer.encrypt(user_password="", owner_password="x", algorithm="AES-128")
    content = _written(writer)
    assert PdfReader(io.BytesIO(content)).is_encrypted

    assert _problems(content) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("delibera.pdf.p7m", b"\x30\x80\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"),
        ("delibera.pdf.P7M", one_page_pdf("Delibera")),  # by its name, whatever it holds
        ("delibera.pdf", b"\x30\x82\x1f\x40\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"),
    ],
)
def test_a_p7m_envelope_is_refused_asking_for_the_pdf_itself(name, content):
    problems = _problems(content, name=name)

    assert problems == _message(PDF_ENVELOPE, name=name)
    assert "PAdES" in problems[0]


def test_a_damaged_pdf_is_refused_as_not_a_pdf():
    content = one_page_pdf("Delibera")

    assert _problems(content[: len(content) // 3]) == _message(NOT_A_PDF)


@pytest.mark.parametrize(
    ("original", "downloaded"),
    [
        ("atto.html", "atto.pdf"),
        ("Delibera n. 12/2024.PDF", "delibera-n-12-2024.pdf"),
        ("delibera-adesione.pdf", "delibera-adesione.pdf"),
        ("Delibera n. 12", "delibera-n-12.pdf"),
        ("<script>.html", "script.pdf"),
        ("", "adhesion_act.pdf"),
    ],
)
def test_download_names_are_the_safe_stem_and_pdf(original, downloaded):
    assert download_name(original, fallback="adhesion_act") == downloaded


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("original", "downloaded"),
    [("atto.html", "atto.pdf"), ("Delibera n. 12/2024.PDF", "delibera-n-12-2024.pdf")],
)
def test_files_download_as_their_stem_and_pdf(client, flow_plan, coordinator, original, downloaded):
    document = Document.objects.get(plan=flow_plan)
    Document.objects.filter(pk=document.pk).update(original_name=original)
    client.force_login(coordinator)

    response = client.get(f"/files/{document.public_id}/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{downloaded}"'
    assert response["Content-Type"] == "application/pdf"
    assert PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages
