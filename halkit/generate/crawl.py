"""Infer a draft profile from a live HAL API: walk it, cluster what was seen into types.

:func:`from_crawl` walks the API breadth-first from its entry URL with GET
requests only (through :meth:`halkit.Client.request`; templated links and
links to other origins are recorded, not followed), and keeps every resource
it sees: the documents fetched and the resources embedded in them.

**Types.** A resource's key is the path pattern of its canonical URL (its
``self`` href, else the URL it was fetched from; the query is dropped), with
id-like segments (numbers, UUIDs, long tokens) replaced by ``{id}``:
``/v1/applications/52/users/7`` is ``/v1/applications/{id}/users/{id}``. One
pattern is one type. Collections (resources with ``_embedded`` resources)
whose patterns differ but whose shapes agree (the same properties, the same
non-paging rels, the same embedded rels holding the same item types) are one
type: the users of an application and the members of a channel are both pages
of users. Types are named after their patterns (``user``, ``user-page``,
``root`` for the entry).

**Statements and their support.** Properties: the JSON types seen, ``format:
date-time`` when every string value is an RFC 3339 instant, required when
every resource of the type had it. Link relations: required when every
resource had it (paging rels never are), templated with the variables every
href declared, and the target type where the links led (when they all led to
one type). Embedded rels: the item type. Each statement's description says
how many resources support it ("in 12 of 12"), so a reviewer sees what rests
on one sighting.

**Left as TODO** (never guessed): a crawl sends only GET, so other methods are
unknown; rels never followed (templated, other origin, the limit) or leading
to several types have no target; how clients authenticate is not visible.

The result is deterministic for the same API state: resources are visited in
a stable order and every output is sorted.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Mapping, Optional, Sequence, Set, Tuple, Union
from urllib.parse import urlsplit

from .. import uri
from ..exceptions import HalkitError
from ..hal import escape_token
from ..violations import is_rfc3339_date_time
from ._report import TODO, GenerateError, Report, write_files

if TYPE_CHECKING:  # pragma: no cover
    from ..client import Client

__all__ = ["compare_profiles", "crawl_profile", "from_crawl", "path_pattern"]

MANIFEST_FILE = "profile.json"
SCHEMAS_FILE = "schemas.json"
#: Paging rels: present or not by a page's position, so never required.
PAGING_RELS = frozenset({"first", "prev", "previous", "next", "last"})
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
_TOKEN = re.compile(r"(?=.*[0-9])[A-Za-z0-9_-]{16,}\Z")


def _id_like(segment: str) -> bool:
    return segment.isdigit() or bool(_UUID.match(segment)) or bool(_TOKEN.match(segment))


def path_pattern(url: str) -> str:
    """The path pattern of a URL: its path, id-like segments replaced by ``{id}``.

    >>> path_pattern("https://api.example/v1/applications/52/users/7?page=1")
    '/v1/applications/{id}/users/{id}'

    :param url: an absolute URL.
    """
    segments = [s for s in urlsplit(url).path.split("/") if s]
    return "/" + "/".join("{id}" if _id_like(s) else s for s in segments)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        return word[:-1]
    return word


def _kebab(word: str) -> str:
    word = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", word)
    return re.sub(r"[^a-z0-9]+", "-", word.lower()).strip("-") or "resource"


# -- what the walk sees -----------------------------------------------------------


@dataclass
class _Seen:
    """One resource seen (fetched, or embedded in one that was)."""

    index: int
    url: Optional[str]
    document: Dict[str, Any]
    key: str
    embedded_in: Optional[int] = None
    #: (rel, item indexes, was an array)
    embedded: List[Tuple[str, List[int], bool]] = field(default_factory=list)
    #: (rel, href, templated, resolved URL or None)
    links: List[Tuple[str, str, bool, Optional[str]]] = field(default_factory=list)


class _Walk:
    def __init__(self, client: "Client", entry_url: str, max_resources: int, report: Report) -> None:
        self.client = client
        self.entry_url = entry_url
        self.max_resources = max_resources
        self.report = report
        self.seen: List[_Seen] = []
        self.by_url: Dict[str, int] = {}
        self.fetched = 0
        self.errors: List[str] = []
        self.truncated = False
        self.origins = {uri.origin(entry_url)}
        self.entry_index: Optional[int] = None
        self.probed: Dict[str, Optional[List[str]]] = {}
        self.probes = 0

    def run(self) -> None:
        queue: Deque[str] = deque([self.entry_url])
        queued: Set[str] = {uri.normalize(self.entry_url)}
        while queue:
            if self.fetched >= self.max_resources:
                self.truncated = True
                break
            url = queue.popleft()
            try:
                response = self.client.request("GET", url)
                document = response.json()
            except (HalkitError, ValueError) as exc:
                self.errors.append(f"GET {url}: {exc}")
                continue
            self.fetched += 1
            if not isinstance(document, dict):
                self.errors.append(f"GET {url}: not a JSON object")
                continue
            index = self._add(url, document, None)
            if self.entry_index is None:
                self.entry_index = index
            for follow in self._followable(index):
                key = uri.normalize(follow)
                if key not in queued:
                    queued.add(key)
                    queue.append(follow)

    def allowed(self, url: str) -> Optional[List[str]]:
        """The methods an OPTIONS request's ``Allow`` header lists for ``url`` (HEAD and OPTIONS left out)."""
        key = uri.normalize(url)
        if key not in self.probed:
            response: Any = None
            try:
                response = self.client.request("OPTIONS", url)
            except HalkitError as exc:
                response = getattr(exc, "response", None)  # a 405 names the allowed methods too
            self.probes += 1
            header = response.headers.get("Allow") if response is not None else None
            methods = {m.strip().upper() for m in header.split(",")} if header else set()
            self.probed[key] = [m for m in _METHODS if m in methods] or None
        return self.probed[key]

    def _add(self, url: Optional[str], document: Dict[str, Any], parent: Optional[int], rel: str = "") -> int:
        links = document.get("_links")
        self_href = None
        if isinstance(links, dict) and isinstance(links.get("self"), dict):
            href = links["self"].get("href")
            if isinstance(href, str) and not links["self"].get("templated"):
                self_href = href
        base = url or (self.seen[parent].url if parent is not None else None) or self.entry_url
        canonical = _resolve(base, self_href) if self_href else url
        if canonical is not None:
            key = path_pattern(canonical)
        else:
            assert parent is not None
            key = f"{self.seen[parent].key}#_embedded/{rel}"
        index = len(self.seen)
        seen = _Seen(index, canonical, document, key, embedded_in=parent)
        self.seen.append(seen)
        for candidate in (url, canonical):
            if candidate is not None:
                self.by_url.setdefault(uri.normalize(candidate), index)
        if isinstance(links, dict):
            for rel in sorted(links):
                if rel == "curies":
                    continue
                value = links[rel]
                for obj in value if isinstance(value, list) else [value]:
                    if not isinstance(obj, dict) or not isinstance(obj.get("href"), str):
                        continue
                    href = obj["href"]
                    templated = bool(obj.get("templated"))
                    resolved = None if templated else _resolve(base, href)
                    seen.links.append((rel, href, templated, resolved))
        embedded = document.get("_embedded")
        if isinstance(embedded, dict):
            for rel in sorted(embedded):
                value = embedded[rel]
                items = value if isinstance(value, list) else [value]
                indexes = [self._add(None, item, index, rel) for item in items if isinstance(item, dict)]
                seen.embedded.append((rel, indexes, isinstance(value, list)))
        return index

    def _followable(self, index: int) -> List[str]:
        out: List[str] = []
        stack = [index]
        while stack:
            current = self.seen[stack.pop()]
            for _rel, _href, templated, resolved in current.links:
                if templated or resolved is None:
                    continue
                try:
                    uri.check_scheme(resolved)
                    if uri.origin(resolved) not in self.origins:
                        continue
                except HalkitError:
                    continue
                out.append(resolved)
            for _rel, items, _array in current.embedded:
                stack.extend(reversed(items))
        return out


