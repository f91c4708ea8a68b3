"""halkit.registry.discovery: finding profiles by name, path, entry point and in the current directory."""

from __future__ import annotations

import importlib.metadata
import pathlib
import sys
from typing import Any, Iterator, List

import pytest
from profile_files import COMMON, THING, manifest, write_mini, write_profile

import halkit
from halkit import registry
from halkit.registry import Profile, ProfileRegistry, discovery, profile, profiles


@pytest.fixture
def mini(tmp_path: pathlib.Path) -> pathlib.Path:
    return write_mini(tmp_path)


def test_installed_profiles() -> None:
    assert "chatkitty" in profiles()
    assert profile("chatkitty") is profile("chatkitty")  # cached
    assert profile("chatkitty").name == "chatkitty"


def test_unknown_name_lists_the_installed_profiles() -> None:
    with pytest.raises(halkit.ProfileNotFoundError, match="unknown profile 'nope'.*chatkitty") as info:
        profile("nope")
    assert isinstance(info.value, LookupError) and isinstance(info.value, halkit.ProfileError)


def test_load_from_a_directory(mini: pathlib.Path) -> None:
    loaded = profile(str(mini))
    assert loaded.name == "mini" and loaded.types == ["root", "thing", "thing-list"]
    assert profile(mini) is loaded  # PathLike, cached by path
    assert profile(str(mini / "profile.json")) is loaded
    assert Profile.from_directory(mini).types == loaded.types


def test_missing_directory(tmp_path: pathlib.Path) -> None:
    with pytest.raises(halkit.ProfileNotFoundError, match="no such profile directory"):
        profile(str(tmp_path / "absent"))
    with pytest.raises(halkit.ProfileNotFoundError, match="no profile.json"):
        profile(str(tmp_path))


def test_registry_is_immutable(mini: pathlib.Path) -> None:
    base = ProfileRegistry.discover()
    extended = base.with_profile(Profile.from_directory(mini))
    assert "mini" in extended and "mini" not in base
    assert extended.names() == sorted([*base.names(), "mini"])
    assert extended.get("mini").name == "mini"
    assert len(extended) == len(base) + 1 and list(extended) == extended.names()


class _FakeEntryPoint(importlib.metadata.EntryPoint):
    pass


@pytest.fixture
def plugin(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[List[Any]]:
    """A package on sys.path shipping a profile, and entry points naming it."""
    package = tmp_path / "site" / "acme_halkit"
    write_profile(
        package, {"__init__.py": "", "profile.json": manifest(name="acme"), "thing.json": THING, "common.json": COMMON}
    )
    write_profile(tmp_path / "site", {"acme_paths.py": f"FOLDER = {str(package)!r}\nBROKEN = 42\n"})
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    points: List[Any] = []
    monkeypatch.setattr(
        discovery, "_entry_points", lambda group: list(points) if group == registry.ENTRY_POINT_GROUP else []
    )
    yield points
    for name in ("acme_halkit", "acme_paths"):
        sys.modules.pop(name, None)


def ep(name: str, value: str) -> importlib.metadata.EntryPoint:
    return importlib.metadata.EntryPoint(name=name, value=value, group=registry.ENTRY_POINT_GROUP)


def test_entry_point_to_a_package(plugin: List[Any]) -> None:
    plugin.append(ep("acme", "acme_halkit"))
    found = ProfileRegistry.discover()
    assert "acme" in found.names() and "chatkitty" in found.names()
    assert found.get("acme").name == "acme"


def test_entry_point_to_a_path(plugin: List[Any]) -> None:
    plugin.append(ep("acme", "acme_paths:FOLDER"))
    assert ProfileRegistry.discover().get("acme").types == ["root", "thing", "thing-list"]


def test_default_registry_refresh(plugin: List[Any]) -> None:
    plugin.append(ep("acme", "acme_halkit"))
    try:
        assert "acme" in registry.default_registry(refresh=True).names()
        assert "acme" in profiles()
    finally:
        plugin.clear()
        registry.default_registry(refresh=True)
    assert "acme" not in profiles()


def test_shipped_profiles_win_over_entry_points(plugin: List[Any]) -> None:
    plugin.append(ep("chatkitty", "acme_halkit"))
    assert ProfileRegistry.discover().get("chatkitty").name == "chatkitty"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("acme_halkit", "names the profile 'acme', but it is registered as 'other'"),
        ("acme_paths:BROKEN", "resolves to int"),
        ("no_such_module_xyz", "cannot be loaded"),
    ],
)
def test_broken_entry_points(plugin: List[Any], value: str, message: str) -> None:
    plugin.append(ep("other", value))
    with pytest.raises(halkit.ProfileError, match=message):
        ProfileRegistry.discover().get("other")



def test_a_plain_name_finds_a_folder_in_the_current_directory(
    mini: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(mini.parent)
    registry_ = ProfileRegistry.discover()
    assert registry_.get("mini").name == "mini"
    assert profile("mini") is profile("./mini")  # one profile per folder
    monkeypatch.chdir(mini)
    with pytest.raises(halkit.ProfileNotFoundError, match="unknown profile 'mini'.*no folder 'mini' holding profile.json"):
        registry_.get("mini")


def test_an_installed_name_wins_over_a_folder_of_the_same_name(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(tmp_path / "chatkitty", {"profile.json": manifest(name="chatkitty"), "thing.json": THING,
                                           "common.json": COMMON})  # fmt: skip
    monkeypatch.chdir(tmp_path)
    assert len(profile("chatkitty").types) > 3  # the installed one
    assert ProfileRegistry.discover().get("./chatkitty").types == ["root", "thing", "thing-list"]

