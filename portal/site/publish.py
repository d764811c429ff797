"""Publishing a checked site as an immutable, hashed version, and making it current."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from portal.core.canonical import Encoded, plain
from portal.core.errors import N_, PortalError
from portal.core.heap import big_build
from portal.forms.spec import FormSpec
from portal.models import (
    CENTER_SCOPE,
    Center,
    FormVersion,
    Item,
    Offering,
    SitePublication,
    SiteVersion,
    SubCenter,
    Village,
    VillageAgent,
    Window,
    offering_window,
)
from portal.site import Site

M = TypeVar("M")


@dataclass(frozen=True)
class PublishResult:
    version: SiteVersion
    created: bool  # a new version row was written
    published: bool  # the current version changed


def current_version(session: Session) -> SiteVersion | None:
    """The current version — its documents read only when asked for: most callers want its
    number or hash, and a county's documents are megabytes of JSON to decode (a browser save
    asked for the current version eleven times)."""
    return session.scalar(
        select(SiteVersion).join(SitePublication).options(defer(SiteVersion.documents))
        .order_by(SitePublication.id.desc()).limit(1))


def find_version(session: Session, ref: str) -> SiteVersion:
    """A version by number, by (a prefix of) its hash, or 'current'."""
    if ref == "current":
        version = current_version(session)
    elif ref.isdigit():
        version = session.scalar(select(SiteVersion).where(SiteVersion.number == int(ref)))
    else:
        matches = session.scalars(select(SiteVersion).where(
            SiteVersion.content_hash.startswith(ref.lower()))).all() if len(ref) >= 6 else []
        if len(matches) > 1:
            raise PortalError(N_("hash prefix %(ref)s matches %(count)s versions"),
                              hint=N_("give more characters of the hash"), ref=repr(ref),
                              count=len(matches))
        version = matches[0] if matches else None
    if version is None:
        raise PortalError(N_("no published version %(ref)s"),
                          hint=N_("give a version number, a hash of at least 6 characters, or 'current'"),
                          ref=repr(ref))
    return version


@dataclass(frozen=True)
class Undone:
    """A declaration the browser changed that a publication from files would set back."""

    document: str  # "subcenters/mz", "items/mz-dibao", "forms/…", "form_overlays/mz/…", "templates/…"
    versions: tuple[SiteVersion, ...]  # the browser's versions that changed it, oldest first

    def __str__(self) -> str:
        made = "、".join(f"v{v.number} ({v.created_by}, {v.created_at:%Y-%m-%d %H:%M})"
                        for v in self.versions)
        return f"{self.document}: {made}"


def flat_documents(documents: dict[str, Any]) -> dict[str, Any]:
    """Each declaration of a site's documents by its place: the file it is written to."""
    out: dict[str, Any] = {"center": documents.get("center")}
    for kind in ("subcenters", "items", "forms", "templates"):
        out |= {f"{kind}/{code}": data for code, data in documents.get(kind, {}).items()}
    for sub, overlays in documents.get("form_overlays", {}).items():
        out |= {f"form_overlays/{sub}/{code}": data for code, data in overlays.items()}
    return out


def browser_work_undone(session: Session, site: Site) -> list[Undone]:
    """What publishing ``site`` (from files) would undo of the work published in the browser
    since the files were last published: every declaration a browser version changed that
    ``site`` does not hold as the current version has it. Empty when the current version came
    from files, or ``site`` is it, or holds every browser change (a folder exported from the
    current version and edited)."""
    current = current_version(session)
    if current is None or current.source != "browser" or current.content_hash == site.content_hash:
        return []
    chain: list[SiteVersion] = []  # the browser's versions since the last one from files
    base: SiteVersion | None = None
    for publication in session.scalars(select(SitePublication).order_by(SitePublication.id.desc())):
        if publication.version.source != "browser":
            base = publication.version
            break
        if publication.version not in chain:
            chain.append(publication.version)
    chain.reverse()
    before = flat_documents(base.documents) if base is not None else {}
    changed: dict[str, list[SiteVersion]] = {}
    for version in chain:
        now = flat_documents(version.documents)
        for place in now.keys() | before.keys():
            if now.get(place) != before.get(place):
                changed.setdefault(place, []).append(version)
        before = now
    ours, theirs = flat_documents(site.documents), before
    return [Undone(place, tuple(versions)) for place, versions in sorted(changed.items())
            if ours.get(place) != theirs.get(place)]