def _resolve(base: str, href: str) -> Optional[str]:
    try:
        return uri.resolve(base, href)
    except HalkitError:
        return None


# -- clustering -------------------------------------------------------------------


@dataclass
class _Cluster:
    keys: List[str]
    members: List[int]
    name: str = ""


class _Inference:
    def __init__(self, walk: _Walk, name: str, report: Report, probe_methods: bool = False) -> None:
        self.probe_methods = probe_methods
        self.walk = walk
        self.name = name
        self.report = report
        self.clusters: List[_Cluster] = []
        self.of: Dict[int, int] = {}  # seen index -> cluster index

    def cluster(self) -> None:
        by_key: Dict[str, List[int]] = {}
        for seen in self.walk.seen:
            by_key.setdefault(seen.key, []).append(seen.index)
        for key in sorted(by_key):
            self.clusters.append(_Cluster([key], by_key[key]))
        self._index()
        # collections of the same shape at different paths are one type
        groups: Dict[Tuple[Any, ...], List[int]] = {}
        for i, cluster in enumerate(self.clusters):
            signature = self._collection_signature(cluster)
            if signature is not None:
                groups.setdefault(signature, []).append(i)
        merged: Set[int] = set()
        for members in groups.values():
            if len(members) < 2:
                continue
            first = self.clusters[members[0]]
            for other in members[1:]:
                first.keys.extend(self.clusters[other].keys)
                first.members.extend(self.clusters[other].members)
                merged.add(other)
            self.report.infer("types", f"one collection type for {', '.join(first.keys)} (same shape)")
        self.clusters = [c for i, c in enumerate(self.clusters) if i not in merged]
        for cluster in self.clusters:
            cluster.members.sort()
        self._index()
        self._name()

    def _index(self) -> None:
        self.of = {member: i for i, cluster in enumerate(self.clusters) for member in cluster.members}

    def _collection_signature(self, cluster: _Cluster) -> Optional[Tuple[Any, ...]]:
        embedded: Set[Tuple[str, int]] = set()
        props: Set[str] = set()
        rels: Set[str] = set()
        for member in cluster.members:
            seen = self.walk.seen[member]
            props.update(k for k in seen.document if k not in ("_links", "_embedded"))
            rels.update(rel for rel, *_ in seen.links if rel not in PAGING_RELS)
            for rel, items, _array in seen.embedded:
                embedded.update((rel, self.of[item]) for item in items)
        if not embedded:
            return None
        return (frozenset(props), frozenset(rels), frozenset(embedded))

    def _is_collection(self, cluster: _Cluster) -> bool:
        return any(self.walk.seen[m].embedded or "page" in self.walk.seen[m].document for m in cluster.members)

    def _name(self) -> None:
        taken: Set[str] = set()
        entry = self.walk.entry_index
        order = sorted(
            range(len(self.clusters)),
            key=lambda i: (not self._is_collection(self.clusters[i]), self.clusters[i].keys[0]),
        )
        # items first, so that pages can be named after them
        for i in reversed(order):
            cluster = self.clusters[i]
            if entry is not None and entry in cluster.members:
                base = "root"
            elif self._is_collection(cluster):
                items = {
                    self.of[item]
                    for m in cluster.members
                    for _rel, indexes, _a in self.walk.seen[m].embedded
                    for item in indexes
                }
                named = [self.clusters[c].name for c in items if self.clusters[c].name]
                base = (named[0] if len(set(named)) == 1 else _singular(_literal(cluster.keys[0]))) + "-page"
            else:
                base = _base_name(cluster.keys[0])
            name = _kebab(base)
            n = 2
            while name in taken:
                name = f"{_kebab(base)}-{n}"
                n += 1
            taken.add(name)
            cluster.name = name

    # -- statements -----------------------------------------------------------------

    def properties(self, cluster: _Cluster) -> Tuple[Dict[str, Any], List[str]]:
        total = len(cluster.members)
        values: Dict[str, List[Any]] = {}
        for member in cluster.members:
            for key, value in self.walk.seen[member].document.items():
                if key in ("_links", "_embedded"):
                    continue
                values.setdefault(key, []).append(value)
        props: Dict[str, Any] = {}
        required = []
        for key in sorted(values):
            seen_values = values[key]
            schema = _value_schema(seen_values)
            schema["description"] = f"In {len(seen_values)} of {total} resources."
            props[key] = schema
            if len(seen_values) == total:
                required.append(key)
        return props, required

    def links(self, cluster: _Cluster) -> Dict[str, Any]:
        total = len(cluster.members)
        paged = self._is_collection(cluster)
        per_rel: Dict[str, Dict[str, Any]] = {}
        for member in cluster.members:
            present: Set[str] = set()
            for rel, href, templated, resolved in self.walk.seen[member].links:
                data = per_rel.setdefault(
                    rel, {"present": 0, "templated": [], "targets": Counter(), "unfollowed": 0, "first": None}
                )
                if rel not in present:
                    present.add(rel)
                    data["present"] += 1
                if templated:
                    data["templated"].append(href)
                    continue
                target = self.walk.by_url.get(uri.normalize(resolved)) if resolved else None
                if target is None:
                    data["unfollowed"] += 1
                else:
                    data["targets"][self.clusters[self.of[target]].name] += 1
                    if data["first"] is None:
                        data["first"] = resolved
        rules: Dict[str, Any] = {}
        for rel in sorted(per_rel):
            data = per_rel[rel]
            where = f"{MANIFEST_FILE}#/types/{escape_token(cluster.name)}/links/{escape_token(rel)}"
            paging = paged and rel in PAGING_RELS
            rule: Dict[str, Any] = {"required": data["present"] == total and not paging}
            support = f"in {data['present']} of {total} resources"
            if paging:
                support += " (a paging rel: present by the page's position)"
            if data["templated"]:
                rule["templated"] = True
                names: Optional[Set[str]] = None
                for href in data["templated"]:
                    try:
                        found = set(uri.variables(href))
                    except HalkitError:
                        continue
                    names = found if names is None else names & found
                if names:
                    rule["variables"] = sorted(names)
            targets: Counter[str] = data["targets"]
            if len(targets) == 1:
                led_to = next(iter(targets))
                rule["target"] = led_to
                rule["description"] = (
                    f"Led to {led_to} ({targets[led_to]} of {targets[led_to] + data['unfollowed']} links); {support}."
                )
                self.report.infer("links", f"{cluster.name} {rel} -> {led_to} ({support})")
            else:
                rule["target"] = None
                if targets:
                    spread = ", ".join(f"{name} ({count})" for name, count in sorted(targets.items()))
                    rule["description"] = f"{TODO} the links led to several types: {spread}; {support}."
                    self.report.todo(where, f"led to several types: {spread}")
                else:
                    why = "templated" if data["templated"] else "never followed (another origin, an error or the limit)"
                    rule["description"] = f"{TODO} {why}: its target type is unknown; {support}."
                    self.report.todo(where, f"{why}: target unknown")
            if self.probe_methods and data["first"] is not None:
                allowed = self.walk.allowed(data["first"])
                if allowed:
                    rule["methods"] = allowed
                    rule["description"] += f" Methods: the Allow header of OPTIONS {path_pattern(data['first'])}."
                    self.report.infer("methods", f"{cluster.name} {rel}: {', '.join(allowed)}")
            rules[rel] = rule
        return rules

    def embedded(self, cluster: _Cluster) -> Dict[str, Any]:
        per_rel: Dict[str, Tuple[Counter[str], Set[bool], int]] = {}
        for member in cluster.members:
            for rel, items, array in self.walk.seen[member].embedded:
                counts, arrays, present = per_rel.get(rel, (Counter(), set(), 0))
                counts.update(self.clusters[self.of[item]].name for item in items)
                arrays.add(array)
                per_rel[rel] = (counts, arrays, present + 1)
        out: Dict[str, Any] = {}
        for rel in sorted(per_rel):
            counts, arrays, present = per_rel[rel]
            if len(counts) != 1:
                where = f"{MANIFEST_FILE}#/types/{escape_token(cluster.name)}/embedded/{escape_token(rel)}"
                self.report.todo(where, f"items of several types ({', '.join(sorted(counts))}): left out")
                continue
            item = next(iter(counts))
            rule: Dict[str, Any] = {
                "type": item,
                "description": f"{counts[item]} {item} resources in {present} of {len(cluster.members)} resources.",
            }
            if len(arrays) == 1:
                rule["array"] = next(iter(arrays))
            out[rel] = rule
            self.report.infer("embedded", f"{cluster.name} _embedded.{rel} -> {item}")
        return out


