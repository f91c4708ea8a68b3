"""The registry of profiles and how it finds them.

:class:`ProfileRegistry` maps names to profiles, loading each on first use.
:meth:`ProfileRegistry.discover` finds the installed ones:

* the folders of the ``halkit._profiles`` data package (shipped in halkit's wheel);
* the entry points of the group ``halkit.profiles`` (:data:`ENTRY_POINT_GROUP`),
  which other packages declare to ship their own. The entry point's name is
  the profile's name; its object is a package (module) whose folder holds
  ``profile.json``, or a ``str`` / ``os.PathLike`` directory path, or a
  :class:`importlib.resources.abc.Traversable`, or a callable returning one of
  those. A shipped profile wins over an entry point of the same name.

:meth:`ProfileRegistry.get` (and so :func:`halkit.profile`) also takes a
directory: a path, or a plain name that is not installed but names a folder
holding ``profile.json`` in the current directory (``petshop`` for
``./petshop``).
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import pathlib
import threading
import types as _types
from types import MappingProxyType
from typing import Any, Dict, Iterator, List, Mapping, Optional, Union

from ..exceptions import InvalidProfileError, ProfileNotFoundError
from .hal_profile import Profile
from .manifest import MANIFEST, join

__all__ = ["ENTRY_POINT_GROUP", "ProfileRegistry", "default_registry", "profile", "profiles"]

#: The entry-point group other packages register profiles under.
ENTRY_POINT_GROUP = "halkit.profiles"


def _entry_points(group: str) -> List[Any]:
    found: Any = importlib.metadata.entry_points()
    if hasattr(found, "select"):  # Python 3.10+
        return list(found.select(group=group))
    return list(found.get(group, []))  # Python 3.9: a dict of groups


def _traversable_of(obj: Any, label: str) -> Any:
    if isinstance(obj, _types.ModuleType):
        try:
            return importlib.resources.files(obj)
        except (TypeError, ModuleNotFoundError) as exc:
            raise InvalidProfileError(f"{label}: module {obj.__name__} is not a package folder") from exc
    if isinstance(obj, (str, os.PathLike)):
        return pathlib.Path(obj)
    if hasattr(obj, "iterdir") and hasattr(obj, "joinpath"):
        return obj
    if callable(obj):
        return _traversable_of(obj(), label)
    raise InvalidProfileError(
        f"{label}: resolves to {type(obj).__name__}, not a package, directory path or Traversable"
    )


def _shipped_profiles() -> Any:
    """The folder of the ``halkit._profiles`` data package, or ``None``.

    Installed, it is the package; in a source checkout (``halkit/`` next to
    ``profiles/``, nothing installed), it is that ``profiles/`` folder.
    """
    try:
        return importlib.resources.files("halkit._profiles")
    except ModuleNotFoundError:
        checkout = pathlib.Path(__file__).resolve().parent.parent.parent / "profiles"
        return checkout if checkout.joinpath("__init__.py").is_file() else None


def _looks_like_path(value: Any) -> bool:
    if isinstance(value, os.PathLike):
        return True
    if not isinstance(value, str):
        return False
    return "/" in value or os.sep in value or value.startswith((".", "~")) or value.endswith(".json")


class ProfileRegistry:
    """The profiles halkit knows, by name; loads each on first use and keeps it.

    A registry's set of names never changes: :meth:`with_profile` and
    :meth:`with_source` return a new registry. Loading is lazy and cached (and
    thread-safe), so listing names never parses a profile.
    """

    def __init__(self, sources: Optional[Mapping[str, Any]] = None) -> None:
        """Build a registry.

        :param sources: name to source: a :class:`Profile`, a directory path, a
            :class:`~importlib.resources.abc.Traversable`, or an
            :class:`importlib.metadata.EntryPoint`.
        """
        self._sources: Mapping[str, Any] = MappingProxyType(dict(sources or {}))
        self._cache: Dict[str, Profile] = {
            name: source for name, source in self._sources.items() if isinstance(source, Profile)
        }
        self._paths: Dict[str, Profile] = {}
        self._lock = threading.RLock()

    @classmethod
    def discover(cls) -> "ProfileRegistry":
        """Build the registry of installed profiles: shipped folders, then entry points."""
        sources: Dict[str, Any] = {}
        for ep in _entry_points(ENTRY_POINT_GROUP):
            sources.setdefault(ep.name, ep)
        shipped = _shipped_profiles()
        if shipped is not None:
            for entry in shipped.iterdir():
                if entry.is_dir() and entry.joinpath(MANIFEST).is_file():
                    sources[entry.name] = entry
        return cls(dict(sorted(sources.items())))

    def __repr__(self) -> str:
        return f"<halkit.ProfileRegistry {self.names()!r}>"

    def names(self) -> List[str]:
        """Return the names of the registered profiles, sorted."""
        return sorted(self._sources)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self._sources)

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def uncached(self) -> "ProfileRegistry":
        """Return a registry of the same sources with nothing loaded yet (to load every profile again).

        Sources that are :class:`Profile` objects stay as they are.
        """
        return ProfileRegistry(self._sources)

    def with_profile(self, profile: Profile) -> "ProfileRegistry":
        """Return a new registry that also holds (or now overrides) ``profile``.

        :param profile: a loaded profile, registered under its name.
        """
        return self.with_source(profile.name, profile)

    def with_source(self, name: str, source: Any) -> "ProfileRegistry":
        """Return a new registry where ``name`` loads from ``source``.

        :param name: the profile name.
        :param source: as for the constructor.
        """
        sources = dict(self._sources)
        sources[name] = source
        new = ProfileRegistry(sources)
        with self._lock:
            for known, loaded in self._cache.items():
                if known != name:
                    new._cache.setdefault(known, loaded)
        return new

    def get(self, name_or_path: Union[str, "os.PathLike[str]"]) -> Profile:
        """Return a profile by name, or load one from a directory path.

        A string holding a path separator, starting with ``.`` or ``~``, or an
        :class:`os.PathLike`, is a path. Any other string is a name: an
        installed profile's or, failing that, a folder of the current
        directory that holds ``profile.json`` (``"petshop"`` for ``./petshop``;
        an installed profile of the same name wins: write ``./petshop``).

        :param name_or_path: the name, or the folder (or its ``profile.json``).
        :raises halkit.ProfileNotFoundError: unknown name, or no profile at the path.
        :raises halkit.InvalidProfileError: the profile is broken.
        """
        if isinstance(name_or_path, str) and name_or_path in self._sources:
            return self._load(name_or_path)
        if _looks_like_path(name_or_path):
            return self._load_path(name_or_path)
        if isinstance(name_or_path, str) and pathlib.Path(name_or_path, MANIFEST).is_file():
            return self._load_path(name_or_path)
        known = ", ".join(self.names()) or "none"
        raise ProfileNotFoundError(
            f"unknown profile {name_or_path!r}; installed profiles: {known}"
            f" (and the current directory has no folder {name_or_path!r} holding {MANIFEST})"
        )

    def _load_path(self, path: Union[str, "os.PathLike[str]"]) -> Profile:
        folder = pathlib.Path(os.path.expanduser(os.fspath(path)))
        if folder.name == MANIFEST:
            folder = folder.parent
        if not folder.is_dir():
            raise ProfileNotFoundError(f"{folder}: no such profile directory")
        key = str(folder.resolve())
        with self._lock:
            if key not in self._paths:
                self._paths[key] = Profile.from_directory(folder)
            return self._paths[key]

    def _load(self, name: str) -> Profile:
        with self._lock:
            loaded = self._cache.get(name)
            if loaded is not None:
                return loaded
            source = self._sources[name]
            if isinstance(source, importlib.metadata.EntryPoint):
                label = f"entry point {source.name} = {source.value} (group {ENTRY_POINT_GROUP})"
                try:
                    obj = source.load()
                except Exception as exc:  # noqa: BLE001 - any import error of a plug-in
                    raise InvalidProfileError(f"{label}: cannot be loaded: {exc}") from exc
                folder = _traversable_of(obj, label)
            elif isinstance(source, (str, os.PathLike)):
                folder = pathlib.Path(source)
            else:
                folder = source
            loaded = Profile.from_directory(folder)
            if loaded.name != name:
                raise InvalidProfileError(
                    f"{join(loaded.origin, MANIFEST)}: the manifest names the profile {loaded.name!r},"
                    f" but it is registered as {name!r}"
                )
            self._cache[name] = loaded
            return loaded


_DEFAULT: Optional[ProfileRegistry] = None
_DEFAULT_LOCK = threading.Lock()


def default_registry(refresh: bool = False) -> ProfileRegistry:
    """Return the registry of installed profiles (discovered once).

    :param refresh: discover again (after installing a package that registers profiles).
    """
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None or refresh:
            _DEFAULT = ProfileRegistry.discover()
        return _DEFAULT


def profile(name_or_path: Union[str, "os.PathLike[str]"]) -> Profile:
    """Return an installed profile by name, or load one from a directory.

    :param name_or_path: ``"chatkitty"``, or a folder holding ``profile.json``.
    :raises halkit.ProfileNotFoundError: unknown name or missing folder.
    :raises halkit.ProfileError: the profile is broken.
    """
    return default_registry().get(name_or_path)


def profiles() -> List[str]:
    """Return the names of the installed profiles, sorted."""
    return default_registry().names()