@big_build
def publish(session: Session, site: Site, by: str, source: str = "cli",
            note: str | None = None) -> PublishResult:
    """Store ``site`` as a version (unless identical to one stored) and make it current.

    Runs in one transaction: on any failure nothing is written. Two publishers racing on the
    same content end with one version.
    """
    for attempt in range(3):
        try:
            result = _publish_once(session, site, by, source, note)
            session.commit()
            return result
        except IntegrityError:
            session.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _publish_once(session: Session, site: Site, by: str, source: str,
                  note: str | None = None) -> PublishResult:
    digest = site.content_hash
    current = current_version(session)
    if current is not None and current.content_hash == digest:
        return PublishResult(current, created=False, published=False)
    version = session.scalar(select(SiteVersion).where(SiteVersion.content_hash == digest))
    created = version is None
    documents = Encoded(site.canonical)  # decoded once, stored as the text it came from
    if version is None:
        number = (session.scalar(select(func.max(SiteVersion.number))) or 0) + 1
        version = SiteVersion(number=number, content_hash=digest, source=source, created_by=by,
                              documents=documents)
        session.add(version)
        session.flush()
    session.add(SitePublication(version=version, published_by=by, note=note))
    materialize(session, site, version, by, documents)
    session.flush()
    return PublishResult(version, created=created, published=True)


def _by(session: Session, model: type[M], key: str = "code") -> dict[Any, M]:
    return {getattr(row, key): row for row in session.scalars(select(model))}


def _upsert(session: Session, existing: dict[Any, M], model: type[M], key: Any, version_id: int,
            **values: Any) -> M:
    """The row of ``key`` made to hold ``values``: added, changed — or left alone when it
    already does. ``version_id`` is the version a row last changed in, so a publication writes
    only what it changes (one phone number: one row, not the site's ten thousand)."""
    row = existing.get(key)
    if row is None:
        row = model(**values, version_id=version_id)
        session.add(row)
        existing[key] = row
    elif any(getattr(row, name) != value for name, value in values.items()):
        for name, value in values.items():
            setattr(row, name, value)
        row.version_id = version_id
    return row


def _retire(rows: dict[Any, Any], keep: set[Any], version_id: int) -> None:
    for key, row in rows.items():
        if key not in keep and row.active:
            row.active = False
            row.version_id = version_id


def materialize(session: Session, site: Site, version: SiteVersion, by: str = "sync",
                documents: dict[str, Any] | None = None) -> None:
    """Bring the entity tables in line with ``site``. Removed entities are retired, not deleted.
    ``documents``: the site's documents when decoded already (read only)."""
    docs = documents if documents is not None else site.documents
    center = docs["center"]
    centers = _by(session, Center)
    _upsert(session, centers, Center, center["code"], code=center["code"], name=center["name"],
            city=center["city"], region_code=center["region_code"], data=center, active=True,
            version_id=version.id)
    _retire(centers, {center["code"]}, version.id)

    items = _by(session, Item)
    for code, spec in site.items.items():
        _upsert(session, items, Item, code, code=code, name=spec.name, type=spec.type,
                type_code=spec.type_code, case_type=spec.case_type, legal_days=spec.legal_days,
                promised_days=spec.promised_days, data=docs["items"][code], active=True,
                version_id=version.id)
    _retire(items, set(site.items), version.id)

    subs, windows = _by(session, SubCenter), _by(session, Window)
    # a sub-center whose declaration is as stored holds its offerings' overlays as stored too
    # (both are written from the same declaration, here): those are not read back and compared
    same = {code for code, row in subs.items() if row.data == docs["subcenters"].get(code)}
    for code, spec in site.subcenters.items():
        _upsert(session, subs, SubCenter, code, code=code, kind=spec.kind, name=spec.name,
                unified_name=spec.unified_name, department=spec.department, address=spec.address,
                phone=spec.phone, hours=spec.hours, data=docs["subcenters"][code], active=True,
                version_id=version.id)
    session.flush()
    declared_windows: set[str] = set()
    for code, spec in site.subcenters.items():
        for window, declared in zip(spec.windows, docs["subcenters"][code]["windows"], strict=True):
            declared_windows.add(window.code)
            _upsert(session, windows, Window, window.code, code=window.code,
                    sub_center_id=subs[code].id, name=window.name, department=window.department,
                    data=declared, active=True, version_id=version.id)
    _retire(windows, declared_windows, version.id)
    _retire(subs, set(site.subcenters), version.id)
    session.flush()
    _villages(session, site, subs, version.id)

    forms = form_versions(session, site, version, by)
    # what every offering holds now, read as plain rows (no ORM object for each of a county's
    # 10,000 offerings): only the ones whose declaration differs are loaded and written
    held = {(r.sub_center_id, r.item_id): r for r in session.execute(select(
        Offering.id, Offering.sub_center_id, Offering.item_id, Offering.promised_days,
        Offering.active, Offering.form_version_id))}
    overlays = {(r.sub_center_id, r.item_id): r.overlay for r in session.execute(
        select(Offering.sub_center_id, Offering.item_id, Offering.overlay)
        .where(Offering.sub_center_id.not_in([subs[code].id for code in same])))}
    linked: dict[int, list[str]] = {}
    for offering_id, code in session.execute(
            select(offering_window.c.offering_id, Window.code)
            .join(Window, Window.id == offering_window.c.window_id).order_by(Window.code)):
        linked.setdefault(offering_id, []).append(code)
    declared: set[tuple[int, int]] = set()
    with session.no_autoflush:  # one flush at the end, not one per offering
        for code, spec in site.subcenters.items():
            for item_code, offering in spec.offerings.items():
                key = (subs[code].id, items[item_code].id)
                declared.add(key)
                form = forms.get((offering.form.code, offering.form.digest)) \
                    if offering.form is not None else None
                now = held.get(key)
                if now is not None and now.promised_days == offering.item.promised_days \
                        and now.active and (code in same or overlays[key] == plain(offering.overlay)) \
                        and now.form_version_id == (form.id if form is not None else None) \
                        and linked.get(now.id, []) == list(offering.windows):
                    continue
                values = {"promised_days": offering.item.promised_days,
                          "overlay": plain(offering.overlay), "active": True}
                row = session.get(Offering, now.id) if now is not None else None
                if row is None:
                    row = Offering(sub_center_id=key[0], item_id=key[1], **values)
                    session.add(row)
                else:
                    for name, value in values.items():
                        setattr(row, name, value)
                row.windows = [windows[w] for w in offering.windows]
                row.form_version = form
                row.version_id = version.id
        retired = [r.id for key, r in held.items() if key not in declared and r.active]
        if retired:
            for row in session.scalars(select(Offering).where(Offering.id.in_(retired))):
                row.active, row.version_id = False, version.id