def _literal(pattern: str) -> str:
    literals = [s for s in pattern.split("#")[0].split("/") if s and s != "{id}"]
    return literals[-1] if literals else "resource"


def _base_name(pattern: str) -> str:
    segments = [s for s in pattern.split("#")[0].split("/") if s]
    if "#_embedded/" in pattern:  # embedded without a self link: named after its rel
        return _singular(pattern.rsplit("/", 1)[-1])
    if segments and segments[-1] == "{id}":
        return _singular(_literal(pattern))
    return _literal(pattern)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _value_schema(values: Sequence[Any]) -> Dict[str, Any]:
    kinds = sorted({_json_type(v) for v in values})
    if "integer" in kinds and "number" in kinds:
        kinds.remove("integer")
    schema: Dict[str, Any] = {"type": kinds[0] if len(kinds) == 1 else kinds}
    if kinds == ["string"] and all(is_rfc3339_date_time(v) for v in values):
        schema["format"] = "date-time"
    return schema


# -- the profile ----------------------------------------------------------------------


def _build(inference: _Inference, name: str, entry_url: str, base_uri: str) -> Dict[str, Any]:
    report = inference.report
    walk = inference.walk
    types: Dict[str, Any] = {}
    defs: Dict[str, Any] = {}
    for cluster in sorted(inference.clusters, key=lambda c: c.name):
        props, required = inference.properties(cluster)
        schema: Dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        defs[cluster.name] = schema
        spec: Dict[str, Any] = {
            "description": f"Seen {len(cluster.members)} times, at {', '.join(sorted(cluster.keys))}.",
            "schema": f"{SCHEMAS_FILE}#/$defs/{escape_token(cluster.name)}",
        }
        links = inference.links(cluster)
        if links:
            spec["links"] = links
        embedded = inference.embedded(cluster)
        if embedded:
            spec["embedded"] = embedded
        types[cluster.name] = spec
        report.infer(
            "types",
            f"{cluster.name}: {len(cluster.members)} resources, {len(props)} properties ({len(required)} required), "
            f"{len(links)} rels",
        )
    entry = inference.clusters[inference.of[walk.entry_index]].name if walk.entry_index is not None else None
    if entry is None:
        raise GenerateError(f"GET {entry_url} gave no HAL resource: nothing to infer ({'; '.join(walk.errors[:1])})")
    manifest = {
        "$schema": "https://halkit.dev/schemas/profile.schema.json",
        "name": name,
        "title": f"Inferred from a crawl of {entry_url}",
        "description": (
            f"Generated by halkit from a crawl of {walk.fetched} resources. "
            + (
                "Methods are those the targets' Allow headers listed (OPTIONS); "
                f"{TODO} how clients authenticate is unknown."
                if inference.probe_methods
                else f"{TODO} a crawl sends only GET: the other methods of each rel, and how clients authenticate, are unknown."
            )
        ),
        "base_uri": base_uri,
        "entry": {
            "type": entry,
            "default_environment": "default",
            "environments": {"default": {"entry_url": entry_url, "description": "Where the crawl started."}},
        },
        "auth": {"type": "none", "description": f"{TODO} a crawl does not see how clients authenticate."},
        "types": types,
    }
    report.todo(f"{MANIFEST_FILE}#/auth", "how clients authenticate is not visible to a crawl")
    if not inference.probe_methods:
        report.todo(f"{MANIFEST_FILE}#/types", "a crawl sends only GET: other methods unknown")
    return {
        MANIFEST_FILE: manifest,
        SCHEMAS_FILE: {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": base_uri + SCHEMAS_FILE,
            "title": "Inferred property schemas",
            "description": "The properties seen on each type, with how many resources had them.",
            "$defs": defs,
        },
    }


