"""Screens and REST APIs generated from the entity registry (portal/web/entities.py).

Each registry row becomes one ModelView (list with search, filters, sorting and paging; show;
add/edit/delete where allowed; CSV export) and one ModelRestApi with its OpenAPI document, both
under one permission name, so a role's grant covers screen and API alike. What rows a user sees
is not decided here: the one scope rule (portal/access/scope.py) filters every query.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, request
from flask_appbuilder import AppBuilder, ModelRestApi
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from marshmallow import Schema
from marshmallow import fields as ma_fields
from sqlalchemy import inspect as sa_inspect
from wtforms import HiddenField

from portal.access.roles import API_METHODS, DELETE, READ, VIEW_METHODS, WRITE, permission
from portal.access.scope import RULES as SCOPE_RULES
from portal.access.scope import may_write
from portal.web.cases.case_page import case_page
from portal.web.csv_export import cell
from portal.web.datamodel import SafeInterface
from portal.web.entities import ENTITIES, Entity
from portal.web.errors import not_yours
from portal.web.labels import LABELS, VALUE_LABELS
from portal.web.openapi import PortalOpenApi
from portal.web.pages import HIDDEN_PAGES, OWN_MENUS, PAGES
from portal.web.screens import LoggedEdits, PortalModelView
from portal.web.site.form_versions import form_version_page
from portal.web.site.published import BASE_VERSION, DeclarationCheck, PublishedScreen, PublishingInterface
from portal.web.site.sections import item_page
from portal.web.stale import SEEN, NotStale, OptimisticScreen, versioned
from portal.web.town import inspection_page


class UtcDateTime(ma_fields.DateTime):
    """A time as RFC 3339 wants it, with its offset: SQLite gives stored times back without
    their zone (they are UTC), which JSON clients cannot read as a moment."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class ForeignKeyConverter(Model2SchemaConverter):
    """Schemas that keep foreign keys: marshmallow 4 + FAB 5.3 fail without (docs/stack-notes.md);
    times always with their offset."""

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        schema = super()._meta_schema_factory(columns, model, class_mixin, parent_schema_name)
        schema.Meta.include_fk = True
        schema.Meta.include_relationships = True
        for declared in schema._declared_fields.values():
            if type(declared) is ma_fields.DateTime:
                declared.__class__ = UtcDateTime  # the same field, serialised with its offset
        return schema


_REFS: dict[type, type[Schema]] = {}


def _ref(model: type) -> type[Schema]:
    """A record as another record's REST row names it: its id and its naming field (a case:
    ``{"id": 7, "number": "MZ202611300007"}``), one schema per model."""
    if model not in _REFS:
        fields = sa_inspect(model).columns
        name = next((n for n in NAMING if n in fields), None)
        _REFS[model] = Schema.from_dict(
            {"id": ma_fields.Integer(), **({name: ma_fields.String()} if name else {})},
            name=f"{model.__name__}Ref")
    return _REFS[model]


