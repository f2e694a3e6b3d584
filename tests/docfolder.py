"""Builders of the files a real documentation folder holds: drawio-style SVG exports (labels written
twice, as HTML in a foreignObject and as a plain-text fallback, beside embedded base64 images),
Jupyter notebooks with outputs, HTML pages with data URIs, PNG screenshots."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from xml.sax.saxutils import escape


def png(width: int = 64, height: int = 48, seed: int = 1) -> bytes:
    """A valid PNG with noisy pixels (so it does not compress to nothing)."""
    rows = b"".join(b"\x00" + bytes((x * 7 + y * 13 + seed * 31) % 251 for x in range(width * 3)) for y in range(height))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def data_uri(raw: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(raw).decode()}"


def drawio_svg(labels: list[str], title: str = "", images: int = 1) -> str:
    """A drawio export: the compressed diagram in `content`, fonts in <style>, each label in a
    <switch> (HTML first, plain-text fallback second), embedded PNGs, the "viewer" fallback."""
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" '
             f'width="652px" height="817px" content="&lt;mxfile&gt;&lt;diagram&gt;{"3Vlbc6M2FP41eTQDAl94" * 40}&lt;/diagram&gt;&lt;/mxfile&gt;">',
             "<defs><style type=\"text/css\">@font-face { font-family: 'Roboto'; src: url(\"https://fonts.example/r.woff2\"); }</style></defs>"]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append("<g>")
    for i, raw_label in enumerate(labels):
        label, fallback = escape(raw_label), escape(raw_label[:10])
        parts.append(
            f'<rect x="{i * 10}" y="5" width="380" height="250" fill="#ffffff" stroke="#000000"/>'
            '<g transform="translate(-0.5 -0.5)"><switch><foreignObject style="overflow: visible;" width="100%" height="100%" '
            'requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility"><div xmlns="http://www.w3.org/1999/xhtml" '
            'style="display: flex;"><div style="font-size: 0;"><div style="display: inline-block;">'
            f'<font face="Roboto" style="font-size: 24px">{label}</font></div></div></div></foreignObject>'
            f'<text x="250" y="622" font-family="Helvetica" font-size="12px">{fallback}...</text></switch></g>'
            f'<path d="M 289.06 793.99 C 293.87 793.99 297.23 791.75 296.28 790.03 L 286.73 773.39 Z" fill="#505050"/>'
        )
    for i in range(images):
        parts.append(f'<image x="0" y="0" width="64" height="48" xlink:href="{data_uri(png(seed=i))}"/>')
    parts.append('</g><switch><g requiredFeatures="http://www.w3.org/TR/SVG11/feature#Extensibility"/>'
                 '<a transform="translate(0,-5)" xlink:href="https://www.diagrams.net/doc/faq/svg-export-text-problems">'
                 '<text text-anchor="middle" font-size="10px" x="50%" y="100%">Viewer does not support full SVG 1.1</text></a></switch></svg>')
    return "".join(parts)


def notebook(cells: list[tuple[str, str]], image: bool = True) -> str:
    """An nbformat 4 notebook; each code cell gets a stream output, a text result and an image."""
    out = []
    for kind, source in cells:
        cell = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
        if kind == "code":
            outputs = [{"output_type": "stream", "name": "stdout", "text": ["printed line\n"]},
                       {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                        "data": {"text/plain": ["42"], "text/html": ["<b>42</b>"]}}]
            if image:
                outputs.append({"output_type": "display_data", "metadata": {},
                                "data": {"image/png": base64.b64encode(png(200, 100)).decode(), "text/plain": ["<Figure size 640x480>"]}})
            cell.update(execution_count=1, outputs=outputs)
        out.append(cell)
    return json.dumps({"cells": out, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + ']><svg xmlns="http://www.w3.org/2000/svg"><text>&lol9;</text></svg>'
)
EXTERNAL_ENTITY = ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                   '<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>')
