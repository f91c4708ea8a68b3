"""A local emulator of the ChatKitty Platform API (v1 HAL).

It serves the link-driven v1 API of the 2020 ChatKitty docs over real HTTP/1.1
(keep-alive, ``TCP_NODELAY``, one daemon thread per connection; standard
library only), with an OAuth 2.0 token endpoint built on authlib's server
classes. Tests, benchmarks and the ``halkit emulate chatkitty`` command use it::

    from halkit.emulator import Emulator

    with Emulator(users=100, channels=10) as emu:
        emu.entry_url        # http://127.0.0.1:PORT/v1
        emu.token_url        # http://127.0.0.1:PORT/oauth/token
        emu.client_id, emu.client_secret      # "acme", "acmesecret"
        client = emu.client()                 # a ready halkit.Client (chatkitty profile)
        emu.faults.status(503, path=r"/users$")  # fault injection
        emu.stats.api_requests                # counters

Documented behaviour
--------------------

The seed (June 2020 docs) and the later v1 docs (Sept 2020) are followed where
they speak. Where they are silent, the emulator chooses the standard
behaviour; those choices are marked *(choice)*. The departures from the docs
that were decided from the sources (creates answering 200, DIRECT channels'
members, POST on the application's messages, 410, the HEAD routes, the shape
of injected 401/403) are explained, with their sources, in
``profiles/chatkitty/README.md``.

**Authentication.** ``POST /oauth/token`` with ``grant_type=client_credentials``;
client authentication by HTTP Basic (``client_secret_basic``) or by
``client_id``/``client_secret`` form fields (``client_secret_post``). The body
may be ``application/x-www-form-urlencoded`` or ``multipart/form-data`` (the
docs' ``curl --form``). The seed's extra ``username`` and ``password`` fields
are accepted and ignored *(choice)*. The answer is ``200`` with
``{"access_token": "<uuid>", "token_type": "bearer", "expires_in": <lifetime>,
"scope": "org:52:app"}`` and ``Cache-Control: no-store``. Errors follow RFC 6749
section 5.2 *(choice)*:

- bad or missing client credentials: ``401 {"error": "invalid_client"}`` with
  ``WWW-Authenticate: Basic error="invalid_client", ...`` (a ``client_id`` form
  field naming an unknown client: ``400 invalid_client``, authlib's answer);
- an unknown grant type: ``400 unsupported_grant_type``;
- no ``grant_type``, a repeated parameter, or a body that is not a form:
  ``400 invalid_request``;
- any method but POST: ``405`` with ``Allow: POST``.

The token endpoint answers over plain http whatever name it is reached by
(authlib refuses that for hosts other than loopback; the emulator only speaks
http, and serving a container or another machine is its point).

Every other route lives under ``/v1`` and needs ``Authorization: Bearer
<token>`` with a token that is known and unexpired *(choice, RFC 6750)*:

- no bearer token (no header, or another scheme): ``401`` with
  ``WWW-Authenticate: Bearer realm="ChatKitty"`` and
  ``{"error": "unauthorized", "error_description": "Full authentication is
  required to access this resource"}`` (the later API's body);
- unknown or expired token: ``401`` with ``WWW-Authenticate: Bearer
  realm="ChatKitty", error="invalid_token", error_description="Invalid access
  token"`` (or ``"Access token expired"``) and the same two fields in the body.

Authentication is checked before routing, so an unknown ``/v1`` path without a
token answers 401, not 404.

**Other errors** have the later API's body ``{"error", "message",
"timestamp"}`` and ``Content-Type: application/json;charset=UTF-8``:

- unknown path or id: ``404 ResourceNotFoundError``; a deleted user,
  channel, message or credential: ``410 ResourceGoneError`` (the docs' table);
- an id in the path (or an integer in the query) of more than 19 digits,
  JSON nested too deeply, a malformed body framing: ``400``;
- a method the route does not have: ``405 MethodNotAllowedError`` with an
  ``Allow`` header (``HEAD`` is served wherever ``GET`` is);
- an ``Accept`` header that admits neither JSON nor HAL: ``406``;
- a malformed body or query (bad JSON, wrong types, missing fields, unknown
  enum values, non-integer ``page``): ``400 ClientError``. A non-JSON
  ``Content-Type`` on a JSON route is a 400 too (*choice*: 415 is not in the
  documented status table).

**Resources.** HAL answers are ``application/hal+json;charset=UTF-8``, with
absolute hrefs under ``http://`` and the ``Host`` the request was sent to (so
``localhost``, ``127.0.0.1``, a container name all work; without a ``Host``
header, the bound address; with ``public_url``, always that URL). A ``Host``
that is not ``host[:port]`` is a 400. Property names are
the docs' (camelCase); ids are integers; timestamps are ISO 8601 UTC with
milliseconds and ``Z``; blank fields are omitted, never ``null`` (``isGuest``
and ``isSandbox`` appear only when true).

- ``GET /v1``: links ``self`` and ``application`` (``/v1/applications/me``).
- ``GET /v1/applications/me`` and ``/v1/applications/52``: the Application
  (``id`` 52, ``name`` "ChatKitty", ``key``), links ``self``, ``users``,
  ``channels``, ``messages``, ``pushNotificationCredentials``, ``organization``
  (the seed's), and the templated ``find:users``
  (``.../users{?page,size,name}``) and ``find:channels``
  (``.../channels{?page,size,direct,members}``).
- ``GET /v1/organizations/52``: only a ``self`` link (no properties are documented).
- Users: ``GET users`` (offset page embedding ``users``; ``name`` finds the one
  user with exactly that name), ``POST users`` ``{"name", "displayName"?,
  "isGuest"?}`` answers **200** with the User, as the OpenAPI files document
  (``created_status=201``: **201 Created** with a ``Location`` header; this
  holds for every create below); ``HEAD users?name=`` is 404 for an unknown
  name; ``displayName`` defaults to
  the name; a taken name is a ``400 ClientError`` *(choice: 409 is not in the
  documented table)*. ``GET``/``PUT``/``DELETE`` a user: PUT changes only
  ``displayName`` and ``isGuest`` (other fields are ignored) and returns the
  User; DELETE returns the **Application**. A user's links: ``self``,
  ``channels``, ``tokens``, ``application``.
- A user's ``channels``: an offset page of the channels the user has joined or
  can join (its channels plus every PUBLIC and OPEN channel).
- A user's ``tokens``: ``POST`` (body ``{}`` or empty) answers with
  ``{"token": "<uuid>"}``; at most **10** per user, the eleventh is a ``400
  ClientError`` *(choice)*. ``GET`` is an offset page embedding ``tokens``.
- Channels: types ``PUBLIC``, ``PRIVATE``, ``DIRECT`` and ``OPEN`` (the 2020
  docs' ephemeral type). ``POST channels`` ``{"type", "name"?, "members"?}``:
  a missing name becomes a random UUID (the later API's rule); ``members`` is
  an array of user references ``{"href": user_link}`` (also accepted:
  ``{"id": n}``, ``{"username": name}``; an unknown user is a 400). A DIRECT
  channel needs 2 to 10 distinct members, and posting the same member set
  again returns the existing channel with ``200`` instead of ``201``. Channels
  carry ``id``, ``type``, ``name`` and ``createdTime``; links ``self``,
  ``messages``, ``application``, plus ``members`` for the group channels
  (PUBLIC, PRIVATE, DIRECT; OPEN channels have no members resource: 404).
  ``DELETE`` a channel returns the **Application** and deletes its messages.
  ``GET channels`` filters: ``direct=true|false`` and ``members`` (user names,
  comma-separated or repeated; a channel matches when all are members).
- Members: ``POST members`` ``{"href": user_link}`` adds the user (idempotent)
  and returns the **Channel** with ``200`` (a DIRECT channel refuses new
  members: 400); ``GET members`` is an offset page embedding ``users``.
- ``HEAD user_sessions/active?id=``: 200 when the user has an active chat
  session (:meth:`Emulator.set_session_active`), else 404.
- Messages: ``POST`` a channel's ``messages`` with ``{"type": "TEXT", "body"}``
  stores a ``SYSTEM_TEXT`` message; ``{"type": "FILE", "file": {url, name,
  contentType, size}, "groupTag"?}`` a ``SYSTEM_FILE`` message with an
  ``EXTERNAL`` file; a ``multipart/form-data`` upload (``file``, ``groupTag``)
  a ``SYSTEM_FILE`` message with a ``HOSTED`` file served back at its ``url``.
  Messages of OPEN channels are ephemeral: ``200``, no ``id``, no ``self``
  link, not listed. ``GET`` a message; ``DELETE`` returns its **Channel**. The
  application's ``messages`` lists every message; ``POST`` on it takes the same
  bodies plus ``"channel": {"href": channel_link}`` (a ``channel`` field in a
  multipart upload).
- Message pages are cursor pages, newest first: ``_embedded.messages``,
  ``page {size}``, a ``self`` link with ``start`` (the newest message id when
  the first page was served), ``size`` and ``relation=SELF``, and a ``next``
  link with ``start``, ``next`` (the cursor), ``size`` and ``relation=NEXT``
  when older messages remain. ``relation=PREVIOUS`` is a 400.
- Push notification credentials: ``POST`` JSON ``{"type": "FCM", "apiKey"}``
  or ``{"type": "APNS", "certificate", "privateKey", "isSandbox"?}``, or the
  docs' multipart APNS upload (``type=APNS``, ``file``, ``password``,
  ``isSandbox``: the certificate and key are stand-ins derived from the file);
  the docs' spelling ``APNs`` is accepted; ``GET`` is an offset page embedding
  ``credentials``; ``GET`` one; ``DELETE`` returns the **Application**.

**Offset pages** take ``page`` (zero-based, default 0) and ``size`` (default
``page_size``, 20; values above ``max_page_size``, 100, are clamped
*(choice)*). They carry ``_embedded.<collection>`` (an empty array past the
end), ``page {size, totalElements, totalPages, number}``, and links ``first``,
``prev``, ``self``, ``next``, ``last`` the way Spring HATEOAS writes them:
``self`` always; ``first`` and ``last`` when there is more than one page;
``prev``/``next`` when such a page exists. Query parameters of a filtered list
are kept in its page links.

**Seed data** is deterministic. User ``n`` is named ``user<n>`` with a display
name drawn from a fixed list; seeded users are computed on demand, so 100,000
users cost a list of ints. Channels cycle PUBLIC, PRIVATE, DIRECT, OPEN; group
channels get 5 consecutive members, DIRECT channels 2; every channel but OPEN
gets ``messages_per_channel`` messages (SYSTEM_TEXT, and TEXT messages from
members, with a ``user`` link).

**State** is in memory and consistent under concurrent requests (one lock
held for the whole of each request). :meth:`Emulator.reset` restores the seed.

**Limits.** Request bodies up to 16 MiB (413 past it), framed by one valid
``Content-Length`` or by ``chunked`` alone (both: 400); a request must arrive
whole within ``request_timeout`` (30 s) once it starts (408); uploads are kept
up to 64 MiB in all; per-path counters name 1,000 paths (the rest are counted
together); issued access tokens are never logged.

**Faults**: see :mod:`halkit.emulator.faults` (503, 429 with ``Retry-After``,
dropped connections, stalls, truncated bodies, expired tokens).
"""

from __future__ import annotations

from .app import EmulatorStats
from .faults import Fault, FaultList
from .runner import Emulator, add_arguments, from_arguments, run_foreground

__all__ = [
    "Emulator",
    "EmulatorStats",
    "Fault",
    "FaultList",
    "add_arguments",
    "from_arguments",
    "run_foreground",
]
