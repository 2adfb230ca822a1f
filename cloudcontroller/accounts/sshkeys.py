"""SSH public keys (``scm.ssh_key_mgmt``): validated, and written to
``$HOME/.ssh/authorized_keys`` owned by the user, ``.ssh`` 0700 and the file 0600, only into a
home that belongs to the account and never through a link."""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import re
import secrets
import struct
from dataclasses import dataclass

from common.errors import BadRequest, Conflict

KEY_TYPES = frozenset(
    {
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    }
)
MIN_RSA_BITS = 2048
MAX_KEYS = 50
COMMENT = re.compile(r"^[\x21-\x7e ]{0,255}$")
AUTHORIZED_KEYS = "authorized_keys"
_NOFOLLOW = os.O_NOFOLLOW
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass(frozen=True)
class PublicKey:
    key_type: str
    key_data: str
    comment: str
    fingerprint: str

    @property
    def line(self) -> str:
        return " ".join(p for p in (self.key_type, self.key_data, self.comment) if p)


def _strings(blob: bytes):
    while blob:
        if len(blob) < 4:
            raise ValueError("truncated")
        (size,) = struct.unpack(">I", blob[:4])
        if len(blob) < 4 + size:
            raise ValueError("truncated")
        yield blob[4 : 4 + size]
        blob = blob[4 + size :]


def parse_key(text: str) -> PublicKey:
    """One OpenSSH public key line: ``<type> <base64> [comment]``; no options (``command=``,
    ``from=``...) may precede the type, and the line may not smuggle a second key."""
    if any(c in text for c in "\r\n\x00"):
        raise BadRequest("an SSH public key must be a single line")
    parts = text.strip().split(None, 2)
    if len(parts) < 2 or parts[0] not in KEY_TYPES:
        raise BadRequest(
            "an SSH public key must start with its type (" + ", ".join(sorted(KEY_TYPES)) + "), "
            "with no options before it"
        )
    key_type, data = parts[0], parts[1]
    comment = parts[2].strip() if len(parts) == 3 else ""
    if not COMMENT.match(comment):
        raise BadRequest("an SSH public key's comment must be printable and short")
    try:
        blob = base64.b64decode(data, validate=True)
        fields = list(_strings(blob))
    except (binascii.Error, ValueError):
        raise BadRequest("an SSH public key's data is not valid base64 key material") from None
    if not fields or fields[0].decode("ascii", "replace") != key_type:
        raise BadRequest(f"the key data is not an {key_type} key")
    if key_type == "ssh-rsa":
        if len(fields) != 3:
            raise BadRequest("malformed ssh-rsa key")
        bits = int.from_bytes(fields[2], "big").bit_length()
        if bits < MIN_RSA_BITS:
            raise BadRequest(f"RSA keys must have at least {MIN_RSA_BITS} bits, not {bits}")
    elif key_type == "ssh-ed25519" and (len(fields) != 2 or len(fields[1]) != 32):
        raise BadRequest("malformed ssh-ed25519 key")
    digest = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    return PublicKey(key_type, data, comment, "SHA256:" + digest)


def parse_keys(lines: list[str]) -> list[PublicKey]:
    if len(lines) > MAX_KEYS:
        raise BadRequest(f"at most {MAX_KEYS} SSH public keys")
    keys, seen = [], set()
    for line in lines:
        key = parse_key(line)
        if key.fingerprint not in seen:
            seen.add(key.fingerprint)
            keys.append(key)
    return keys


def write_authorized_keys(home: str, uid: int | None, gid: int | None, lines: list[str]) -> None:
    """Replace ``home/.ssh/authorized_keys`` atomically, as the account's own file.

    Root writes here on a user's behalf, into a directory that user controls: every step goes
    through directory descriptors opened with ``O_NOFOLLOW``, so no link the user (or anyone)
    planted can lead the write elsewhere, and the home must belong to the account's uid, so a
    system name pointing at someone else's home writes nothing."""
    with _ssh_dir(home, uid, gid, create=True) as ssh_fd:
        tmp = f".authorized_keys.scm.{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=ssh_fd)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                os.fchown(f.fileno(), uid, gid if gid is not None else -1)
                os.fchmod(f.fileno(), 0o600)
                f.write("".join(line + "\n" for line in lines))
                f.flush()
                os.fsync(f.fileno())
            # rename() replaces a link named authorized_keys itself, never what it points to
            os.replace(tmp, AUTHORIZED_KEYS, src_dir_fd=ssh_fd, dst_dir_fd=ssh_fd)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp, dir_fd=ssh_fd)
            raise


def remove_authorized_keys(home: str, uid: int | None) -> bool:
    """Remove the ``authorized_keys`` SCM wrote (and ``.ssh`` when that leaves it empty); False
    when the home is gone or fails the checks (nothing removed: it is not this account's)."""
    try:
        with (
            _ssh_dir(home, uid, None, create=False) as ssh_fd,
            contextlib.suppress(FileNotFoundError),
        ):
            os.unlink(AUTHORIZED_KEYS, dir_fd=ssh_fd)
    except (HomeRefused, FileNotFoundError):
        return False
    with contextlib.suppress(OSError), _home_dir(home, uid) as home_fd:
        os.rmdir(".ssh", dir_fd=home_fd)  # only when empty: the user's own files stay
    return True


class HomeRefused(Conflict):
    """The $HOME (or its .ssh) is not a plain directory owned by the account: nothing written."""


@contextlib.contextmanager
def _home_dir(home: str, uid: int | None):
    if uid is None:
        raise HomeRefused(f"the account of {home} has no uid on this host; refusing to write keys")
    try:
        fd = os.open(home, _DIR_FLAGS)
    except FileNotFoundError:
        raise HomeRefused(
            f"the $HOME {home} does not exist; create the storage volume first"
        ) from None
    except OSError:
        raise HomeRefused(f"the $HOME {home} is not a directory (a link?); refusing") from None
    try:
        owner = os.fstat(fd).st_uid
        if owner != uid:
            raise HomeRefused(
                f"the $HOME {home} belongs to uid {owner}, not to the account's uid {uid}; "
                "refusing to write keys"
            )
        yield fd
    finally:
        os.close(fd)


@contextlib.contextmanager
def _ssh_dir(home: str, uid: int | None, gid: int | None, create: bool):
    with _home_dir(home, uid) as home_fd:
        made = False
        if create:
            try:
                os.mkdir(".ssh", 0o700, dir_fd=home_fd)
                made = True
            except FileExistsError:
                pass
        try:
            fd = os.open(".ssh", _DIR_FLAGS, dir_fd=home_fd)
        except FileNotFoundError:
            raise  # nothing to remove (create=False); never "a link"
        except OSError:
            raise HomeRefused(f"{home}/.ssh is not a directory (a link?); refusing") from None
        try:
            if made:
                os.fchown(fd, uid, gid if gid is not None else -1)
            elif os.fstat(fd).st_uid != uid:
                raise HomeRefused(
                    f"{home}/.ssh belongs to uid {os.fstat(fd).st_uid}, not {uid}; refusing"
                )
            os.fchmod(fd, 0o700)
            yield fd
        finally:
            os.close(fd)
