"""One way to load a profile and one way to build a client, for the CLI and the pytest plugin.

:class:`ClientOptions` holds what a command line (or a fixture) says about the
client to build: the URL, the profile, the credentials, headers, timeouts.
:func:`make_client` turns it into a :class:`halkit.Client`, and
:func:`make_async_client` into a :class:`halkit.AsyncClient` (the same
checks and settings: only the class differs). Nothing here
imports :mod:`argparse`; :meth:`ClientOptions.from_namespace` reads parsed
options (and the ``HALKIT_*`` environment variables) by attribute name.

Profile quirks (extra token form fields, the token endpoint's authentication
method, the scope) come from the profile's data, never from its name.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Mapping, Optional, Union, cast

from ..exceptions import AuthError, HalkitError

if TYPE_CHECKING:  # pragma: no cover
    from ..aio.client import AsyncClient
    from ..client import Client
    from ..registry import Profile

__all__ = ["ClientOptions", "UsageError", "load_profile", "make_async_client", "make_client", "require_async"]

#: What to install for :func:`make_async_client` (the ``async`` extra: httpx).
ASYNC_EXTRA = "pip install 'halkit[async]'"

#: Environment variables read for options left out (flag name -> variable).
ENVIRONMENT = {
    "token": "HALKIT_TOKEN",
    "client_id": "HALKIT_CLIENT_ID",
    "client_secret": "HALKIT_CLIENT_SECRET",
    "token_url": "HALKIT_TOKEN_URL",
}


class UsageError(HalkitError):
    """The command line (or the options given) cannot work; the message says how to fix it."""


@dataclass
class ClientOptions:
    """What a command line or a fixture says about the client to build.

    :ivar url: the entry URL (default: the profile environment's).
    :ivar profile: a profile name, a profile folder, or a loaded profile.
    :ivar token: a static bearer token.
    :ivar client_id: an OAuth 2.0 client id (with :attr:`client_secret`).
    :ivar client_secret: its secret.
    :ivar token_url: the token endpoint (default: the profile environment's).
    :ivar environment: the profile environment whose URLs to use.
    :ivar insecure_http: allow a plain ``http://`` token endpoint off loopback.
    :ivar headers: extra request headers.
    :ivar timeout: the per-request timeout in seconds.
    :ivar strict: parse HAL strictly.
    :ivar validation: the client's validation mode (``"off"``, ``"warn"``, ``"strict"``).
    :ivar content_type: the media type of request bodies.
    """

    url: Optional[str] = None
    profile: Union[str, "Profile", None] = None
    token: Optional[str] = field(default=None, repr=False)
    client_id: Optional[str] = None
    client_secret: Optional[str] = field(default=None, repr=False)
    token_url: Optional[str] = None
    environment: Optional[str] = None
    insecure_http: bool = False
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout: float = 10.0
    strict: bool = False
    validation: str = "off"
    content_type: Optional[str] = None

    @classmethod
    def from_namespace(cls, args: Any, *, environ: Optional[Mapping[str, str]] = None, **overrides: Any) -> "ClientOptions":
        """Read the options from parsed arguments (attributes), credentials falling back on ``HALKIT_*``.

        :param args: an object with any of this class's field names as attributes
            (``headers`` may also come as ``header``: a list of ``"Name: value"``).
        :param environ: the environment (default: :data:`os.environ`).
        :param overrides: field values that win over ``args``.
        :raises UsageError: a malformed header.
        """
        env = os.environ if environ is None else environ
        values: Dict[str, Any] = {}
        for name in cls.__dataclass_fields__:
            value = getattr(args, name, None)
            if value is not None:
                values[name] = value
        for name, variable in ENVIRONMENT.items():
            if not values.get(name) and env.get(variable):
                values[name] = env[variable]
        raw_headers = getattr(args, "header", None)
        if raw_headers and "headers" not in values:
            values["headers"] = parse_headers(raw_headers)
        values.update(overrides)
        return cls(**values)


def parse_headers(values: Any) -> Dict[str, str]:
    """Parse ``"Name: value"`` strings into a dict.

    :param values: the strings.
    :raises UsageError: one has no colon or no name.
    """
    out: Dict[str, str] = {}
    for value in values:
        name, sep, rest = str(value).partition(":")
        if not sep or not name.strip():
            raise UsageError(f"header {value!r}: expected 'Name: value'")
        out[name.strip()] = rest.strip()
    return out


def load_profile(name_or_path: Union[str, "Profile", None]) -> Optional["Profile"]:
    """The one way the CLI loads a profile: an installed name, or a folder.

    :param name_or_path: a name, a path, a loaded profile, or ``None``.
    :raises halkit.ProfileNotFoundError: no such profile.
    :raises halkit.ProfileError: the profile is broken.
    """
    if name_or_path is None or not isinstance(name_or_path, (str, os.PathLike)):
        return name_or_path
    from ..registry import profile

    return profile(name_or_path)


def make_client(options: ClientOptions) -> "Client":
    """Build the client ``options`` describe: THE client factory of the CLI and the pytest plugin.

    Credentials: a static ``token``, or ``client_id`` and ``client_secret``
    (OAuth 2.0 client credentials against ``token_url``, else the profile
    environment's token URL, with the profile's scope, token endpoint
    authentication method and extra form fields), or none.

    :param options: what to build.
    :raises UsageError: options that cannot work together (with the option that fixes it).
    :raises halkit.ProfileError: the profile cannot be loaded.
    """
    from ..client import Client

    return cast("Client", _build(Client, options))


def make_async_client(options: ClientOptions) -> "AsyncClient":
    """Build the :class:`halkit.AsyncClient` ``options`` describe: :func:`make_client`'s checks and settings.

    :param options: what to build.
    :raises UsageError: httpx is not installed (the message says what to
        install), or options that cannot work together.
    :raises halkit.ProfileError: the profile cannot be loaded.
    """
    return cast("AsyncClient", _build(require_async(), options))


def require_async() -> Any:
    """The :class:`halkit.AsyncClient` class, when its extra is installed.

    :raises UsageError: httpx is not installed; the message says what to install.
    """
    try:
        from ..aio.client import AsyncClient
    except ImportError as exc:
        raise UsageError(f"the async client needs httpx, which is not installed ({exc}): {ASYNC_EXTRA}") from exc
    return AsyncClient


def _build(cls: Any, options: ClientOptions) -> Any:
    """An instance of ``cls`` (:class:`halkit.Client` or :class:`halkit.AsyncClient`) as ``options`` say."""
    from ..auth import ClientCredentials

    profile = load_profile(options.profile)
    token, client_id, client_secret = options.token, options.client_id, options.client_secret
    if token and (client_id or client_secret):
        raise UsageError("give either --token or --client-id/--client-secret, not both")
    if bool(client_id) != bool(client_secret):
        raise UsageError("--client-id and --client-secret go together")
    env = None
    if profile is not None:
        try:
            env = profile.environment(options.environment)
        except HalkitError as exc:
            raise UsageError(str(exc)) from exc
    elif options.environment:
        raise UsageError("--environment needs --profile")
    url = options.url or (env.entry_url if env is not None else None)
    if not url:
        raise UsageError("give the API's URL (or a --profile that documents one)")
    auth: Any = token or None
    if client_id and client_secret:
        token_url = options.token_url or (env.token_url if env is not None else None)
        if not token_url:
            raise UsageError("client credentials need a token endpoint: pass --token-url (or HALKIT_TOKEN_URL)")
        extra: Dict[str, Any] = {}
        if profile is not None and profile.auth.type != "none":
            extra = profile.auth.client_credentials_options(client_id, client_secret)
        try:
            auth = ClientCredentials(
                token_url, client_id, client_secret, allow_insecure_http=options.insecure_http, **extra
            )
        except AuthError as exc:
            if "plain http" in str(exc):
                raise UsageError(
                    f"refusing to send client credentials to {token_url} over plain http: "
                    "use https, or pass --insecure-http if you mean it"
                ) from exc
            raise UsageError(str(exc)) from exc
    kwargs: Dict[str, Any] = dict(
        auth=auth,
        headers=dict(options.headers),
        timeout=options.timeout,
        strict=options.strict,
    )
    if options.content_type:
        kwargs["content_type"] = options.content_type
    if profile is not None:
        return cls.from_profile(
            profile, environment=options.environment, entry_url=url, validation=options.validation, **kwargs
        )
    return cls(url, **kwargs)