class PortalModelApi(ModelRestApi):
    """Base of the generated REST APIs: the browser session works, FKs are kept."""

    allow_browser_login = True
    # FAB exempts APIs from CSRF; with the browser session accepted that would let another
    # site's page write with a clerk's cookie. Unsafe methods need the X-CSRFToken header.
    csrf_exempt = False
    model2schemaconverter = ForeignKeyConverter
    page_size = 25
    max_page_size = 100

    # Optimistic locking over REST, as on the screens (portal/web/stale.py): for a model with a
    # version column, GET of one record answers its version as the ETag, and PUT must send it
    # back as If-Match: without it 428, on top of a newer version 409, and nothing is written.
    def get_headless(self, pk: Any, **kwargs: Any) -> Response:
        response = super().get_headless(pk, **kwargs)
        column = versioned(self.datamodel.obj)
        if column and response.status_code == 200:
            item = self.datamodel.get(pk, self._base_filters)
            response.set_etag(str(getattr(item, column)))
        return response

    def _init_model_schemas(self) -> None:
        """FAB's schemas, with a related record the row cannot name by dotted columns (see
        ``_kept_whole``) named by its id and naming field (``"case": {"id": 7, "number":
        "MZ202611300007"}``) instead of embedded whole, application data and all."""
        super()._init_model_schemas()
        relations = {r.key: r for r in sa_inspect(self.datamodel.obj).relationships}
        for schema in (self.list_model_schema, self.show_model_schema):
            for name in list(schema.fields):
                relation = relations.get(name)
                related = relation.mapper.class_ if relation is not None and not relation.uselist else None
                if related is not None and _kept_whole(name, related):
                    ref = ma_fields.Nested(_ref(related), dump_only=True, allow_none=True)
                    ref._bind_to_schema(name, schema)
                    schema.fields[name] = schema.dump_fields[name] = ref

    def _get_field_info(self, field: Any, filter_rel_field: Any, page: Any = None,
                        page_size: Any = None) -> dict[str, Any]:
        """FAB's, without translating an empty text: gettext("") is the catalog's header."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        for key, texts in (("label", self.label_columns), ("description", self.description_columns)):
            if not texts.get(field.name):
                info[key] = ""
        return info

    def _refused(self, item: Any) -> Response | None:
        """403 with whose it is, for a record the user sees but may not change."""
        if item is not None and not may_write(item):
            return self.response(403, message=not_yours(item))
        return None

    def delete_headless(self, pk: Any) -> Response:
        return self._refused(self.datamodel.get(pk, self._base_filters)) or super().delete_headless(pk)

    def put_headless(self, pk: Any) -> Response:
        item = self.datamodel.get(pk, self._base_filters)  # read once for both checks
        column = versioned(self.datamodel.obj)
        refused = self._refused(item)
        if refused is not None or column is None or item is None:  # FAB answers the 404
            return refused or super().put_headless(pk)
        seen = request.if_match
        if not seen:
            return self.response(428, message=gettext(
                "Send the version you read as If-Match (the ETag of GET): a save must say "
                "which version it changes."))
        if not seen.contains(str(getattr(item, column))):
            return self.response(409, message=gettext(
                "Someone saved this record since you read it: read it again and resend."))
        # a save by another between this check and the write still fails: the UPDATE names
        # the version read here (SQLAlchemy's version_id_col), and FAB answers 422
        return super().put_headless(pk)



# entity -> what its show page needs beyond the record (see PortalModelView.show_page)
SHOW_PAGES: Mapping[str, Callable[[Any], dict[str, Any]]] = {
    "cases": case_page, "items": item_page, "form_versions": form_version_page,
    "town_inspections": inspection_page,
}

def _permissions(entity: Entity, methods: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Methods map onto read/write/delete; a method the entity does not offer maps onto a
    permission no role has, so it is refused even to the center admin."""
    offered = {"add": bool(entity.add_columns), "post": bool(entity.add_columns),
               "edit": bool(entity.edit_columns), "put": bool(entity.edit_columns)}
    mapping = {m: (action if offered.get(m, True) and action in entity.actions else f"{m}_off")
               for m, action in methods.items()}
    base = [permission(a) for a in (READ, WRITE, DELETE) if a in entity.actions]
    return mapping, base


def _formatters(entity: Entity) -> dict[str, Callable[[Any], str]]:
    """Every plain column as people read it (see ``cell``), coded values by their label."""
    out: dict[str, Callable[[Any], str]] = {}
    for column in entity.model.__table__.columns:
        out[column.key] = cell
    for relation in sa_inspect(entity.model).relationships:  # an empty one too: never "None";
        out[relation.key] = cell  # a collection by its records' names, never "[<… object at 0x…>]"
    for key, labels in VALUE_LABELS.items():
        out[key] = functools.partial(_label_of, labels)
    return out


def _label_of(labels: Mapping[str, Any], value: Any) -> str:
    return str(labels.get(value, value))