def crawl_profile(
    client_or_url: Union["Client", str],
    *,
    name: str = "crawled",
    max_resources: int = 1000,
    base_uri: Optional[str] = None,
    compare_with: Any = None,
    probe_methods: bool = False,
) -> Tuple[Dict[str, Any], Report]:
    """Crawl a HAL API and infer a profile, in memory.

    :param client_or_url: a :class:`halkit.Client` (its entry URL, auth and
        session are used; its profile, if any, is not), or an entry URL (a
        client without auth is made for the walk).
    :param name: the profile's name.
    :param max_resources: stop after fetching this many resources.
    :param base_uri: the profile's ``base_uri`` (default ``https://halkit.dev/profiles/<name>/``).
    :param compare_with: a profile (object, name or path) to compare the result
        with; the report then has a ``comparison`` table.
    :param probe_methods: also send one ``OPTIONS`` request per rel (to the
        first URL it led to) and take the methods its ``Allow`` header lists
        (a ``405`` answer lists them too); without it a crawl sends only GET
        and leaves methods unknown.
    :returns: ``(files, report)``.
    :raises halkit.generate.GenerateError: the entry URL gives no resource.
    """
    from ..client import Client

    own = isinstance(client_or_url, str)
    client = Client(client_or_url) if isinstance(client_or_url, str) else client_or_url
    entry_url = client.entry_url
    report = Report(source=entry_url, name=name)
    base_uri = base_uri or f"https://halkit.dev/profiles/{name}/"
    try:
        walk = _Walk(client, entry_url, max_resources, report)
        walk.run()
        if walk.entry_index is None:
            raise GenerateError(
                f"GET {entry_url} gave no HAL resource: {'; '.join(walk.errors[:1]) or 'nothing fetched'}"
            )
        inference = _Inference(walk, name, report, probe_methods)
        inference.cluster()
        files = _build(inference, name, entry_url, base_uri)  # probes methods, if asked to
    finally:
        if own:
            client.close()
    from ..registry import Profile

    try:
        generated = Profile.from_data(
            files[MANIFEST_FILE], {SCHEMAS_FILE: files[SCHEMAS_FILE]}, origin=f"<crawled {name}>"
        )
    except HalkitError as exc:  # pragma: no cover - a bug of this module
        raise GenerateError(f"the inferred profile does not load: {exc}") from exc
    report.stats["resources fetched"] = walk.fetched
    report.stats["embedded resources seen"] = sum(1 for s in walk.seen if s.embedded_in is not None)
    report.stats["types"] = len(inference.clusters)
    report.stats["link relations"] = sum(len(t.get("links", {})) for t in files[MANIFEST_FILE]["types"].values())
    report.stats["errors"] = len(walk.errors)
    if probe_methods:
        report.stats["OPTIONS probes"] = walk.probes
    report.stats["truncated"] = walk.truncated
    report.notes.extend(walk.errors)
    invalid = 0
    for seen in walk.seen:
        if seen.embedded_in is None:
            invalid += bool(generated.validate(seen.document, inference.clusters[inference.of[seen.index]].name))
    report.stats["fetched resources invalid against the inferred profile"] = invalid
    if compare_with is not None:
        samples = {c.name: [walk.seen[m].document for m in c.members] for c in inference.clusters}
        report.tables["comparison"] = compare_profiles(files, compare_with, samples)
    report.todos.sort()
    return files, report


