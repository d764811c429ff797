"""Translations looked up once per request.

Flask-Babel finds the request's translations again on every call of gettext: four lookups
through Flask's context-local proxies and the locale's identifier built again, some 8 µs a call.
A worklist makes about eighty calls (its templates and the lazy labels of its values): under
load, 8 % of the time its worker held the interpreter. Here the translations are kept on the
request's ``g`` beside the locale they were found for, and found again only when that locale
is no longer the request's (``flask_babel.refresh`` or ``force_locale``).
"""

from __future__ import annotations

from typing import Any

import flask_babel
from flask import Flask, g
from flask_babel import Domain, get_babel, get_locale
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

KEPT = "_portal_translations"  # in g: (the locale, its translations)
KEPT_WORDS = "_portal_words"  # in a locale's translations: each message as a template shows it
KEPT_TEXTS = "_portal_texts"  # in a locale's translations: each message without variables


class RequestDomain(Domain):
    """Flask-Babel's message domain, its translations kept for the request."""

    def get_translations(self) -> Any:
        try:
            kept_in = g._get_current_object().__dict__
        except RuntimeError:  # outside a request or app context: Flask-Babel's null translations
            return super().get_translations()
        kept = kept_in.get(KEPT)
        babel = kept_in.get("_flask_babel")  # where Flask-Babel keeps the request's locale
        if kept is not None and kept[0] is getattr(babel, "babel_locale", None):
            return kept[1]
        translations = super().get_translations()
        kept_in[KEPT] = (get_locale(), translations)
        return translations

    def gettext(self, string: str, **variables: Any) -> str:
        """Flask-Babel's, a message without variables answered from the locale's kept words
        (the lazy labels of states, lights and columns are read many times a page)."""
        translations = self.get_translations()
        if variables:
            return translations.ugettext(string) % variables
        kept = _kept_in(translations, KEPT_TEXTS)
        text = kept.get(string)
        if text is None:
            text = kept[string] = translations.ugettext(string)
        return text


def _kept_in(translations: Any, name: str) -> dict[Any, Any]:
    """What is kept under ``name`` for a locale's translations (made with them, dropped with them)."""
    kept = translations.__dict__.get(name)
    if kept is None:
        kept = translations.__dict__[name] = {}
    return kept


_babel_get_domain = flask_babel.get_domain


def _get_domain() -> Domain:
    """Flask-Babel's ``get_domain``: the domain it keeps for the request, read from ``g`` in one
    lookup where Flask-Babel makes three through Flask's context-local proxy (half the cost of
    a lazy label's every reading); anything else as Flask-Babel does."""
    try:
        babel = g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:
        return _babel_get_domain()
    domain = babel.__dict__.get("babel_domain") if babel is not None else None
    return domain if domain is not None else _babel_get_domain()


def init_app(app: Flask) -> None:
    """After AppBuilder has set Flask-Babel up: the default domain becomes a ``RequestDomain``
    (Python's gettext and lazy strings), and the templates' gettext calls it directly."""
    babel = get_babel(app)
    domain = RequestDomain(domain=babel.default_domain)
    # Flask-Babel makes its domain once, in a cached property: this fills it first
    babel.instance.__dict__["domain_instance"] = domain
    app.jinja_env.install_gettext_callables(  # as Flask-Babel's, through the kept translations
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )

    @pass_eval_context
    def gettext(eval_ctx: EvalContext, string: str, **variables: Any) -> str:
        """A template's ``_()`` and ``{% trans %}``: Jinja's newstyle gettext, answered from the
        locale's kept words. Jinja's goes through two context calls, the lambda above and
        the catalog, then marks the words safe and formats them (even without variables):
        6.5 µs a call, and a page makes forty or fifty."""
        translations = domain.get_translations()
        if not eval_ctx.autoescape:
            return translations.ugettext(string) % variables
        kept = _kept_in(translations, KEPT_WORDS)
        words = kept.get(string)
        if words is None:
            words = kept[string] = Markup(translations.ugettext(string))
        if variables:
            return words % variables
        # formatted even without variables, as Jinja's ("%%" reads "%"): kept so
        plain = kept.get((string,))
        if plain is None:
            plain = kept[(string,)] = words % variables
        return plain

    # in place of Jinja's wrapper, and of its alias ``_`` (which looked ``gettext`` up and called it)
    app.jinja_env.globals.update(gettext=gettext, _=gettext)
    # (Flask-Babel's gettext and lazy strings look get_domain up in its module on every call)
    flask_babel.get_domain = _get_domain