def view_class(entity: Entity) -> type[PortalModelView]:
    """The screen of one entity."""
    mapping, base = _permissions(entity, VIEW_METHODS)
    datamodel = (PublishingInterface(entity.model, entity) if entity.declared
                 else SafeInterface(entity.model))
    datamodel.shown = tuple(entity.list_columns)
    datamodel.shown_one = tuple(entity.show_columns)
    datamodel.joined_one = tuple(entity.show_joined)
    attrs: dict[str, Any] = {
        "datamodel": datamodel,
        "route_base": f"/{entity.name}",
        "class_permission_name": entity.name,
        "method_permission_name": mapping,
        "base_permissions": base,
        "list_columns": list(entity.list_columns),
        "search_columns": list(entity.search_columns),
        "show_columns": list(entity.show_columns),
        "edit_columns": list(entity.edit_columns) or None,
        "add_columns": list(entity.add_columns) or None,
        "label_columns": _labels(entity),
        "base_order": entity.order,
        "formatters_columns": _formatters(entity),
        "export_extras": entity.export_extras,
        "private_columns": entity.private,
        "list_title": _l(entity.menu),
        "show_title": _l(entity.menu),
        "edit_title": _l(entity.menu),
        "add_title": _l(entity.menu),
    }
    if entity.show_template:
        attrs["show_template"] = entity.show_template
    if entity.name in SHOW_PAGES:
        attrs["show_page"] = staticmethod(SHOW_PAGES[entity.name])
    bases: tuple[type, ...] = (entity.base or PortalModelView,)
    if entity.edit_columns and not entity.declared and versioned(entity.model):
        first = entity.edit_columns[0]  # a second save on a stale form is refused (stale.py)
        attrs["validators_columns"] = {first: [NotStale(entity.model)]}
        attrs["edit_columns"] = [*entity.edit_columns, SEEN]
        attrs["edit_form_extra_fields"] = {SEEN: HiddenField()}
        bases = (OptimisticScreen, *bases)
    if entity.declared:
        attrs["validators_columns"] = {c: [DeclarationCheck(entity)] for c in entity.edit_columns}
        attrs["edit_columns"] = [*entity.edit_columns, BASE_VERSION]
        attrs["edit_form_extra_fields"] = {BASE_VERSION: HiddenField()}
        bases = (PublishedScreen, *bases)
    if entity.logged:
        attrs["logged_columns"] = entity.edit_columns
        bases = (LoggedEdits, *bases)
    name = f"{entity.name.title()}Screen" if entity.base else f"{entity.model.__name__}Screen"
    return type(name, bases, attrs)


def api_class(entity: Entity) -> type[PortalModelApi]:
    """The REST API of one entity, at /api/v1/<name>/."""
    mapping, base = _permissions(entity, API_METHODS)
    writable = not (entity.declared or entity.base)  # else writes need the screen's checks
    if not writable:
        mapping = {m: (a if a == READ else f"{m}_off") for m, a in mapping.items()}
    attrs: dict[str, Any] = {
        "datamodel": SafeInterface(entity.model),
        "resource_name": entity.name,
        "class_permission_name": entity.name,
        "method_permission_name": mapping,
        "base_permissions": base,
        "list_columns": ["id", *_related_by_name(entity, entity.list_columns)],
        "show_columns": ["id", *_related_by_name(entity, tuple(c for c in entity.show_columns
                                                              if c not in entity.private))],
        "search_columns": list(entity.search_columns),
        "order_columns": [c for c in entity.list_columns if c in _plain_columns(entity)],
        "edit_columns": list(entity.edit_columns) if writable else [],
        "add_columns": list(entity.add_columns) if writable else [],
        "label_columns": {**_labels(entity), **_related_labels(entity)},
        "base_order": entity.order,
        "openapi_spec_tag": entity.name,
        # the screen's own narrowing (clerks: clerk-only accounts) holds over REST too
        "base_filters": list(getattr(entity.base, "base_filters", None) or []),
    }
    bases: tuple[type, ...] = (PortalModelApi,)
    if entity.logged and writable:
        attrs["logged_columns"] = entity.edit_columns
        bases = (LoggedEdits, *bases)
    name = f"{entity.name.title()}Api" if entity.base else f"{entity.model.__name__}Api"
    return type(name, bases, attrs)


