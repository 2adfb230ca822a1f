"""A real SMTP sink for the browser tier: ``python -m aiosmtpd`` as a child process on a
loopback port, keeping every message in a Maildir (shared/notes/peers.md), stopped by its PID."""

from __future__ import annotations

import mailbox
import re
import socket
import subprocess
import sys
import time
from email import policy
from email.parser import BytesParser
from pathlib import Path

from tests.live import free_port


class MailSink:
    def __init__(self, maildir: Path):
        self.maildir = maildir
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{self.port}",
                "-c",
                "aiosmtpd.handlers.Mailbox",
                str(maildir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("aiosmtpd did not start") from None
                time.sleep(0.1)

    def messages_to(self, address: str) -> list:
        box = mailbox.Maildir(str(self.maildir), factory=None, create=False)
        found = []
        for key in box.iterkeys():
            message = BytesParser(policy=policy.default).parsebytes(box.get_bytes(key))
            if message["To"] == address:
                found.append(message)
        return sorted(found, key=lambda m: m["Date"] or "")

    def wait_for(self, address: str, count: int = 1, timeout: float = 20.0):
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages_to(address)
            if len(found) >= count:
                return found[count - 1]
            assert time.monotonic() < deadline, f"no mail #{count} to {address}"
            time.sleep(0.2)

    @staticmethod
    def link(message, path: str) -> str:
        """The link to ``path...`` in a mail's text."""
        text = message.get_content()
        found = re.search(r"(https?://\S+" + re.escape(path) + r"[A-Za-z0-9_\-]+)", text)
        assert found, text
        return found.group(1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
