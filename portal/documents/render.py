"""Printable documents: notices, certificates and guides from the site's print templates.

- Templates are the published site's ``print_templates/`` (Jinja HTML + CSS paged media), one
  layout for every sub-center (五统一). They run in Jinja's immutable sandbox with only the
  plain data they are given — no ORM object, no application object: a template that reaches
  for Python internals is refused, and any template error names the template and its line.
- WeasyPrint renders them offline: the only URLs a template may use are other files of
  ``print_templates/`` (``base.css``) and ``data:`` URLs; everything else is refused.
- Chinese renders with the Noto CJK fonts, embedded and subset. A character the fonts cannot
  draw is not printed as a box: the document fails with the characters named.
- One FontConfiguration serves every document of the process (docs/stack-notes.md: a new one per document
  costs time and memory).
"""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound, Undefined
from jinja2.exceptions import SecurityError, TemplateError, TemplateSyntaxError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

from portal.core.errors import N_, PortalError

# The virtual base URL of print_templates/ inside a document: a relative "base.css" joins onto
# it (a custom scheme would not join), and the .invalid domain never resolves anyway.
TEMPLATE_BASE = "https://print-templates.invalid/"


class DocumentError(PortalError):
    """A document that cannot be made right: the template, the data or the fonts."""


class _SiteTemplates(BaseLoader):
    """Templates from the published site; the file name is the template's own name, so errors
    (and tracebacks) point into the template."""

    def __init__(self, templates: Mapping[str, str]) -> None:
        self.templates = templates

    def get_source(self, environment: Any, template: str) -> tuple[str, str, Any]:
        if template not in self.templates:
            raise TemplateNotFound(template)
        source = self.templates[template]
        return source, template, lambda: self.templates.get(template) == source


class FormData(dict):
    """A case's form data as templates see it (``case.data``): reading a field the form does
    not have is an error naming the template and the line, never an empty string printed."""


class _Undefined(Undefined):
    """Lenient for the optional parts of a declaration (``item.completion`` may be absent), strict
    for an unknown name and for a field of the form data: those are mistakes, not blanks."""

    __slots__ = ()

    def _strict(self) -> bool:
        return self._undefined_obj is missing or isinstance(self._undefined_obj, FormData)

    @property
    def _undefined_message(self) -> str:
        if isinstance(self._undefined_obj, FormData):
            return f"the form has no field {self._undefined_name!r} (case.data.{self._undefined_name})"
        return super()._undefined_message

    def __str__(self) -> str:
        if self._strict():
            self._fail_with_undefined_error()
        return ""

    def __iter__(self) -> Any:
        if self._strict():
            self._fail_with_undefined_error()
        return iter(())

    def __bool__(self) -> bool:
        if self._strict():
            self._fail_with_undefined_error()
        return False

    def __len__(self) -> int:
        if self._strict():
            self._fail_with_undefined_error()
        return 0


def sentence(text: Any) -> str:
    """Typed text to be followed by the template's own 。: without a full stop of its own and
    without spaces around (no "。。")."""
    return str(text or "").strip().rstrip("。.．").strip()


_environments: dict[int, tuple[Mapping[str, str], ImmutableSandboxedEnvironment]] = {}
_environments_lock = threading.Lock()


def environment(templates: Mapping[str, str]) -> ImmutableSandboxedEnvironment:
    """The sandbox every print template runs in (autoescaped HTML): one per set of templates
    (a published site's are immutable), so each template is compiled once per process."""
    with _environments_lock:
        kept = _environments.get(id(templates))
        if kept is not None and kept[0] is templates:
            return kept[1]
        env = ImmutableSandboxedEnvironment(loader=_SiteTemplates(templates), autoescape=True,
                                            trim_blocks=True, lstrip_blocks=True,
                                            undefined=_Undefined)
        env.filters["sentence"] = sentence
        if len(_environments) >= 8:  # a few sites' worth (publications, tests)
            _environments.pop(next(iter(_environments)))
        _environments[id(templates)] = (templates, env)  # keeping the mapping keeps its id
        return env