def from_crawl(
    client_or_url: Union["Client", str],
    out_dir: Union[str, "os.PathLike[str]", None],
    *,
    name: Optional[str] = None,
    max_resources: int = 1000,
    base_uri: Optional[str] = None,
    compare_with: Any = None,
    probe_methods: bool = False,
) -> Report:
    """Crawl a HAL API and write the inferred draft profile into a folder.

    :param client_or_url: a :class:`halkit.Client`, or the API's entry URL.
    :param out_dir: the folder to write (``None``: a dry run that only reports).
    :param name: the profile's name (default: the folder's name, else ``crawled``).
    :param max_resources: stop after fetching this many resources.
    :param base_uri: the profile's ``base_uri``.
    :param compare_with: a profile (object, name or path) to compare with (see :func:`compare_profiles`).
    :param probe_methods: learn each rel's methods from an ``OPTIONS`` request (see :func:`crawl_profile`).
    :returns: the :class:`~halkit.generate.Report` (``print(report)`` shows it).
    :raises halkit.generate.GenerateError: the entry URL gives no resource.
    """
    if name is None:
        name = "crawled"
        if out_dir is not None:
            name = re.sub(r"[^a-z0-9_.-]+", "-", pathlib.Path(out_dir).resolve().name.lower()).strip("-") or name
    files, report = crawl_profile(
        client_or_url,
        name=name,
        max_resources=max_resources,
        base_uri=base_uri,
        compare_with=compare_with,
        probe_methods=probe_methods,
    )
    if out_dir is not None:
        report.files = write_files(out_dir, files)
        report.out_dir = os.fspath(out_dir)
    else:
        report.files = sorted(files)
    return report


