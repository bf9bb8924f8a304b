"""A tiny drawing surface that writes the same picture as SVG text or as a PDF file.

Figures are drawn once, in pixel-like units with the origin at the top
left, as a list of primitives (polylines, polygons, circles and
text).  ``svg()`` turns the list into SVG text; ``pdf()`` into a one-page
PDF that pdflatex includes with ``\\includegraphics`` -- so a LaTeX report
needs no converter, no cairo and no TikZ (pgf is not part of Debian's
texlive-latex-recommended).  Text is set in Helvetica: the PDF uses the
standard font every reader has, the SVG asks for Helvetica or a font with
the same metrics, and layout measures strings with Helvetica's widths.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field

from tracer.render.xml import escape

__all__ = ["Canvas", "text_width", "text_box", "box", "num"]

# Helvetica advance widths (1/1000 em) for ASCII 32-126, from Adobe's core-14
# font metrics; other characters are measured as a digit.
_WIDTHS = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
]  # fmt: skip
_BOLD = 1.08  # Helvetica-Bold runs about this much wider; only used for layout

FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', sans-serif"


def text_width(s: str, size: float, bold: bool = False) -> float:
    """Width of ``s`` set in Helvetica at ``size``."""
    units = sum(_WIDTHS[ord(c) - 32] if 32 <= ord(c) < 127 else 556 for c in s)
    return units * size / 1000 * (_BOLD if bold else 1.0)


def num(v: float) -> str:
    """A coordinate for SVG/PDF: two decimals at most, no trailing zeros, no ``-0``."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _f(v: float) -> str:
    """A matrix entry: five decimals (a rotation's sines and cosines)."""
    return f"{v:.5f}".rstrip("0").rstrip(".") if abs(v) > 5e-6 else "0"


def text_box(x: float, y: float, s: str, size: float, anchor: str = "middle", angle: float = 0.0,
             pad: float = 2.0, bold: bool = False) -> list[Point]:
    """Corners of the box around text vertically centred on (x, y), turned ``angle`` degrees clockwise."""
    w = text_width(s, size, bold)
    shift = {"start": w / 2, "middle": 0, "end": -w / 2}[anchor]
    a = math.radians(angle)
    return box(x + shift * math.cos(a), y + shift * math.sin(a), w + 2 * pad, size + pad, angle)


def box(x: float, y: float, w: float, h: float, angle: float = 0.0) -> list[Point]:
    """Corners of a w x h rectangle centred on (x, y), turned ``angle`` degrees clockwise."""
    a = math.radians(angle)
    cos, sin = math.cos(a), math.sin(a)
    return [(x + u * cos - v * sin, y + u * sin + v * cos)
            for u, v in ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))]


def _rgb(color: str) -> str:
    h = color.lstrip("#")
    return " ".join(num(int(h[i : i + 2], 16) / 255) for i in (0, 2, 4))


Point = tuple[float, float]