def _villages(session: Session, site: Site, subs: dict[str, SubCenter], version_id: int) -> None:
    """A town center's village points and their 代办员, kept by village code and by login (a
    republished village or agent keeps its id; one moved to another village moves)."""
    villages, agents = _by(session, Village), _by(session, VillageAgent, "username")
    declared_villages: set[str] = set()
    declared_agents: set[str] = set()
    for code, spec in site.subcenters.items():
        for declared in spec.villages:
            declared_villages.add(declared["code"])
            _upsert(session, villages, Village, declared["code"], code=declared["code"],
                    sub_center_id=subs[code].id, name=declared["name"], address=declared["address"],
                    data={k: plain(v) for k, v in declared.items() if k != "agents"}, active=True,
                    version_id=version_id)
    session.flush()
    for code, spec in site.subcenters.items():
        for declared in spec.villages:
            for agent in declared["agents"]:
                declared_agents.add(agent["username"])
                _upsert(session, agents, VillageAgent, agent["username"], username=agent["username"],
                        village_id=villages[declared["code"]].id, sub_center_id=subs[code].id,
                        name=agent["name"], title=agent["title"], phone=agent["phone"],
                        data=plain(agent), active=True, version_id=version_id)
    _retire(agents, declared_agents, version_id)
    _retire(villages, declared_villages, version_id)


def form_versions(session: Session, site: Site, version: SiteVersion,
                  by: str) -> dict[tuple[str, str], FormVersion]:
    """Every form of ``site`` as a stored version, new ones numbered per form and scope.

    An offering whose sub-center adds nothing to the center's form shares the center's version
    (scope ''); one with additions has versions of its own (scope = the sub-center's code).
    """
    wanted: dict[tuple[str, str], tuple[str, FormSpec]] = {}
    for code, spec in site.forms.items():
        wanted[(code, spec.digest)] = (CENTER_SCOPE, spec)
    for sub_code, sub in site.subcenters.items():
        for offering in sub.offerings.values():
            form = offering.form
            if form is not None and (form.code, form.digest) not in wanted:
                wanted[(form.code, form.digest)] = (sub_code, form)
    stored = {(v.code, v.scope, v.digest): v for v in session.scalars(
        select(FormVersion).where(FormVersion.code.in_({code for code, _ in wanted})))}
    numbers: dict[tuple[str, str], int] = {}
    for v in stored.values():
        numbers[(v.code, v.scope)] = max(numbers.get((v.code, v.scope), 0), v.number)
    out: dict[tuple[str, str], FormVersion] = {}
    for (code, digest), (scope, spec) in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[1][0])):
        row = stored.get((code, scope, digest))
        if row is None:
            numbers[(code, scope)] = numbers.get((code, scope), 0) + 1
            row = FormVersion(code=code, scope=scope, number=numbers[(code, scope)], digest=digest,
                              title=spec.title, definition=plain(spec.data),
                              site_version_id=version.id, created_by=by)
            session.add(row)
        out[(code, digest)] = row
    session.flush()
    return out
