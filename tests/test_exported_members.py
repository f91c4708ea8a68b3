"""The public surface: everything in ``__all__`` exists, is documented, and nothing public is missing."""

from __future__ import annotations

import asyncio
import importlib
import inspect

import pytest

import halkit

MODULES = [
    "halkit", "halkit.client", "halkit.resource", "halkit.link", "halkit.forms", "halkit.hal", "halkit.uri",
    "halkit.auth", "halkit.registry", "halkit.exceptions", "halkit.crawl", "halkit.emulator", "halkit.cli",
    "halkit.violations", "halkit.typing", "halkit.fanout", "halkit.aio", "halkit.aio.model", "halkit.aio.fanout",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist_and_are_documented(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__doc__, f"{name} has no module docstring"
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    for member in exported:
        obj = getattr(module, member)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert obj.__doc__, f"{name}.{member} has no docstring"


def test_top_level_exports_everything_public_users_need() -> None:
    for member in ["Client", "Resource", "Link", "parse", "profile", "profiles", "Profile", "ClientCredentials",
                   "BearerToken", "HalkitError", "HalFormatError", "LinkNotFoundError", "TemplateError",
                   "HTTPError", "AuthError", "ProfileError", "ResponseTooLargeError", "CompatibilityWarning"]:
        assert member in halkit.__all__, member
    assert sorted(set(halkit.__all__)) == sorted(halkit.__all__), "duplicates in __all__"
    assert halkit.__all__ == sorted(halkit.__all__), "keep __all__ sorted"


def test_the_navigation_seam_is_a_public_protocol() -> None:
    from halkit.typing import Navigator

    client = halkit.Client("http://127.0.0.1:9/")
    try:
        assert isinstance(client, Navigator)
    finally:
        client.close()


def test_the_async_client_is_an_async_navigator() -> None:
    # structurally: the protocol's members, with its parameters, coroutines where the protocol has them
    from halkit.aio import AsyncClient
    from halkit.typing import AsyncNavigator, Navigator

    for name in ("send", "send_raw", "embedded_type", "resolve_href"):
        wanted, got = getattr(AsyncNavigator, name), getattr(AsyncClient, name)
        assert inspect.iscoroutinefunction(got) == inspect.iscoroutinefunction(wanted), name
        assert inspect.iscoroutinefunction(got) == (name in ("send", "send_raw")), name
        assert [(p.name, p.kind, p.default) for p in inspect.signature(got).parameters.values()] == [
            (p.name, p.kind, p.default) for p in inspect.signature(wanted).parameters.values()
        ], name
        # the same calls as the sync seam's, only awaited
        assert list(inspect.signature(got).parameters) == list(inspect.signature(getattr(Navigator, name)).parameters)
    client = AsyncClient("http://127.0.0.1:9/")
    try:
        assert isinstance(client, AsyncNavigator)
        assert (client.resource_class, client.link_class, client.template_class) == (
            halkit.aio.AsyncResource, halkit.aio.AsyncLink, halkit.aio.AsyncTemplate
        )
    finally:
        asyncio.run(client.aclose())
    sync = halkit.Client("http://127.0.0.1:9/")
    try:
        assert not isinstance(sync, AsyncNavigator)
    finally:
        sync.close()


def test_every_exception_derives_from_the_root() -> None:
    from halkit import exceptions

    for member in exceptions.__all__:
        obj = getattr(exceptions, member)
        if inspect.isclass(obj) and issubclass(obj, Warning):
            assert issubclass(obj, halkit.HalkitWarning), member
        elif inspect.isclass(obj) and issubclass(obj, BaseException):
            assert issubclass(obj, halkit.HalkitError), member


def test_py_typed_is_shipped() -> None:
    from importlib.resources import files

    assert files("halkit").joinpath("py.typed").is_file()


def test_profiles_function_survives_loading_the_data_package() -> None:
    # The data package must not be called halkit.profiles: importing it would
    # replace the function halkit.profiles with the module.
    halkit.profile("chatkitty")
    assert callable(halkit.profiles) and "chatkitty" in halkit.profiles()
    assert callable(halkit.profile)
