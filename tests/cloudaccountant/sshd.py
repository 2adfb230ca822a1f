"""A real OpenSSH server on loopback for the accountant's remote-source tier.

Its own host key, port, pid file and ``authorized_keys``; started in the foreground as our child
(``sshd -D -e``) and stopped by its PID. Nothing of the machine's own ssh setup is read or
changed (``/etc/ssh`` is not used; the client gets its own ``ssh_config`` with ``-F``), except
that sshd's privilege-separation directory ``/run/sshd`` is created when missing.

The account: the test process runs as root, so the importer logs in as **root** with a key made
for the run, accepted only by this sshd (its ``AuthorizedKeysFile`` is a file of the run's own,
per user: ``authorized_keys.%u``; only root has one). A dedicated throwaway user would have to be
added to the machine's ``/etc/passwd`` by the tests and removed afterwards (and would race with
parallel runs); root with a run-scoped key changes nothing on the machine, has no forced command,
and reaches the same files and commands (sacct, the log directories) a head node's root does.
``StrictModes no``: the run's files live under ``/tmp``, which sshd's ownership check refuses.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def sshd_missing() -> str | None:
    """Why the tier cannot run here, or None."""
    if (
        not os.path.exists(SSHD)
        or shutil.which("ssh") is None
        or shutil.which("ssh-keygen") is None
    ):
        return "OpenSSH not installed (sshd, ssh, ssh-keygen): apt-get install openssh-server"
    if os.geteuid() != 0:
        return "the ssh tier logs in as root (the test process must run as root)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Sshd:
    base: Path
    port: int
    process: subprocess.Popen | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ssh_config(self) -> Path:
        return self.base / "ssh_config"

    @property
    def ssh_options(self) -> str:
        """``import.ssh_options`` for the importers: this run's client configuration."""
        return f"-F {self.ssh_config}"

    def url(self, path: str = "", user: str = "root", host: str = "127.0.0.1") -> str:
        return f"ssh://{user}@{host}:{self.port}{path}"

    def log(self) -> str:
        path = self.base / "sshd.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None
        if not os.environ.get("SCM_KEEP_SSHD"):
            shutil.rmtree(self.base, ignore_errors=True)


def _keygen(path: Path, comment: str) -> str:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
        check=True,
        capture_output=True,
    )
    return path.with_suffix(".pub").read_text().strip()


def start_sshd(set_env: dict[str, str] | None = None) -> Sshd:
    """Start an sshd on a free loopback port; ``set_env`` is given to every session (SetEnv)."""
    base = Path(tempfile.mkdtemp(prefix="scm-sshd-"))
    sshd = Sshd(base, free_port(), extra=dict(set_env or {}))
    try:
        host_public = _keygen(base / "host_ed25519", "scm-test-host")
        client_public = _keygen(base / "client_ed25519", "scm-test-client")
        _keygen(base / "stranger_ed25519", "scm-test-stranger")  # never authorised
        (base / "authorized_keys.root").write_text(client_public + "\n")
        (base / "known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {host_public}\n")
        env = " ".join(f"{k}={v}" for k, v in sshd.extra.items())
        (base / "sshd_config").write_text(
            f"Port {sshd.port}\nListenAddress 127.0.0.1\nHostKey {base}/host_ed25519\n"
            f"PidFile {base}/sshd.pid\nAuthorizedKeysFile {base}/authorized_keys.%u\n"
            "AuthenticationMethods publickey\nPubkeyAuthentication yes\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nStrictModes no\nX11Forwarding no\n"
            "AllowTcpForwarding no\nPrintMotd no\nMaxStartups 50\nLogLevel VERBOSE\n"
            + (f"SetEnv {env}\n" if env else "")
        )
        common = (
            f"  UserKnownHostsFile {base}/known_hosts\n  StrictHostKeyChecking yes\n"
            "  BatchMode yes\n  IdentitiesOnly yes\n  ConnectTimeout 10\n  LogLevel ERROR\n"
        )
        # "refused" is this sshd reached with a key it does not accept.
        (base / "ssh_config").write_text(
            f"Host refused\n  HostName 127.0.0.1\n  Port {sshd.port}\n"
            f"  HostKeyAlias [127.0.0.1]:{sshd.port}\n"
            f"  IdentityFile {base}/stranger_ed25519\n{common}"
            f"Host * !refused\n  IdentityFile {base}/client_ed25519\n{common}"
        )
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)
        check = subprocess.run(
            [SSHD, "-t", "-f", str(base / "sshd_config")], capture_output=True, text=True
        )
        if check.returncode != 0:
            raise RuntimeError(f"sshd -t: {check.stderr.strip()}")
        log = open(base / "sshd.log", "ab")  # noqa: SIM115  (kept by the child)
        sshd.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(base / "sshd_config")], stdout=log, stderr=log
        )
        deadline = time.monotonic() + 10
        while True:
            if sshd.process.poll() is not None:
                raise RuntimeError(f"sshd exited with {sshd.process.returncode}: {sshd.log()}")
            with socket.socket() as s:
                s.settimeout(0.2)
                if s.connect_ex(("127.0.0.1", sshd.port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"sshd not listening after 10 s: {sshd.log()}")
            time.sleep(0.05)
    except BaseException:
        sshd.stop()
        raise
    return sshd