@dataclass
class Canvas:
    """A picture of ``width`` x ``height`` units; y grows downwards."""

    width: float
    height: float
    title: str = ""
    items: list[tuple[str, dict]] = field(default_factory=list)

    # ------------------------------------------------------------ drawing
    def lines(self, polys: list[list[Point]], color: str = "#000000", width: float = 1.0,
              cls: str | None = None, data: dict | None = None) -> None:
        """One stroke made of several polylines (contours are many short pieces)."""
        polys = [p for p in polys if len(p) >= 2]
        if polys:
            self.items.append(("lines", dict(polys=polys, color=color, width=width, cls=cls, data=data or {})))

    def line(self, pts: list[Point], **kw) -> None:
        self.lines([pts], **kw)

    def polygon(self, pts: list[Point], fill: str, cls: str | None = None, data: dict | None = None) -> None:
        self.items.append(("polygon", dict(pts=pts, fill=fill, cls=cls, data=data or {})))

    def circle(self, x: float, y: float, r: float, fill: str = "#ffffff", stroke: str | None = "#000000",
               width: float = 1.0, cls: str | None = None, data: dict | None = None) -> None:
        self.items.append(("circle", dict(x=x, y=y, r=r, fill=fill, stroke=stroke, width=width, cls=cls, data=data or {})))

    def text(self, x: float, y: float, s: str, size: float = 11, anchor: str = "start",
             color: str = "#000000", bold: bool = False, angle: float = 0.0,
             cls: str | None = None, data: dict | None = None) -> None:
        """Text whose baseline starts, is centred or ends (``anchor``) at (x, y), turned ``angle`` degrees clockwise."""
        self.items.append(("text", dict(x=x, y=y, s=str(s), size=size, anchor=anchor, color=color,
                                        bold=bold, angle=angle, cls=cls, data=data or {})))

    def label(self, x: float, y: float, s: str, size: float = 11, anchor: str = "middle",
              angle: float = 0.0, pad: float = 2.0, **kw) -> list[Point]:
        """Text vertically centred on (x, y) over a white box; returns the box's corners."""
        box = text_box(x, y, s, size, anchor, angle, pad, kw.get("bold", False))
        self.polygon(box, fill="#ffffff")
        a = math.radians(angle)
        down = 0.36 * size  # from the middle of a line of digits to its baseline
        self.text(x - down * math.sin(a), y + down * math.cos(a), s, size=size, anchor=anchor, angle=angle, **kw)
        return box

    # ---------------------------------------------------------------- SVG
    def svg(self) -> str:
        """The picture as a standalone SVG document."""
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{num(self.width)}" height="{num(self.height)}" '
            f'viewBox="0 0 {num(self.width)} {num(self.height)}" font-family="{escape(FONT_FAMILY)}" '
            f'role="img" aria-label="{escape(self.title)}" style="max-width:100%;height:auto">',
            f"<title>{escape(self.title)}</title>",
            '<rect width="100%" height="100%" fill="#ffffff"/>',
        ]
        for kind, a in self.items:
            attrs = ""
            if a["cls"]:
                attrs += f' class="{escape(a["cls"])}"'
            for k, v in a["data"].items():
                attrs += f' data-{k.replace("_", "-")}="{escape(v)}"'
            if kind == "lines":
                d = " ".join("M" + " L".join(f"{num(x)} {num(y)}" for x, y in p) for p in a["polys"])
                out.append(f'<path d="{d}" fill="none" stroke="{a["color"]}" stroke-width="{num(a["width"])}" '
                           f'stroke-linecap="round" stroke-linejoin="round"{attrs}/>')
            elif kind == "polygon":
                pts = " ".join(f"{num(x)},{num(y)}" for x, y in a["pts"])
                out.append(f'<polygon points="{pts}" fill="{a["fill"]}"{attrs}/>')
            elif kind == "circle":
                stroke = (f' stroke="{a["stroke"]}" stroke-width="{num(a["width"])}"' if a["stroke"] else "")
                out.append(f'<circle cx="{num(a["x"])}" cy="{num(a["y"])}" r="{num(a["r"])}" '
                           f'fill="{a["fill"]}"{stroke}{attrs}/>')
            else:
                weight = ' font-weight="bold"' if a["bold"] else ""
                anchor = f' text-anchor="{a["anchor"]}"' if a["anchor"] != "start" else ""
                if a["angle"]:
                    anchor += f' transform="rotate({num(a["angle"])} {num(a["x"])} {num(a["y"])})"'
                out.append(f'<text x="{num(a["x"])}" y="{num(a["y"])}" font-size="{num(a["size"])}"'
                           f'{anchor}{weight} fill="{a["color"]}"{attrs}>{escape(a["s"])}</text>')
        out.append("</svg>")
        return "\n".join(out) + "\n"

    # ---------------------------------------------------------------- PDF
    def pdf(self) -> bytes:
        """The picture as a one-page PDF, 1 unit = 1 pt; deterministic bytes (no dates)."""
        h = self.height
        ops = ["1 J 1 j"]
        for kind, a in self.items:
            ops.append("q")
            if kind == "lines":
                ops.append(f'{_rgb(a["color"])} RG {num(a["width"])} w')
                for p in a["polys"]:
                    ops.append(" ".join(f"{num(x)} {num(h - y)} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(p)))
                ops.append("S")
            elif kind == "polygon":
                pts = a["pts"]
                ops.append(f'{_rgb(a["fill"])} rg ' + " ".join(
                    f"{num(x)} {num(h - y)} {'m' if i == 0 else 'l'}" for i, (x, y) in enumerate(pts)) + " h f")
            elif kind == "circle":
                paint = "f"
                if a["fill"] != "none":
                    ops.append(f'{_rgb(a["fill"])} rg')
                if a["stroke"]:
                    ops.append(f'{_rgb(a["stroke"])} RG {num(a["width"])} w')
                    paint = "B" if a["fill"] != "none" else "S"
                ops.append(_circle_path(a["x"], h - a["y"], a["r"]) + f" {paint}")
            else:
                w = text_width(a["s"], a["size"], a["bold"])
                shift = {"start": 0, "middle": w / 2, "end": w}[a["anchor"]]
                font = "F2" if a["bold"] else "F1"
                cos, sin = math.cos(math.radians(a["angle"])), math.sin(math.radians(a["angle"]))
                # clockwise on screen is clockwise in PDF too once y is flipped: the matrix uses -sin
                ops.append(f'{_rgb(a["color"])} rg BT /{font} {num(a["size"])} Tf '
                           f'{_f(cos)} {_f(-sin)} {_f(sin)} {_f(cos)} {num(a["x"])} {num(h - a["y"])} Tm '
                           f'{num(-shift)} 0 Td ({_pdf_string(a["s"])}) Tj ET')
            ops.append("Q")
        stream = zlib.compress("\n".join(ops).encode("latin-1"), 9)
        objs = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {num(self.width)} {num(h)}] "
             "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>").encode(),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream",
            f"<< /Title ({_pdf_string(self.title)}) /Producer (mlptrace) >>".encode("latin-1"),
        ]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for i, body in enumerate(objs, 1):
            offsets.append(len(out))
            out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)


def _pdf_string(s: str) -> str:
    """A PDF string literal's contents: WinAnsi (cp1252) bytes, "?" for what it lacks, \\ ( ) escaped."""
    raw = s.encode("cp1252", "replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _circle_path(x: float, y: float, r: float) -> str:
    """A circle as four Bezier quarter arcs (PDF has no circle operator)."""
    k = r * 4 * (math.sqrt(2) - 1) / 3
    return (f"{num(x + r)} {num(y)} m "
            f"{num(x + r)} {num(y + k)} {num(x + k)} {num(y + r)} {num(x)} {num(y + r)} c "
            f"{num(x - k)} {num(y + r)} {num(x - r)} {num(y + k)} {num(x - r)} {num(y)} c "
            f"{num(x - r)} {num(y - k)} {num(x - k)} {num(y - r)} {num(x)} {num(y - r)} c "
            f"{num(x + k)} {num(y - r)} {num(x + r)} {num(y - k)} {num(x + r)} {num(y)} c")
