"""The emulator's in-memory data: users, channels, messages, tokens, push credentials.

Seeded users are *virtual*: user ``n`` of the seed is computed from ``n`` when
it is read, and stored only once it changes (a new token, a new display name).
The store keeps just a sorted list of the ids alive, so a population of
100,000 users costs one list of ints and pages are cut from it on demand.

Everything here runs under :attr:`Store.lock`, which the application holds for
the whole of each request, so every answer sees one consistent state.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

__all__ = [
    "Channel",
    "Credential",
    "HostedFile",
    "Message",
    "NotFound",
    "Rejected",
    "Store",
    "StoreError",
    "User",
    "CHANNEL_TYPES",
    "Gone",
    "GROUP_TYPES",
    "MAX_HOSTED_BYTES",
    "OPEN_MEMBERSHIP_TYPES",
    "MAX_TOKENS_PER_USER",
    "MAX_DIRECT_MEMBERS",
    "isoformat",
]

#: Channel types of the v1 API.
CHANNEL_TYPES = ("OPEN", "PUBLIC", "PRIVATE", "DIRECT")
#: The group channels: they have a ``members`` link (the docs' "Group Channel HAL links").
GROUP_TYPES = ("PUBLIC", "PRIVATE", "DIRECT")
#: The group channels that accept new members ("New users cannot be added to a direct channel").
OPEN_MEMBERSHIP_TYPES = ("PUBLIC", "PRIVATE")
#: The most bytes of uploaded files the store keeps (uploads past it are rejected).
MAX_HOSTED_BYTES = 64 * 1024 * 1024
#: The most deleted ids remembered per kind (to answer 410 Gone); later deletions answer 404.
MAX_REMEMBERED_DELETIONS = 100_000
#: The documented limit of challenge tokens per user.
MAX_TOKENS_PER_USER = 10
#: A direct channel has at most this many members ("up to 9 other users").
MAX_DIRECT_MEMBERS = 10

_SEED_EPOCH = datetime(2020, 9, 1, tzinfo=timezone.utc).timestamp()
_FIRST = (
    "Jane", "John", "Ada", "Alan", "Grace", "Linus", "Margaret", "Dennis",
    "Barbara", "Ken", "Frances", "Edsger", "Radia", "Tim", "Katherine", "Donald",
)  # fmt: skip
_LAST = (
    "Doe", "Roe", "Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Ritchie",
    "Liskov", "Thompson", "Allen", "Dijkstra", "Perlman", "Lee", "Johnson", "Knuth",
)  # fmt: skip
_SEED_CYCLE = ("PUBLIC", "PRIVATE", "DIRECT", "OPEN")


def isoformat(timestamp: float) -> str:
    """Format a POSIX timestamp as ISO 8601 UTC with milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(timestamp, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class StoreError(Exception):
    """A request the data refuses (the HTTP layer maps each kind to a status)."""


class NotFound(StoreError):
    """No such user, channel, message or credential."""

    def __init__(self, message: str = "Resource not found") -> None:
        super().__init__(message)


class Gone(NotFound):
    """The resource existed and was deleted (the docs' 410 "removed from our servers")."""


class Rejected(StoreError):
    """A change that breaks a rule of the data (a taken name, too many tokens...)."""


class User:
    """A user: id, unique name, display name, guest flag and challenge tokens."""

    __slots__ = ("id", "name", "display_name", "is_guest", "tokens")

    def __init__(self, id: int, name: str, display_name: str, is_guest: bool = False) -> None:  # noqa: A002
        self.id = id
        self.name = name
        self.display_name = display_name
        self.is_guest = is_guest
        self.tokens: List[str] = []


class Channel:
    """A channel; ``members`` keeps join order, ``direct_key`` the member set of a DIRECT channel."""

    __slots__ = ("id", "type", "name", "created", "members", "direct_key", "message_ids")

    def __init__(self, id: int, type: str, name: str, created: float, members: Iterable[int] = ()) -> None:  # noqa: A002
        self.id = id
        self.type = type
        self.name = name
        self.created = created
        self.members: List[int] = list(dict.fromkeys(members))
        self.direct_key: Optional[FrozenSet[int]] = frozenset(self.members) if type == "DIRECT" else None
        self.message_ids: List[int] = []


class Message:
    """A message. ``id`` is ``None`` for the ephemeral messages of OPEN channels."""

    __slots__ = ("id", "type", "channel_id", "created", "body", "file", "group_tag", "user_id")

    def __init__(
        self,
        id: Optional[int],  # noqa: A002
        type: str,  # noqa: A002
        channel_id: int,
        created: float,
        *,
        body: Optional[str] = None,
        file: Optional[Dict[str, Any]] = None,
        group_tag: Optional[str] = None,
        user_id: Optional[int] = None,
    ) -> None:
        self.id = id
        self.type = type
        self.channel_id = channel_id
        self.created = created
        self.body = body
        self.file = file
        self.group_tag = group_tag
        self.user_id = user_id


class Credential:
    """A set of push notification credentials (``FCM`` or ``APNS``)."""

    __slots__ = ("id", "type", "fields")

    def __init__(self, id: int, type: str, fields: Dict[str, Any]) -> None:  # noqa: A002
        self.id = id
        self.type = type
        self.fields = fields


class HostedFile:
    """A file uploaded with a message (served back at its ``url``)."""

    __slots__ = ("id", "name", "content_type", "data")

    def __init__(self, id: int, name: str, content_type: str, data: bytes) -> None:  # noqa: A002
        self.id = id
        self.name = name
        self.content_type = content_type
        self.data = data


class Store:
    """All the emulator's data, seeded deterministically.

    :param users: how many users to seed (named ``user1``, ``user2``...).
    :param channels: how many channels to seed (cycling PUBLIC, PRIVATE,
        DIRECT, OPEN), with members and messages.
    :param messages_per_channel: how many messages each seeded channel gets
        (OPEN channels get none: their messages are ephemeral).
    """

    def __init__(self, *, users: int = 50, channels: int = 10, messages_per_channel: int = 3) -> None:
        #: Held by the application for the whole of each request.
        self.lock = threading.RLock()
        self.seed_users = max(0, int(users))
        self._user_ids: List[int] = list(range(1, self.seed_users + 1))
        self._users: Dict[int, User] = {}
        self._names: Dict[str, int] = {}
        self._next_user = self.seed_users + 1
        self.channels: Dict[int, Channel] = {}
        self._channel_ids: List[int] = []
        self._direct: Dict[FrozenSet[int], int] = {}
        self._next_channel = 1
        self.messages: Dict[int, Message] = {}
        self._message_ids: List[int] = []
        self._next_message = 1
        self.credentials: Dict[int, Credential] = {}
        self._next_credential = 1
        self.files: Dict[int, HostedFile] = {}
        self._next_file = 1
        self._hosted_bytes = 0
        #: The ids of the users with an active chat session (none unless a test adds some).
        self.active_sessions: Set[int] = set()
        self._deleted: Dict[str, Set[int]] = {"user": set(), "channel": set(), "message": set(), "credential": set()}
        self._seed_channels(max(0, int(channels)), max(0, int(messages_per_channel)))
        self._seed_extras()

    def _seed_extras(self) -> None:
        """Seed what a crawl should meet once of each kind: user tokens and push credentials."""
        if self.seed_users:
            user = self._materialize(1)
            user.tokens.extend(str(uuid.uuid5(uuid.NAMESPACE_URL, f"halkit-emulator/user1/token{i}")) for i in (1, 2))
        digest = self.fingerprint(b"halkit emulator seed certificate")
        self.add_credential("FCM", {"apiKey": "emulated-fcm-api-key"})
        self.add_credential(
            "APNS", {"certificate": f"emulated-certificate-{digest}", "privateKey": f"emulated-private-key-{digest}"}
        )

    # -- deletions -------------------------------------------------------------

    def _forget(self, kind: str, ids: Iterable[int]) -> None:
        remembered = self._deleted[kind]
        for item in ids:
            if len(remembered) >= MAX_REMEMBERED_DELETIONS:
                return
            remembered.add(item)

    def _missing(self, kind: str, item: int, label: str) -> NotFound:
        if item in self._deleted[kind]:
            return Gone(f"{label} has been deleted")
        return NotFound(f"{label} does not exist")

    # -- users ---------------------------------------------------------------

    @staticmethod
    def seed_name(user_id: int) -> str:
        """The name of seeded user ``user_id``."""
        return f"user{user_id}"

    @staticmethod
    def seed_display_name(user_id: int) -> str:
        """The display name seeded user ``user_id`` starts with."""
        index = user_id - 1
        return f"{_FIRST[index % len(_FIRST)]} {_LAST[(index // len(_FIRST)) % len(_LAST)]}"

    def _alive(self, user_id: int) -> bool:
        position = bisect.bisect_left(self._user_ids, user_id)
        return position < len(self._user_ids) and self._user_ids[position] == user_id

    def user_count(self) -> int:
        """How many users exist."""
        return len(self._user_ids)

    def user_ids(self, offset: int, limit: int) -> List[int]:
        """The ids of the users at positions ``offset`` to ``offset + limit`` (id order)."""
        return self._user_ids[offset : offset + limit]

    def get_user(self, user_id: int) -> Optional[User]:
        """The user with this id, or ``None``."""
        user = self._users.get(user_id)
        if user is not None:
            return user
        if 1 <= user_id <= self.seed_users and self._alive(user_id):
            return User(user_id, self.seed_name(user_id), self.seed_display_name(user_id))
        return None

    def require_user(self, user_id: int) -> User:
        """The user with this id.

        :raises NotFound: if there is none.
        """
        user = self.get_user(user_id)
        if user is None:
            raise self._missing("user", user_id, "User")
        return user

    def _materialize(self, user_id: int) -> User:
        user = self.require_user(user_id)
        self._users[user_id] = user
        return user

    def user_by_name(self, name: str) -> Optional[User]:
        """The user with this name, or ``None``."""
        user_id = self._names.get(name)
        if user_id is not None:
            return self.get_user(user_id)
        if name.startswith("user"):
            digits = name[4:]
            if digits.isdigit() and str(int(digits)) == digits:
                candidate = int(digits)
                if candidate <= self.seed_users:
                    return self.get_user(candidate)
        return None

    def create_user(self, name: str, display_name: str, is_guest: bool) -> User:
        """Create a user.

        :raises Rejected: if the name is taken.
        """
        if self.user_by_name(name) is not None:
            raise Rejected(f"A user named {name!r} already exists")
        user = User(self._next_user, name, display_name, is_guest)
        self._next_user += 1
        self._users[user.id] = user
        self._names[name] = user.id
        self._user_ids.append(user.id)
        return user

    def update_user(self, user_id: int, display_name: Optional[str], is_guest: Optional[bool]) -> User:
        """Change a user's display name and/or guest flag."""
        user = self._materialize(user_id)
        if display_name is not None:
            user.display_name = display_name
        if is_guest is not None:
            user.is_guest = is_guest
        return user

    def delete_user(self, user_id: int) -> None:
        """Delete a user, its tokens and its channel memberships."""
        user = self.require_user(user_id)
        position = bisect.bisect_left(self._user_ids, user_id)
        del self._user_ids[position]
        self._users.pop(user_id, None)
        if self._names.get(user.name) == user_id:
            del self._names[user.name]
        for channel in self.channels.values():
            if user_id in channel.members:
                channel.members.remove(user_id)
        self.active_sessions.discard(user_id)
        self._forget("user", [user_id])

    def add_token(self, user_id: int) -> str:
        """Add a challenge token to a user.

        :raises Rejected: past :data:`MAX_TOKENS_PER_USER` tokens.
        """
        user = self._materialize(user_id)
        if len(user.tokens) >= MAX_TOKENS_PER_USER:
            raise Rejected(f"A user can have at most {MAX_TOKENS_PER_USER} challenge tokens")
        token = str(uuid.uuid4())
        user.tokens.append(token)
        return token

    # -- channels ------------------------------------------------------------

    def _seed_channels(self, count: int, messages_per_channel: int) -> None:
        population = self.seed_users
        for index in range(1, count + 1):
            kind = _SEED_CYCLE[(index - 1) % len(_SEED_CYCLE)]
            created = _SEED_EPOCH + index * 3600
            first = ((index - 1) * 3) % population + 1 if population else 0
            members: List[int] = []
            if kind == "DIRECT":
                pair = frozenset({first, first % population + 1}) if population >= 2 else None
                if pair is None or len(pair) < 2 or pair in self._direct:
                    kind = "PUBLIC"
                else:
                    members = sorted(pair)
            if kind in OPEN_MEMBERSHIP_TYPES and population:
                members = [((first - 1 + k) % population) + 1 for k in range(min(5, population))]
            if kind == "DIRECT":
                name = str(uuid.uuid5(uuid.NAMESPACE_URL, f"urn:halkit:emulator:direct:{index}"))
            else:
                name = f"{kind.title()} Chat {index}"
            channel = self._add_channel(kind, name, created, members)
            if kind == "OPEN":
                continue
            for number in range(messages_per_channel):
                moment = created + 60 * (number + 1)
                if number % 2 == 1 and channel.members:
                    sender = channel.members[number % len(channel.members)]
                    body = f"Hello from {self.seed_display_name(sender)}!"
                    self._add_message("TEXT", channel, moment, body=body, user_id=sender)
                else:
                    self._add_message("SYSTEM_TEXT", channel, moment, body=f"Message {number + 1} in {name}")

    def _add_channel(self, kind: str, name: str, created: float, members: Sequence[int]) -> Channel:
        channel = Channel(self._next_channel, kind, name, created, members)
        self._next_channel += 1
        self.channels[channel.id] = channel
        self._channel_ids.append(channel.id)
        if channel.direct_key is not None:
            self._direct[channel.direct_key] = channel.id
        return channel

    def channel_list(self) -> List[Channel]:
        """Every channel, in id order."""
        return [self.channels[channel_id] for channel_id in self._channel_ids]

    def require_channel(self, channel_id: int) -> Channel:
        """The channel with this id.

        :raises NotFound: if there is none.
        """
        channel = self.channels.get(channel_id)
        if channel is None:
            raise self._missing("channel", channel_id, "Channel")
        return channel

    def create_channel(self, kind: str, name: Optional[str], members: Sequence[int]) -> Tuple[Channel, bool]:
        """Create a channel, or find the DIRECT channel with these members.

        :returns: the channel, and whether it was created.
        """
        if kind == "DIRECT":
            key = frozenset(members)
            existing = self._direct.get(key)
            if existing is not None:
                return self.channels[existing], False
        channel = self._add_channel(kind, name or str(uuid.uuid4()), time.time(), members)
        return channel, True

    def add_member(self, channel: Channel, user_id: int) -> None:
        """Add a user to a group channel (no-op if already a member).

        :raises Rejected: for a DIRECT channel ("New users cannot be added to a direct channel").
        """
        if channel.type not in OPEN_MEMBERSHIP_TYPES:
            raise Rejected(f"New users cannot be added to a {channel.type} channel")
        if user_id not in channel.members:
            channel.members.append(user_id)

    def delete_channel(self, channel_id: int) -> None:
        """Delete a channel and its messages."""
        channel = self.require_channel(channel_id)
        del self.channels[channel_id]
        self._channel_ids.remove(channel_id)
        if channel.direct_key is not None and self._direct.get(channel.direct_key) == channel_id:
            del self._direct[channel.direct_key]
        doomed = set(channel.message_ids)
        for message_id in doomed:
            self.messages.pop(message_id, None)
        self._message_ids = [message_id for message_id in self._message_ids if message_id not in doomed]
        self._forget("channel", [channel_id])
        self._forget("message", sorted(doomed))

    def find_channels(self, direct: Optional[bool], member_names: Sequence[str]) -> List[Channel]:
        """Channels filtered by type (``direct``) and by member names (all must be members)."""
        wanted: List[int] = []
        for name in member_names:
            user = self.user_by_name(name)
            if user is None:
                return []
            wanted.append(user.id)
        found = []
        for channel in self.channel_list():
            if direct is not None and (channel.type == "DIRECT") != direct:
                continue
            if wanted and not all(user_id in channel.members for user_id in wanted):
                continue
            found.append(channel)
        return found

    def user_channels(self, user_id: int) -> List[Channel]:
        """The channels a user has joined or can join (all PUBLIC and OPEN channels)."""
        return [
            channel
            for channel in self.channel_list()
            if user_id in channel.members or channel.type in ("PUBLIC", "OPEN")
        ]

    # -- messages ------------------------------------------------------------

    def _add_message(self, kind: str, channel: Channel, created: float, **fields: Any) -> Message:
        message = Message(self._next_message, kind, channel.id, created, **fields)
        self._next_message += 1
        self.messages[message.id] = message  # type: ignore[index]
        self._message_ids.append(message.id)  # type: ignore[arg-type]
        channel.message_ids.append(message.id)  # type: ignore[arg-type]
        return message

    def create_message(self, channel: Channel, kind: str, **fields: Any) -> Message:
        """Store a message (OPEN channels: build it, but do not store it)."""
        if channel.type == "OPEN":
            return Message(None, kind, channel.id, time.time(), **fields)
        return self._add_message(kind, channel, time.time(), **fields)

    def require_message(self, message_id: int) -> Message:
        """The message with this id.

        :raises NotFound: if there is none.
        """
        message = self.messages.get(message_id)
        if message is None:
            raise self._missing("message", message_id, "Message")
        return message

    def delete_message(self, message_id: int) -> Channel:
        """Delete a message; return its channel."""
        message = self.require_message(message_id)
        del self.messages[message_id]
        self._message_ids.remove(message_id)
        channel = self.channels[message.channel_id]
        channel.message_ids.remove(message_id)
        self._forget("message", [message_id])
        return channel

    def message_ids(self, channel: Optional[Channel] = None) -> List[int]:
        """The ids of a channel's messages, or of all messages, oldest first."""
        return self._message_ids if channel is None else channel.message_ids

    @staticmethod
    def cursor_slice(ids: List[int], cursor: int, size: int) -> Tuple[List[int], Optional[int]]:
        """Newest-first page of ``ids`` (ascending) holding the ids ``<= cursor``.

        :returns: the page's ids, and the cursor of the next (older) page or ``None``.
        """
        end = bisect.bisect_right(ids, cursor)
        start = max(0, end - size)
        page = ids[start:end][::-1]
        following = ids[start - 1] if start > 0 else None
        return page, following

    # -- files and credentials -----------------------------------------------

    def add_file(self, name: str, content_type: str, data: bytes) -> HostedFile:
        """Keep an uploaded file.

        :raises Rejected: past :data:`MAX_HOSTED_BYTES` of uploads.
        """
        if self._hosted_bytes + len(data) > MAX_HOSTED_BYTES:
            raise Rejected(f"the emulator keeps at most {MAX_HOSTED_BYTES // (1024 * 1024)} MiB of uploaded files")
        self._hosted_bytes += len(data)
        hosted = HostedFile(self._next_file, name, content_type, data)
        self._next_file += 1
        self.files[hosted.id] = hosted
        return hosted

    def require_file(self, file_id: int) -> HostedFile:
        """The uploaded file with this id.

        :raises NotFound: if there is none.
        """
        hosted = self.files.get(file_id)
        if hosted is None:
            raise NotFound("File does not exist")
        return hosted

    def add_credential(self, kind: str, fields: Dict[str, Any]) -> Credential:
        """Store a set of push notification credentials."""
        credential = Credential(self._next_credential, kind, fields)
        self._next_credential += 1
        self.credentials[credential.id] = credential
        return credential

    def require_credential(self, credential_id: int) -> Credential:
        """The credential with this id.

        :raises NotFound: if there is none.
        """
        credential = self.credentials.get(credential_id)
        if credential is None:
            raise self._missing("credential", credential_id, "Push notification credential")
        return credential

    def delete_credential(self, credential_id: int) -> None:
        """Delete a set of push notification credentials.

        :raises NotFound: if there is none with this id.
        """
        self.require_credential(credential_id)
        del self.credentials[credential_id]
        self._forget("credential", [credential_id])

    def credential_list(self) -> List[Credential]:
        """Every credential, in id order."""
        return [self.credentials[key] for key in sorted(self.credentials)]

    @staticmethod
    def fingerprint(data: bytes) -> str:
        """A short, stable digest of some bytes (stands in for parsed certificate data)."""
        return hashlib.sha256(data).hexdigest()[:32]
