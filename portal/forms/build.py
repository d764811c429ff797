"""Generated WTForms classes, one per form version, and the server-side check of a submission."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import filetype
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage
from wtforms import Form
from wtforms import validators as wv
from wtforms.i18n import get_translations

from portal.forms import rules
from portal.forms.spec import FieldSpec, FormSpec
from portal.forms.types import TYPES


class _Meta:
    """WTForms' own messages (e.g. 'Not a valid integer value.') in the user's language."""

    def get_translations(self, form: Form) -> Any:
        try:
            locale = str(get_locale() or "zh")
        except (RuntimeError, KeyError):  # outside a request: the default language
            locale = "zh"
        return get_translations([locale, "zh"] if locale.startswith("zh") else [locale])


class GeneratedForm(Form):
    """Base of every generated form; ``states`` are the rules worked out for this submission."""

    class Meta(_Meta):
        pass

    spec: FormSpec
    states: dict[str, rules.State]
    draft: bool  # a draft may leave required fields empty; what is typed must still be valid

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.states = {}
        self.draft = False
        self.kept: dict[str, list[dict[str, Any]]] = {}  # upload field -> files already stored


def _empty(field: Any) -> bool:
    if field.type == "FieldList":
        return len(field.entries) == 0
    raw = field.raw_data
    if not raw:
        return field.data in (None, "", [])
    return all(not _text(v) for v in raw)


def _text(value: Any) -> str:
    if isinstance(value, FileStorage):
        return value.filename or ""
    return value.strip() if isinstance(value, str) else "" if value is None else str(value)


class Gate:
    """First validator of every field: the rules decide whether the rest of the chain runs."""

    field_flags = {}

    def __init__(self, spec: FieldSpec, column: bool = False) -> None:
        self.name, self.column, self.required = spec.name, column, spec.required
        most = spec.get("max_length") if "max_length" in TYPES[spec.type].keys else None
        self.most = int(most) if most is not None else TYPES[spec.type].most

    def __call__(self, form: Any, field: Any) -> None:
        cut = self.most is not None and _cut(field, self.most)
        state = None if self.column else form.states.get(self.name)
        if state is not None and (not state.visible or state.readonly):
            field.errors.clear()  # what a hidden or read-only field holds is not the clerk's input
            raise wv.StopValidation()
        if cut:
            field.errors.clear()
            raise wv.StopValidation(_l("at most %(max)d characters: what came after was cut off, "
                                       "check the end") % {"max": self.most})
        if _empty(field) and not getattr(form, "kept", {}).get(self.name):
            field.errors.clear()
            required = self.required if state is None else state.required
            if required and not getattr(form, "draft", False):
                raise wv.StopValidation(_l("This field is required."))
            raise wv.StopValidation()


def _cut(field: Any, most: int) -> bool:
    """Cut what was sent for ``field`` at ``most`` characters; True when there was more."""
    cut = False
    raw = field.raw_data
    if raw and any(isinstance(v, str) and len(v) > most for v in raw):
        field.raw_data = [v[:most] if isinstance(v, str) else v for v in raw]
        cut = True
    if isinstance(field.data, str) and len(field.data) > most:
        field.data = field.data[:most]
        cut = True
    return cut


class RowCount:
    def __init__(self, spec: FieldSpec) -> None:
        self.low, self.high = int(spec.get("min_rows", 0) or 0), spec.get("max_rows")

    def __call__(self, form: Any, field: Any) -> None:
        count = len(field.entries)
        if count < self.low and not form.draft:
            raise wv.ValidationError(_l("at least %(count)d rows") % {"count": self.low})
        if self.high is not None and count > int(self.high):
            raise wv.ValidationError(_l("at most %(count)d rows") % {"count": int(self.high)})


# file name extensions that are one type (filetype names each type by one of them)
SAME_TYPE = {"jpeg": "jpg", "jpe": "jpg", "tiff": "tif"}
# detected contents refused whatever the name and the declaration say: programs and scripts
NEVER = frozenset({"exe", "elf", "swf", "wasm", "crx", "deb", "rpm", "cab"})


def content_problem(upload: FileStorage) -> str | None:
    """Why a file's bytes are not what its name says (``None``: they are, as far as magic bytes
    tell). An empty file; a program, whatever its name; a file whose name says a type that
    magic bytes identify (PDF, JPG, PNG, Word…) but whose bytes are something else — an
    executable named .pdf, an SVG named .png."""
    stream = upload.stream
    here = stream.tell()
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(here)
    if not head:
        return "empty"
    found = filetype.guess(head)
    if found is not None and found.extension in NEVER:
        return "program"
    ext = upload.filename.rsplit(".", 1)[-1].lower() if "." in (upload.filename or "") else ""
    ext = SAME_TYPE.get(ext, ext)
    if ext in KNOWN_BY_MAGIC and (found is None or SAME_TYPE.get(found.extension, found.extension) != ext):
        return "mismatch"
    return None


KNOWN_BY_MAGIC = frozenset(t.extension for t in filetype.types) - NEVER


class Files:
    """An upload's declared limits: count, types, size — and that each file's bytes are what
    its name says (``content_problem``)."""

    def __init__(self, spec: FieldSpec) -> None:
        self.accept = tuple(SAME_TYPE.get(e.lower(), e.lower()) for e in spec.get("accept", ()))
        self.most = spec.get("max_files")
        size = spec.get("max_size_mb")
        self.bytes = None if size is None else int(float(size) * 1024 * 1024)

    def __call__(self, form: Any, field: Any) -> None:
        files = [f for f in field.data or () if getattr(f, "filename", None)]
        count = len(files) + len(getattr(form, "kept", {}).get(field.name, ()))
        if self.most is not None and count > int(self.most):
            raise wv.ValidationError(_l("at most %(count)d files") % {"count": int(self.most)})
        for upload in files:
            problem = self.problem(upload)
            if problem is not None:
                raise wv.ValidationError(problem)

    def problem(self, upload: FileStorage) -> Any:
        """What is wrong with one file (``None``: nothing) — its type, its bytes, its size."""
        ext = upload.filename.rsplit(".", 1)[-1].lower() if "." in (upload.filename or "") else ""
        ext = SAME_TYPE.get(ext, ext)  # .jpeg is a .jpg
        if self.accept and ext not in self.accept:
            return _l("%(name)s: allowed file types are %(types)s") % {"name": upload.filename,
                                                                      "types": "、".join(self.accept)}
        problem = content_problem(upload)
        if problem == "empty":
            return _l("%(name)s is empty: choose the file again") % {"name": upload.filename}
        if problem is not None:
            return _l("%(name)s is not a %(type)s file inside: scan or save it again as %(type)s") % {
                "name": upload.filename, "type": ext.upper() or "?"}
        if self.bytes is not None and _size(upload) > self.bytes:
            return _l("%(name)s is larger than %(size)s MB") % {"name": upload.filename,
                                                               "size": self.bytes // (1024 * 1024)}
        return None


def _size(upload: FileStorage) -> int:
    stream = upload.stream
    here = stream.tell()
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(here)
    return size


def _validators(spec: FieldSpec, column: bool = False) -> list[Any]:
    row = TYPES[spec.type]
    chain: list[Any] = [Gate(spec, column)]
    if row.check is not None:
        chain += row.check(spec)
    if spec.type == "table":
        chain.append(RowCount(spec))
    if spec.type == "upload":
        chain.append(Files(spec))
    return chain


def _field(spec: FieldSpec, column: bool = False) -> Any:
    return TYPES[spec.type].make(spec, _validators(spec, column))


def row_form(table: FieldSpec) -> type[Form]:
    """The form of one row of a repeating table (no CSRF of its own, no rules of its own)."""
    attrs: dict[str, Any] = {c.name: _field(c, column=True) for c in table.columns}
    attrs["Meta"] = type("Meta", (_Meta,), {"csrf": False})
    return type(f"Row_{table.name}", (Form,), attrs)


_classes: dict[str, type[GeneratedForm]] = {}
_building = threading.Lock()


def form_class(spec: FormSpec) -> type[GeneratedForm]:
    """The WTForms class of a form version, built once per content digest."""
    cls = _classes.get(spec.digest)
    if cls is None:
        with _building:
            cls = _classes.get(spec.digest)
            if cls is None:
                attrs: dict[str, Any] = {f.name: _field(f) for f in spec.fields()}
                attrs["spec"] = spec
                cls = type(f"Form_{spec.code.replace('-', '_')}", (GeneratedForm,), attrs)
                _classes[spec.digest] = cls
    return cls


# --- a submission, checked ----------------------------------------------------------------

@dataclass
class Checked:
    """A submission after the server's check: the form to render again, the data to store."""

    form: GeneratedForm
    data: dict[str, Any]  # JSON-ready values of every field
    ok: bool

    @property
    def errors(self) -> dict[str, Any]:
        return self.form.errors


