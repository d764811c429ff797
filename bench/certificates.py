"""Benchmark: 200 certificates through the portal's document path, beside bare WeasyPrint.

    .venv/bin/python bench/certificates.py [--documents 200]

In the same run, over the same 200 filled certificate templates (准予行政许可决定书,
``xk-decision.html`` of the demo site, each with its own number, holder and QR code):
  portal    portal.documents: the sandboxed template rendered, then WeasyPrint with the
            offline URL fetcher, the missing-glyph watch and the archival variant (PDF/A-3b)
  bare      the HTML the portal rendered, given straight to WeasyPrint
            (HTML(string).write_pdf) with the same base.css, fonts and variant
Then the portal path again in a pool of 2 processes: the speed-up over one process.
Medians per document; the first document of each (font loading) is left out.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from portal.documents.issuing import ARCHIVAL, issuer, qr_data_uri  # noqa: E402
from portal.documents.render import render_html, render_pdf  # noqa: E402
from portal.site import load_site  # noqa: E402

SURNAMES, GIVEN = "王李张刘陈杨黄赵吴周", ("建国", "秀英", "志强", "丽娟", "海燕")


def contexts(n: int) -> list[dict]:
    site, _ = load_site(REPO)
    item = dict(site.subcenters["fc"].offerings["fc-ysxk"].item.data)
    item["name"] = site.subcenters["fc"].offerings["fc-ysxk"].item.name
    out = []
    for i in range(n):
        number = f"FC-ZS-2026-{i + 1:05d}"
        out.append({
            **issuer(site, site.subcenters["fc"]),  # the issuer block every template sees
            "window": {"code": "FC01", "name": "商品房预售许可窗口"},
            "item": item,
            "case": {"number": f"FC20261127{i + 1:04d}", "accepted_on": "2026年11月20日",
                     "guessed_years": [], "data": {},
                     "applicant_name": SURNAMES[i % 10] + GIVEN[i % 5] + "房地产开发有限公司"},
            "document": {"number": number, "date": "2026年11月27日",
                         "qr": qr_data_uri(f"https://zwfw.jurong.gov.cn/verify/{number}")},
        })
    return out


def _portal(templates: dict, html: str) -> float:
    start = time.perf_counter()
    render_pdf(templates, html, variant=ARCHIVAL)
    return time.perf_counter() - start


def _bare(folder: str, html: str) -> float:
    from weasyprint import HTML

    from portal.documents.render import _font_config

    start = time.perf_counter()
    HTML(string=html, base_url=folder + "/").write_pdf(font_config=_font_config(),
                                                       pdf_variant=ARCHIVAL)
    return time.perf_counter() - start


def _chunk(args: tuple[dict, list[str]]) -> int:
    templates, pages = args
    for html in pages:
        render_pdf(templates, html, variant=ARCHIVAL)
    return len(pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--documents", type=int, default=200)
    args = parser.parse_args()
    site, _ = load_site(REPO)
    templates = dict(site.templates)
    filled = contexts(args.documents)
    render_html(templates, "xk-decision.html", filled[0])  # compiled once per process
    start = time.perf_counter()
    pages = [render_html(templates, "xk-decision.html", c) for c in filled]
    templating = (time.perf_counter() - start) / args.documents
    with tempfile.TemporaryDirectory() as folder:
        for name, text in templates.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")
        _portal(templates, pages[0]), _bare(folder, pages[0])  # fonts loaded once for both
        ours, bare = [], []
        for html in pages:  # interleaved, so both see the same machine
            ours.append(_portal(templates, html))
            bare.append(_bare(folder, html))
    ours_med, bare_med = statistics.median(ours), statistics.median(bare)
    print(f"{args.documents} certificates (xk-decision.html, PDF/A-3b, Noto CJK subset, QR code)")
    print(f"  portal path   median {ours_med * 1000:6.1f} ms per document "
          f"(+ {templating * 1000:.1f} ms sandboxed templating)")
    print(f"  bare WeasyPrint median {bare_med * 1000:6.1f} ms per document")
    print(f"  ratio portal / bare: {(ours_med + templating) / bare_med:.3f}")
    start = time.perf_counter()
    _chunk((templates, pages))
    one = time.perf_counter() - start
    half = len(pages) // 2
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_chunk, [(templates, pages[:1]), (templates, pages[:1])]))  # warm both
        start = time.perf_counter()
        list(pool.map(_chunk, [(templates, pages[:half]), (templates, pages[half:])]))
        two = time.perf_counter() - start
    print(f"  1 process: {one:.1f} s; pool of 2: {two:.1f} s; speed-up {one / two:.2f}")


if __name__ == "__main__":
    main()
