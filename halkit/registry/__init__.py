"""Profiles: one HAL API described as data, and the registry that finds them.

A profile lives in a folder::

    profiles/<name>/
        profile.json        the manifest (checked against halkit's meta-schema,
                            ``halkit/schemas/profile.schema.json``)
        <anything>.json     JSON Schema 2020-12 documents, each with an ``$id``

The manifest names the profile, its entry point (the entry resource's type and
the environments serving it: entry URL and token URL; none for a
validation-only profile), how to authenticate, the documented error statuses,
and its resource ``types``. Each type points at a property schema
(``"schema": "user.json"``, resolved against ``base_uri``, or the schema
itself, written inline) and
lists its link relations (required or not, methods, target type, templated and
with which variables, single or array) and its embedded resources (rel and
type). :class:`Profile` compiles each type, once, into one JSON Schema that a
jsonschema validator runs with every error reported; ``$ref`` between files
resolve through a :class:`referencing.Registry` of the profile's own files,
never over the network. The same schema is also compiled into a plain
yes/no check (:mod:`halkit.registry.fastcheck`) that recognises a conforming document
some twenty times faster; jsonschema only runs for the others, so the
violations found are the same either way.

Finding profiles
----------------

:func:`profile` loads a profile by name or from a directory path, and
:func:`profiles` lists the installed names. Installed profiles are:

* the folders of the ``halkit._profiles`` data package (shipped in halkit's wheel);
* the entry points of the group ``halkit.profiles``, which other packages
  declare to ship their own. The entry point's name is the profile's name;
  its object is a package (module) whose folder holds ``profile.json``, or a
  ``str`` / ``os.PathLike`` directory path, or a :class:`importlib.resources.abc.Traversable`,
  or a callable returning one of those. In ``setup.cfg``::

      [options.entry_points]
      halkit.profiles =
          acme = acme_api.halkit_profile

  (``acme_api/halkit_profile/`` holds ``profile.json``; add the ``*.json``
  files to the package data). A shipped profile wins over an entry point of the
  same name.

A broken profile raises :class:`halkit.InvalidProfileError` naming the file,
the JSON pointer and the problem; an unknown name raises
:class:`halkit.ProfileNotFoundError`. A document that breaks a profile's
rules (:meth:`Profile.enforce`, :meth:`Profile.check_method`, strict mode)
raises :class:`halkit.ProfileViolationError`. All three are
:class:`halkit.ProfileError`.

The subpackage, module by module:

==========================================  ==========================================================
:mod:`halkit.registry.manifest`             ``profile.json``: reading, checking, its frozen data
:mod:`halkit.registry.hal_profile`          :class:`Profile`: type queries, validation, inference,
                                            and the rules a client applies
:mod:`halkit.registry.discovery`            :class:`ProfileRegistry`, entry points, :func:`profile`
:mod:`halkit.registry.compiler`             schema files to a registry; types to JSON Schemas
:mod:`halkit.registry.keywords`             the ``x-halkit-*`` vocabulary; custom keywords, once each
:mod:`halkit.registry.fastcheck`            the compiled yes/no check
:mod:`halkit.registry.explain`              jsonschema errors to violations
:mod:`halkit.registry.violations`           :class:`Violation`, rule codes, modes, format checks
:mod:`halkit.registry.scaffold`             :func:`init_profile`: a minimal profile to start from
==========================================  ==========================================================

``import halkit`` loads none of jsonschema and referencing: they load with
the first profile (:mod:`~halkit.registry.compiler`, :mod:`~halkit.registry.fastcheck`
and :mod:`~halkit.registry.explain` are imported then).
"""

from __future__ import annotations

from .discovery import ENTRY_POINT_GROUP, ProfileRegistry, default_registry, profile, profiles
from .hal_profile import HasDocument, Profile
from .manifest import MANIFEST, AuthSpec, EmbeddedRule, Environment, LinkRule, TypeDefinition, meta_schema
from .scaffold import init_profile
from .violations import RULES, VALIDATION_MODES, Violation

__all__ = [
    "ENTRY_POINT_GROUP",
    "MANIFEST",
    "RULES",
    "VALIDATION_MODES",
    "AuthSpec",
    "EmbeddedRule",
    "Environment",
    "HasDocument",
    "LinkRule",
    "Profile",
    "ProfileRegistry",
    "TypeDefinition",
    "Violation",
    "default_registry",
    "init_profile",
    "meta_schema",
    "profile",
    "profiles",
]