def _template_line(name: str, tb: Any) -> int | None:
    """The line of ``name`` where rendering failed (Jinja maps its frames to template lines)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == name:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_html(templates: Mapping[str, str], name: str, context: Mapping[str, Any]) -> str:
    """The HTML of template ``name`` over ``context`` (plain data only)."""
    try:
        return environment(templates).get_template(name).render(**context)
    except TemplateSyntaxError as exc:
        raise DocumentError(N_("%(where)s: %(error)s"), hint=N_("fix the template's syntax"),
                            where=f"{exc.name or name}:{exc.lineno}", error=exc.message) from None
    except SecurityError as exc:
        line = _template_line(name, sys.exc_info()[2])
        raise DocumentError(N_("%(where)s: refused by the sandbox: %(error)s"),
                            hint=N_("templates see only the data they are given"),
                            where=f"{name}:{line}", error=str(exc)) from None
    except TemplateNotFound as exc:
        raise DocumentError(N_("%(name)s: template %(template)s is not in print_templates/"),
                            hint=N_("add it, or name an existing template"), name=name,
                            template=exc.name) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError, LookupError) as exc:
        line = _template_line(name, sys.exc_info()[2])
        raise DocumentError(N_("%(where)s: %(error)s"),
                            hint=N_("check the template against the data it is given"),
                            where=f"{name}:{line}", error=f"{type(exc).__name__}: {exc}") from None


class _MissingGlyphs(logging.Handler):
    """Collects WeasyPrint's warnings about characters no font can draw."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.missing: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith(".notdef glyph"):
            self.missing.append(message.split(":", 1)[-1].strip())


_render_lock = threading.Lock()  # the glyph handler is per call; WeasyPrint's logger is shared
_fonts: Any = None


def _font_config() -> Any:
    global _fonts
    if _fonts is None:
        from weasyprint.text.fonts import FontConfiguration

        _fonts = FontConfiguration()
    return _fonts


@contextmanager
def _watching_glyphs() -> Iterator[_MissingGlyphs]:
    handler = _MissingGlyphs()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def _fetcher(templates: Mapping[str, str]) -> Any:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    class SiteFetcher(URLFetcher):
        """print_templates/ files and data: URLs; anything else stops the rendering."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(TEMPLATE_BASE) and url[len(TEMPLATE_BASE):] in templates:
                name = url[len(TEMPLATE_BASE):]
                kind = "text/css" if name.endswith(".css") else "text/html"
                return URLFetcherResponse(url, templates[name].encode("utf-8"),
                                          {"Content-Type": f"{kind}; charset=utf-8"})
            if url.startswith("data:"):
                return super().fetch(url, headers)
            raise FatalURLFetchingError(url)

    return SiteFetcher(allowed_protocols=("https", "data"), fail_on_errors=True)


def render_pdf(templates: Mapping[str, str], html: str | Sequence[str], *, name: str = "document",
               variant: str | None = None) -> bytes:
    """The PDF of ``html`` — or of several documents, one after the other in one file (a
    report and its certificates, each with its own page styles); refuses characters the fonts
    cannot draw."""
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    parts = [html] if isinstance(html, str) else list(html)
    with _render_lock, _watching_glyphs() as glyphs:
        try:
            documents = [HTML(string=part, base_url=TEMPLATE_BASE, url_fetcher=_fetcher(templates))
                         .render(font_config=_font_config()) for part in parts]
            whole = documents[0].copy([page for d in documents for page in d.pages])
            pdf = whole.write_pdf(pdf_variant=variant)
        except FatalURLFetchingError as exc:
            url = str(exc.__cause__ or exc).removeprefix("Error fetching ").strip('"')
            raise DocumentError(N_("%(name)s: %(url)s: documents load nothing from outside print_templates/"),
                                hint=N_("the portal runs offline; put the file in print_templates/"),
                                name=name, url=url) from None
    if glyphs.missing:
        # each warning names its characters as U+XXXX; each character is named once
        chars = dict.fromkeys(chr(int(code, 16)) for text in glyphs.missing
                              for code in re.findall(r"U\+([0-9A-Fa-f]{4,6})", text))
        named = "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)
        raise DocumentError(N_("%(name)s: no installed font has the character(s) %(chars)s: the "
                               "document cannot be printed"),
                            hint=N_("check the character (mistyped, or from a private-use area?), or "
                                    "install a font that has it"), name=name, chars=named)
    return pdf
