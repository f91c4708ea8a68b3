"""A Sphinx directive that renders halkit's profile meta-schema as a field reference.

``.. halkit-meta-schema::`` reads ``halkit/schemas/profile.schema.json``
through :func:`halkit.registry.meta_schema` and emits one table per object of
the manifest (the manifest itself, then ``entry``, ``environment``, ``auth``,
``type``, ``link``, ``embedded``): each member, whether it is required, what
it holds, and the schema's own description. The reference cannot drift from
the schema halkit checks profiles against.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

__all__ = ["HalkitMetaSchemaDirective", "setup"]

#: The objects documented, in order: (title, JSON pointer into the meta-schema).
OBJECTS = (
    ("The manifest (profile.json)", ""),
    ("entry", "/$defs/entry"),
    ("An environment (entry.environments.<name>)", "/$defs/environment"),
    ("auth", "/$defs/auth"),
    ("A type (types.<name>)", "/$defs/type"),
    ("A link relation (types.<name>.links.<rel>)", "/$defs/link"),
    ("An embedded relation (types.<name>.embedded.<rel>)", "/$defs/embedded"),
)


def _resolve(schema: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
    node: Any = schema
    for token in pointer.split("/")[1:]:
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node  # type: ignore[no-any-return]


def _kind(schema: Mapping[str, Any], node: Mapping[str, Any]) -> str:
    """A short description of what a member holds."""
    if "$ref" in node:
        target = node["$ref"].rsplit("/", 1)[-1]
        resolved = _resolve(schema, node["$ref"][1:])
        if target in ("type-name", "profile-name", "absolute-url", "method"):
            return _kind(schema, resolved) + f" ({target})"
        return f"object ({target})"
    if "enum" in node:
        return "one of " + ", ".join(json.dumps(v) for v in node["enum"])
    if "const" in node:
        return json.dumps(node["const"])
    if "anyOf" in node:
        return " or ".join(_kind(schema, sub) for sub in node["anyOf"])
    kind = node.get("type", "any")
    if kind == "array" and isinstance(node.get("items"), Mapping):
        return f"array of {_kind(schema, node['items'])}"
    if kind == "object" and isinstance(node.get("additionalProperties"), Mapping):
        return f"object of {_kind(schema, node['additionalProperties'])}"
    if kind == "string" and "pattern" in node:
        return f"string matching ``{node['pattern']}``"
    return str(kind)


class HalkitMetaSchemaDirective(SphinxDirective):
    """``.. halkit-meta-schema::``: the members of every object of a profile manifest."""

    has_content = False

    def run(self) -> List[nodes.Node]:
        import halkit.registry
        from halkit.registry import meta_schema

        self.env.note_dependency(__file__)
        self.env.note_dependency(halkit.registry.__file__)
        schema = meta_schema()
        out: List[nodes.Node] = []
        for title, pointer in OBJECTS:
            node = _resolve(schema, pointer) if pointer else schema
            out.append(self._table(schema, title, node))
        return out

    def _table(self, schema: Mapping[str, Any], title: str, node: Mapping[str, Any]) -> nodes.table:
        required = set(node.get("required", []))
        rows = []
        for name, member in node.get("properties", {}).items():
            description = member.get("description", "")
            if not description and "$ref" in member:
                description = _resolve(schema, member["$ref"][1:]).get("description", "")
            kind = _kind(schema, member)
            if "default" in member:
                kind += f"; default ``{json.dumps(member['default'])}``"
            rows.append((name, "yes" if name in required else "", kind, description))
        table = nodes.table(classes=["longtable"])
        table += nodes.title(title, title)
        group = nodes.tgroup(cols=4)
        table += group
        for width in (18, 8, 30, 44):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        group += head
        head += self._row(("member", "required", "value", "description"), literal_first=False)
        body = nodes.tbody()
        group += body
        for row in rows:
            body += self._row(row, literal_first=True)
        return table

    def _row(self, cells: Any, *, literal_first: bool) -> nodes.row:
        row = nodes.row()
        for index, text in enumerate(cells):
            entry = nodes.entry()
            para = nodes.paragraph()
            if index == 0 and literal_first:
                para += nodes.literal(text, text)
            else:
                self._inline(para, text)
            entry += para
            row += entry
        return row

    @staticmethod
    def _inline(para: nodes.paragraph, text: str) -> None:
        """Text with ``double`` or `single` backquoted runs as literals."""
        parts = text.replace("``", "`").split("`")
        for index, part in enumerate(parts):
            if not part:
                continue
            para += nodes.literal(part, part) if index % 2 else nodes.Text(part)


def setup(app: Sphinx) -> Dict[str, Any]:
    """Register the directive."""
    app.add_directive("halkit-meta-schema", HalkitMetaSchemaDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
