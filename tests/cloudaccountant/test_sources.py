"""Where accounting data is read from: local files (plain or gzipped), local commands, ssh."""

from __future__ import annotations

import gzip

import pytest

from cloudaccountant.importing.sources import (
    LocalSource,
    SourceError,
    SshSource,
    parse_location,
)


def test_locations_name_a_local_path_this_host_or_an_ssh_host():
    assert parse_location("local") == (LocalSource(), "")
    assert parse_location("/var/spool/pbs") == (LocalSource(), "/var/spool/pbs")
    source, path = parse_location("ssh://root@hpc-head:2222/var/acct file", ("-o", "BatchMode=yes"))
    assert source == SshSource("root@hpc-head", 2222, ("-o", "BatchMode=yes"))
    assert path == "/var/acct file"
    assert parse_location("ssh://hpc-head")[0].destination == "hpc-head"
    with pytest.raises(SourceError, match="use a local path, 'local' or an ssh:// URL"):
        parse_location("ftp://host/x")
    with pytest.raises(SourceError, match="needs a host"):
        parse_location("ssh:///x")


def test_ssh_commands_are_quoted_for_the_remote_shell():
    source = SshSource("root@hpc-head", 2222, ("-o", "BatchMode=yes"))
    argv = source._ssh("sacct --format=JobID")
    assert argv == ["ssh", "-o", "BatchMode=yes", "-p", "2222", "root@hpc-head", "--", argv[-1]]
    assert source.label == "ssh://root@hpc-head:2222"


def test_local_files_stream_plain_or_gzipped(tmp_path):
    (tmp_path / "a").write_bytes(b"one\ntwo\n")
    with gzip.open(tmp_path / "b.gz", "wb") as out:
        out.write(b"three\n")
    with LocalSource().open(str(tmp_path / "a")) as lines:
        assert list(lines) == [b"one\n", b"two\n"]
    with LocalSource().open(str(tmp_path / "b.gz")) as lines:
        assert list(lines) == [b"three\n"]
    with (
        pytest.raises(SourceError, match="cannot read .*/missing"),
        LocalSource().open(str(tmp_path / "missing")),
    ):
        pass


def test_commands_stream_and_a_failure_says_why():
    with LocalSource().run(["sh", "-c", 'printf "x\\ny\\n"; echo "$TZ"'], {"TZ": "UTC"}) as lines:
        assert list(lines) == [b"x\n", b"y\n", b"UTC\n"]
    failing = LocalSource().run(["sh", "-c", "echo nope >&2; exit 3"])
    with pytest.raises(SourceError, match="sh exited with 3: nope"), failing as lines:
        list(lines)
    missing = LocalSource().run(["/no/such/sacct"])
    with pytest.raises(SourceError, match="cannot run /no/such/sacct"), missing:
        pass
