"""A council's logo: an SVG document checked against an allow-list before it is stored.

The logo is drawn on every board pack (inlined in the HTML page, drawn as vectors in the PDF
and Word packs), so it must carry nothing that runs or fetches: no scripts, no event handlers,
no external references (href or url() to anything but a fragment of the same document), no
foreignObject, no style sheets, no DTD or entities. defusedxml refuses entity tricks while
parsing; what is left is walked element by element and attribute by attribute against the
lists below.
"""

from __future__ import annotations

import io
import re
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
MAX_LOGO_BYTES = 200_000

ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
        "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
        "clipPath", "use", "symbol",
    }
)  # fmt: skip
ATTRIBUTES = frozenset(
    {
        "id", "version", "viewBox", "preserveAspectRatio", "width", "height", "x", "y", "x1",
        "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "d", "points", "transform",
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-linecap", "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray",
        "stroke-dashoffset", "opacity", "clip-path", "clip-rule", "clipPathUnits", "offset",
        "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
        "font-family", "font-size", "font-weight", "font-style", "text-anchor",
        "dominant-baseline", "letter-spacing", "href", "visibility", "display",
    }
)  # fmt: skip
# url(...) may only name a fragment of this document: url(#gradient).
_URL = re.compile(r"url\s*\(", re.IGNORECASE)
_LOCAL_URL = re.compile(r"url\(\s*#[A-Za-z_][\w.-]*\s*\)")


class UnsafeLogo(ValueError):
    """The document is not an SVG the allow-list accepts; the message says why."""


def check_logo(document: str) -> str:
    """The document unchanged if it is a safe SVG; UnsafeLogo naming the first problem."""
    if len(document.encode()) > MAX_LOGO_BYTES:
        raise UnsafeLogo(f"logo_svg must be at most {MAX_LOGO_BYTES} bytes")
    if "<!DOCTYPE" in document.upper() or "<!ENTITY" in document.upper():
        raise UnsafeLogo("logo_svg must not have a DOCTYPE or entities")
    try:
        root = fromstring(document, forbid_dtd=True, forbid_entities=True)
    except (ParseError, DefusedXmlException) as error:
        raise UnsafeLogo(f"logo_svg is not well-formed XML ({error})") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UnsafeLogo('logo_svg must be an <svg> element in the SVG namespace ("xmlns")')
    for element in root.iter():
        _check_element(element)
    _check_drawable(document)
    return document


def _check_element(element: Element) -> None:
    if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{SVG_NS}}}"):
        raise UnsafeLogo("logo_svg may hold only SVG elements (no other namespaces)")
    name = element.tag.removeprefix(f"{{{SVG_NS}}}")
    if name not in ELEMENTS:
        raise UnsafeLogo(f"logo_svg must not contain <{name}>")
    for key, value in element.attrib.items():
        local = key.removeprefix(f"{{{XLINK_NS}}}")
        if local.startswith("{") or local not in ATTRIBUTES:
            raise UnsafeLogo(f"logo_svg must not use the attribute {local!r} (on <{name}>)")
        if local == "href" and not re.fullmatch(r"#[A-Za-z_][\w.-]*", value.strip()):
            raise UnsafeLogo('logo_svg may link only to its own elements (href="#id")')
        if _URL.search(_LOCAL_URL.sub("", value)):
            raise UnsafeLogo("logo_svg may refer only to its own elements (url(#id))")


def _check_drawable(document: str) -> None:
    """The PDF pack draws the logo with fpdf2 and the Word pack's fallback picture is drawn
    with CairoSVG: what either cannot draw is refused now, not when a pack is made."""
    import cairosvg  # noqa: PLC0415 - only when a logo is set
    from fpdf import FPDF  # noqa: PLC0415

    pdf = FPDF()
    pdf.add_page()
    try:
        pdf.image(io.BytesIO(document.encode()), x=10, y=10, w=40)
        cairosvg.svg2png(bytestring=document.encode(), output_height=64)
    except Exception as error:  # any failure to draw is the document's fault
        raise UnsafeLogo(f"logo_svg cannot be drawn ({type(error).__name__})") from None