# -- comparing with a reference profile --------------------------------------------------


def _reference_files(reference: Any) -> Tuple[Any, Dict[str, Any], Dict[str, Any]]:
    """(profile, manifest, schema files by name) of a reference profile (object, name or path)."""
    from .. import registry

    profile = reference if isinstance(reference, registry.Profile) else registry.profile(reference)
    folder = pathlib.Path(profile.origin)
    if not (folder / MANIFEST_FILE).is_file():
        raise GenerateError(f"{profile.origin}: the reference profile's folder cannot be read")
    manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    schemas = {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(folder.glob("*.json"))
        if p.name != MANIFEST_FILE
    }
    return profile, manifest, schemas


def _schema_properties(schemas: Mapping[str, Any], file: str, node: Any, depth: int = 0) -> Tuple[Set[str], Set[str]]:
    """(property names, required names) of a schema, through relative ``$ref`` and ``allOf``."""
    names: Set[str] = set()
    required: Set[str] = set()
    if not isinstance(node, dict) or depth > 20:
        return names, required
    ref = node.get("$ref")
    if isinstance(ref, str):
        target_file, _, pointer = ref.partition("#")
        target_file = target_file or file
        target: Any = schemas.get(target_file)
        for token in [t for t in pointer.split("/") if t]:
            target = target.get(token.replace("~1", "/").replace("~0", "~")) if isinstance(target, dict) else None
        more = _schema_properties(schemas, target_file, target, depth + 1)
        names |= more[0]
        required |= more[1]
    for part in node.get("allOf") or []:
        more = _schema_properties(schemas, file, part, depth + 1)
        names |= more[0]
        required |= more[1]
    if isinstance(node.get("properties"), dict):
        names |= set(node["properties"])
    if isinstance(node.get("required"), list):
        required |= set(node["required"])
    return names, required