# how a related record is named in a REST row: its id and the first of these it has
NAMING = ("unified_name", "name", "number", "username", "code")


def _kept_whole(column: str, related: type) -> bool:
    """A scoped record related under another name than its table's (a case as ``case``, a
    代办员 as ``agent``) is read whole, not by dotted columns: for those FAB joins it under an
    alias of the relationship's name, and the scope criterion then names the unaliased table
    (an SQL error). Its REST field names it by reference (``_ref``)."""
    return related in SCOPE_RULES and column != related.__table__.name


def _related_by_name(entity: Entity, columns: tuple[str, ...]) -> list[str]:
    """A REST row names its related records (``item.id``, ``item.name``) instead of embedding
    them whole: a case row would otherwise carry the item's entire declaration (25 rows: 152 KB)."""
    relations = {r.key: r.mapper.class_ for r in sa_inspect(entity.model).relationships if not r.uselist}
    out: list[str] = []
    for column in columns:
        related = relations.get(column)
        if related is None or _kept_whole(column, related):
            out.append(column)
            continue
        fields = sa_inspect(related).columns
        name = next((n for n in NAMING if n in fields), None)
        out += [f"{column}.id"] + ([f"{column}.{name}"] if name else [])
    return out


def _related_labels(entity: Entity) -> dict[str, Any]:
    """``item.name`` reads as the item's label; ``item.id`` as it with "ID"."""
    labels = _labels(entity)
    out: dict[str, Any] = {}
    for column in _related_by_name(entity, (*entity.list_columns, *entity.show_columns)):
        if "." in column:
            relation, field = column.split(".")
            label = labels.get(relation, relation)
            out[column] = _l("%(name)s ID", name=label) if field == "id" else label
    return out


def _labels(entity: Entity) -> dict[str, Any]:
    """Column labels: the shared table, with the entity's own words where a name means more."""
    table = {**LABELS, **entity.labels}
    return {c: table[c] for c in _columns(entity) if c in table}


def _columns(entity: Entity) -> set[str]:
    return {*entity.list_columns, *entity.search_columns, *entity.show_columns,
            *entity.edit_columns, *entity.add_columns}


def _plain_columns(entity: Entity) -> set[str]:
    return {c.key for c in entity.model.__table__.columns}


def register(appbuilder: AppBuilder) -> None:
    """Add every registry entity's screen (with its menu) and API to the app."""
    for entity in ENTITIES:
        if entity.screen:
            appbuilder.add_view(view_class(entity), entity.menu, label=_l(entity.menu),
                                category=entity.category, category_label=_l(entity.category))
        appbuilder.add_api(api_class(entity))

    by_name = {e.name: e for e in ENTITIES}
    for view, menu, entity_name, _ in PAGES:
        # the permission set of the entity's own screen: FAB prunes a view name's permissions
        # to those of the view registered last under that name
        view.base_permissions = _permissions(by_name[entity_name], VIEW_METHODS)[1]
        category = by_name[entity_name].category
        appbuilder.add_view(view, menu, label=_l(menu), category=category,
                            category_label=_l(category))
    for menu, endpoint, _, category in OWN_MENUS:  # opened by their own permission
        appbuilder.add_link(menu, label=_l(menu), href=endpoint, category=category,
                            category_label=_l(category))
    for view in HIDDEN_PAGES:
        if view.class_permission_name in by_name:  # else it keeps a permission of its own
            view.base_permissions = _permissions(by_name[view.class_permission_name], VIEW_METHODS)[1]
        appbuilder.add_view_no_menu(view)
    # the OpenAPI document without FAB's Swagger UI, which loads its scripts from a CDN
    appbuilder.add_api(PortalOpenApi)