def _value(spec: FieldSpec, field: Any) -> Any:
    """A field's value as the rules see it: None when it could not be read."""
    if field.process_errors:
        return None
    if spec.type == "table":
        return [{c.name: _value(c, entry.form[c.name]) for c in spec.columns} for entry in field.entries]
    if spec.type == "upload":
        kept = list(getattr(field, "kept", ()))
        return kept + [f for f in field.data or () if getattr(f, "filename", None)]
    data = field.data
    return None if data in ("", []) and spec.type not in ("multichoice",) else data


def _dump(spec: FieldSpec, value: Any) -> Any:
    if value is None:
        return None
    if spec.type == "table":
        return [{c.name: _dump(c, row.get(c.name)) for c in spec.columns} for row in value]
    if spec.type == "upload":
        return [v if isinstance(v, Mapping) else {"name": v.filename} for v in value]
    return TYPES[spec.type].dump(value)


def _drop_blank_rows(table: Any) -> None:
    """A row left entirely empty (the blank row a table shows) is no row."""
    table.entries = [entry for entry in table.entries
                     if any(not _empty(cell) for cell in entry.form)]


def load_values(spec: FormSpec, data: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON data -> the values the rules and the form work with."""
    out: dict[str, Any] = {}
    for f in spec.fields():
        value = data.get(f.name)
        if f.type == "table":
            out[f.name] = [{c.name: TYPES[c.type].load(row.get(c.name)) for c in f.columns}
                           for row in value or ()]
        else:
            out[f.name] = TYPES[f.type].load(value)
    return out


def check_submission(spec: FormSpec, formdata: Any, previous: Mapping[str, Any] | None = None,
                     draft: bool = False,
                     kept: Mapping[str, list[dict[str, Any]]] | None = None,
                     online: bool = False) -> Checked:
    """Validate posted data against a form version, rules applied on the server.

    ``previous``: the case's stored data (JSON), for read-only fields to keep. ``draft``: keep
    an unfinished application: required fields may be empty, typed values must be valid.
    ``kept``: per upload field, the files stored earlier (see portal/cases/uploads.py).
    ``online``: filed by the applicant in the public hall: the form's ``staff_only`` fields
    are hidden (empty, not required, whatever was posted for them).
    """
    hidden = spec.staff_only if online else frozenset()
    form = form_class(spec)(formdata)
    form.draft = draft
    form.kept = {name: list(files) for name, files in (kept or {}).items()}
    for name, files in form.kept.items():
        form[name].kept = files
    for f in spec.fields():
        if f.type == "table":
            _drop_blank_rows(form[f.name])
    values = {f.name: _value(f, form[f.name]) for f in spec.fields()}
    before = load_values(spec, previous) if previous is not None else None
    form.states = rules.work_out(spec, values, before, hidden)
    ok = form.validate()
    for f in spec.fields():  # validators may normalise (an X in capitals, say)
        state = form.states[f.name]
        if state.visible and not state.readonly and not form[f.name].errors:
            values[f.name] = _value(f, form[f.name])
    rules.work_out(spec, values, before, hidden)  # computed values from the normalised input
    data = {f.name: _dump(f, values[f.name]) for f in spec.fields()}
    return Checked(form, data, ok)


def blank(spec: FormSpec, data: Mapping[str, Any] | None = None, online: bool = False) -> GeneratedForm:
    """A form showing stored data (or nothing), with its rules worked out (``online``: as the
    public hall shows it, without the staff-only fields)."""
    values = load_values(spec, data or {})
    form = form_class(spec)(data=values)
    form.states = rules.work_out(spec, dict(values), hidden=spec.staff_only if online else frozenset())
    return form


def states_of(spec: FormSpec, data: Mapping[str, Any]) -> dict[str, rules.State]:
    """The rules worked out on stored data, as ``blank`` works them out, without its form (a
    page that shows the data needs only which fields are shown)."""
    return rules.work_out(spec, load_values(spec, data))