def _ratio(common: int, total: int) -> str:
    return f"{common}/{total}"


def compare_profiles(
    inferred: Mapping[str, Any], reference: Any, samples: Mapping[str, Sequence[Any]]
) -> List[List[str]]:
    """Compare an inferred profile with a reference one, type by type; return a table.

    Each inferred type is matched to the reference type its resources are
    (by the reference profile's :meth:`~halkit.registry.Profile.infer_types`,
    majority of ``samples``). Per reference type: properties and rels that
    both profiles name, out of the reference's; whether the required sets
    agree; and how many shared rels have the same target and the same methods.

    :param inferred: the inferred profile's files (``profile.json``, ``schemas.json``).
    :param reference: the reference profile (object, name or path to its folder).
    :param samples: documents of each inferred type.
    :returns: rows, the first being the header.
    """
    profile, manifest, schemas = _reference_files(reference)
    mapping: Dict[str, str] = {}
    for name, documents in sorted(samples.items()):
        votes: Counter[str] = Counter()
        for document in documents:
            candidates = profile.infer_types(document)
            if len(candidates) == 1:
                votes[candidates[0]] += 1
        if votes:
            mapping[name] = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    inferred_types = inferred[MANIFEST_FILE]["types"]
    inferred_defs = inferred[SCHEMAS_FILE]["$defs"]
    rows = [
        [
            "reference type",
            "inferred as",
            "resources",
            "properties",
            "required same",
            "rels",
            "required rels same",
            "targets same",
            "methods same",
        ]
    ]
    totals: Counter[str] = Counter()
    for ref_type in sorted(manifest["types"]):
        ref_spec = manifest["types"][ref_type]
        ours = sorted(name for name, target in mapping.items() if target == ref_type)
        ref_props, ref_required = (
            _schema_properties(schemas, ref_spec["schema"].partition("#")[0], {"$ref": ref_spec["schema"]})
            if "schema" in ref_spec
            else (set(), set())
        )
        ref_links = ref_spec.get("links", {})
        totals["types"] += 1
        totals["ref properties"] += len(ref_props)
        totals["ref rels"] += len(ref_links)
        if not ours:
            rows.append([ref_type, "-", "0", _ratio(0, len(ref_props)), "-", _ratio(0, len(ref_links)), "-", "-", "-"])
            continue
        totals["matched"] += 1
        props: Set[str] = set()
        required: Set[str] = set()
        rels: Dict[str, Any] = {}
        count = 0
        for name in ours:
            props |= set(inferred_defs[name].get("properties", {}))
            required |= set(inferred_defs[name].get("required", []))
            rels.update(inferred_types[name].get("links", {}))
            count += len(samples[name])
        common_props = props & ref_props
        common_rels = set(rels) & set(ref_links)
        ref_required_rels = {rel for rel, rule in ref_links.items() if rule.get("required")}
        our_required_rels = {rel for rel, rule in rels.items() if rule.get("required")}
        same_targets = sum(
            1 for rel in common_rels if mapping.get(rels[rel].get("target") or "", None) == ref_links[rel].get("target")
        )
        same_methods = sum(
            1
            for rel in common_rels
            if set(rels[rel].get("methods", ["GET"])) == set(ref_links[rel].get("methods", ["GET"]))
        )
        totals["same methods"] += same_methods
        totals["common properties"] += len(common_props)
        totals["extra properties"] += len(props - ref_props)
        totals["common rels"] += len(common_rels)
        totals["extra rels"] += len(set(rels) - set(ref_links))
        totals["same targets"] += same_targets
        totals["required same"] += required == ref_required
        totals["required rels same"] += our_required_rels == ref_required_rels
        rows.append(
            [
                ref_type,
                ", ".join(ours),
                str(count),
                _ratio(len(common_props), len(ref_props))
                + (f" (+{len(props - ref_props)})" if props - ref_props else ""),
                "yes" if required == ref_required else f"no: {', '.join(sorted(required ^ ref_required))}",
                _ratio(len(common_rels), len(ref_links))
                + (f" (+{len(set(rels) - set(ref_links))})" if set(rels) - set(ref_links) else ""),
                "yes"
                if our_required_rels == ref_required_rels
                else f"no: {', '.join(sorted(our_required_rels ^ ref_required_rels))}",
                _ratio(same_targets, len(common_rels)),
                _ratio(same_methods, len(common_rels)),
            ]
        )
    rows.append(
        [
            "total",
            f"{totals['matched']}/{totals['types']} types",
            "",
            f"{totals['common properties']}/{totals['ref properties']} (+{totals['extra properties']})",
            f"{totals['required same']}/{totals['matched']}",
            f"{totals['common rels']}/{totals['ref rels']} (+{totals['extra rels']})",
            f"{totals['required rels same']}/{totals['matched']}",
            f"{totals['same targets']}/{totals['common rels']}",
            f"{totals['same methods']}/{totals['common rels']}",
        ]
    )
    return rows
