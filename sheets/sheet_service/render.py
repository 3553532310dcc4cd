"""A sheet as HTML (Jinja2, every value escaped) and as a tagged PDF/UA-1 A4 page (WeasyPrint)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from weasyprint import CSS, HTML

from .content import Sheet

TEMPLATES = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))


@lru_cache(maxsize=1)
def _stylesheet() -> CSS:
    return CSS(filename=str(TEMPLATES / "sheet.css"))


def sheet_html(sheet: Sheet) -> str:
    return _environment().get_template("sheet.html").render(sheet=sheet)


def sheet_pdf(sheet: Sheet) -> bytes:
    """PDF/UA-1: tagged (structure tree in reading order), title shown, language fr, fonts embedded."""
    document = HTML(string=sheet_html(sheet), base_url=str(TEMPLATES))
    pdf = document.write_pdf(stylesheets=[_stylesheet()], pdf_variant="pdf/ua-1", pdf_tags=True,
                             pdf_identifier=sheet.reference.encode("ascii"), custom_metadata=True)
    assert pdf is not None
    return pdf
