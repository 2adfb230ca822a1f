"""SSH public keys (``scm.ssh_key_mgmt``): validated, and written to
``$HOME/.ssh/authorized_keys`` owned by the user, ``.ssh`` 0700 and the file 0600."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
import struct
import tempfile
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
    """Replace ``home/.ssh/authorized_keys`` atomically. Refuses a symlinked ``.ssh`` or a
    missing home: root must never be led to write elsewhere by a user's link."""
    try:
        home_stat = os.lstat(home)
    except FileNotFoundError:
        raise Conflict(
            f"the $HOME {home} does not exist; create the storage volume first"
        ) from None
    if not stat.S_ISDIR(home_stat.st_mode):
        raise Conflict(f"the $HOME {home} is not a directory")
    ssh = os.path.join(home, ".ssh")
    try:
        ssh_stat = os.lstat(ssh)
        if not stat.S_ISDIR(ssh_stat.st_mode):
            raise Conflict(f"{ssh} is not a directory (a link?); refusing to write keys")
    except FileNotFoundError:
        os.mkdir(ssh, 0o700)
    os.chmod(ssh, 0o700)
    if uid is not None:
        os.chown(ssh, uid, gid if gid is not None else -1, follow_symlinks=False)
    fd, tmp = tempfile.mkstemp(dir=ssh, prefix=".authorized_keys.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
            os.fchmod(f.fileno(), 0o600)
            if uid is not None:
                os.fchown(f.fileno(), uid, gid if gid is not None else -1)
        os.replace(tmp, os.path.join(ssh, "authorized_keys"))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
