"""A real SAML single sign-on on loopback (shared/notes/saml-sso.md): one Apache (prefork, for
mod_php) serving the portal under mod_wsgi behind mod_shib on ``https://localhost:<sp>``, and
SimpleSAMLphp as the identity provider on ``https://127.0.0.1:<idp>/simplesamlphp``; shibd as
the SP daemon. Everything lives in one temporary directory; Apache and shibd are stopped by the
PIDs in their own pid files.

The portal's part of the vhost is the shipped ``deploy/apache/shibboleth/cloudportal-sso.conf``
and the SP reads the shipped ``attribute-map.xml``: the tier tests what operators install."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
APACHE = Path("/usr/sbin/apache2")
SHIBD = Path("/usr/sbin/shibd")
METAGEN = Path("/usr/bin/shib-metagen")
MODULES = Path("/usr/lib/apache2/modules")
SSP_WWW = Path("/usr/share/simplesamlphp/www")
CHROMIUM = Path("/usr/bin/chromium")
DEPLOY = REPO / "deploy" / "apache" / "shibboleth"

# The identity provider's people: OID-named attributes, as attribute-map.xml maps them.
UID = "urn:oid:0.9.2342.19200300.100.1.1"
MAIL = "urn:oid:0.9.2342.19200300.100.1.3"
DISPLAY_NAME = "urn:oid:2.16.840.1.113730.3.1.241"
ENTITLEMENT = "urn:oid:1.3.6.1.4.1.5923.1.1.1.7"
ADMIN_ENTITLEMENT = "urn:mace:example.edu:scm-admin"


@dataclass(frozen=True)
class Person:
    username: str
    password: str
    name: str
    email: str
    entitlements: tuple[str, ...] = ()


JANE = Person("jane", "jane-pw", "Jane Doe", "jane@example.edu")
# Two entitlements: the admin rule must find the second of a multi-valued attribute.
BOSS = Person(
    "boss",
    "boss-pw",
    "Bea Boss",
    "boss@example.edu",
    ("urn:mace:example.edu:staff", ADMIN_ENTITLEMENT),
)
CARL = Person("carl", "carl-pw", "Carl Plain", "carl@example.edu")
PEOPLE = (JANE, BOSS, CARL)


def missing() -> str | None:
    """Why the tier cannot run here, or None."""
    for path, package in (
        (APACHE, "apache2"),
        (SHIBD, "shibboleth-sp-utils (libapache2-mod-shib)"),
        (MODULES / "mod_shib.so", "libapache2-mod-shib"),
        (MODULES / "libphp8.2.so", "libapache2-mod-php8.2"),
        (SSP_WWW, "simplesamlphp"),
        (CHROMIUM, "chromium"),
    ):
        if not path.exists():
            return f"sso tier: {path} is missing (apt-get install {package})"
    php = shutil.which("php")
    modules = subprocess.run([php, "-m"], capture_output=True, text=True).stdout if php else ""
    if not {"dom", "mbstring"} <= set(modules.split()):
        return "sso tier: PHP has no DOM extension (apt-get install php-xml php-mbstring)"
    if not Path(sys.executable).with_name("mod_wsgi-express").exists():
        return "sso tier: mod_wsgi is not installed in this venv (pip install mod-wsgi)"
    prefix = Path(os.path.realpath(sys.base_prefix))
    for parent in prefix.parents:
        if parent != Path("/") and not os.stat(parent).st_mode & 0o001:
            return (
                f"sso tier: Apache's www-data workers cannot reach this Python under {parent} "
                f"(chmod o+x {parent})"
            )
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(args, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run(args, capture_output=True, text=True, timeout=60, **kw)
    if result.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {result.stderr or result.stdout}")
    return result


def _cert(directory: Path, name: str, cn: str, san: str | None = None) -> tuple[Path, Path]:
    key, crt = directory / f"{name}.key", directory / f"{name}.crt"
    args = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    args += ["-keyout", str(key), "-out", str(crt), "-subj", f"/CN={cn}"]
    if san:
        args += ["-addext", f"subjectAltName={san}"]
    _run(args)
    key.chmod(0o644)  # read by www-data (Apache workers, PHP): a throwaway test key
    return key, crt


@dataclass
class SamlRig:
    root: Path
    sp_port: int
    idp_port: int
    portal_ini: Path
    logs: list[Path] = field(default_factory=list)

    @property
    def ca(self) -> str:
        """The rig's self-signed TLS certificate (localhost and 127.0.0.1), to verify against."""
        return str(self.root / "tls.crt")

    @property
    def sp_url(self) -> str:
        return f"https://localhost:{self.sp_port}"

    @property
    def idp_url(self) -> str:
        return f"https://127.0.0.1:{self.idp_port}/simplesamlphp"

    def write_portal_ini(self, settings: dict[str, str]) -> None:
        lines = ["[app:main]", "use = egg:scm#cloudportal"]
        for key, value in settings.items():
            lines.append(f"{key} = " + str(value).replace("\n", "\n    "))
        self.portal_ini.write_text("\n".join(lines) + "\n")

    def log_tail(self, limit: int = 3000) -> str:
        out = []
        for path in self.logs:
            if path.exists():
                out.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-limit:])
        return "\n".join(out)

    # -- start -----------------------------------------------------------------------------
    def start(self) -> None:
        self._write_idp()
        self._write_sp()
        self._write_apache()
        _run([str(APACHE), "-f", str(self.root / "apache.conf"), "-t"])
        _run([str(APACHE), "-f", str(self.root / "apache.conf"), "-k", "start"])
        self._wait(lambda: requests.get(self.idp_url + "/", verify=self.ca, timeout=2), "the IdP")
        metadata = requests.get(
            self.idp_url + "/saml2/idp/metadata.php", verify=self.ca, timeout=10
        )
        metadata.raise_for_status()
        (self.root / "sp" / "idp-metadata.xml").write_text(metadata.text)
        sp = self.root / "sp"
        _run(
            [
                str(SHIBD),
                "-f",
                "-c",
                str(sp / "shibboleth2.xml"),
                "-p",
                str(sp / "run" / "shibd.pid"),
                "-w",
                "30",
            ]
        )
        self._wait(self._shibd_ok, "shibd")

    def _shibd_ok(self):
        answer = requests.get(self.sp_url + "/Shibboleth.sso/Status", verify=self.ca, timeout=2)
        return answer if "<OK/></Status>" in answer.text else None

    def _wait(self, probe, what: str, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if probe():
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{what} did not come up:\n{self.log_tail()}")

    # -- stop ------------------------------------------------------------------------------
    def stop(self) -> None:
        _stop_pid_file(self.root / "sp" / "run" / "shibd.pid")
        _stop_pid_file(self.root / "run" / "apache2.pid")

    # -- configuration ---------------------------------------------------------------------
    def _write_idp(self) -> None:
        idp = self.root / "idp"
        for sub in ("config", "metadata", "cert", "log", "data", "work", "sessions"):
            (idp / sub).mkdir(parents=True)
            (idp / sub).chmod(0o777)
        _cert(idp / "cert", "idp", "idp.test")
        (idp / "config" / "config.php").write_text(
            f"""<?php
$config = [
    'baseurlpath' => '{self.idp_url}/',
    'certdir' => '{idp}/cert/',
    'loggingdir' => '{idp}/log/',
    'datadir' => '{idp}/data/',
    'tempdir' => '{idp}/work',
    'metadatadir' => '{idp}/metadata/',
    'technicalcontact_name' => 'SCM tests',
    'technicalcontact_email' => 'root@localhost',
    'timezone' => 'UTC',
    'secretsalt' => '{os.urandom(16).hex()}',
    'auth.adminpassword' => '{os.urandom(16).hex()}',
    'admin.protectindexpage' => false,
    'admin.protectmetadata' => false,
    'admin.checkforupdates' => false,
    'trusted.url.domains' => ['localhost', '127.0.0.1'],
    'showerrors' => true,
    'errorreporting' => false,
    'logging.level' => SimpleSAML\\Logger::INFO,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
    'session.cookie.secure' => true,
    'session.cookie.samesite' => 'None',
    'session.phpsession.savepath' => '{idp}/sessions',
    'store.type' => 'phpsession',
    'language.available' => ['en'],
    'language.default' => 'en',
    'metadata.sources' => [
        ['type' => 'flatfile'],
        ['type' => 'xml', 'file' => '{idp}/sp-metadata.xml'],
    ],
];
"""
        )
        users = []
        for p in PEOPLE:
            attributes = [f"'{UID}' => ['{p.username}']", f"'{MAIL}' => ['{p.email}']"]
            attributes.append(f"'{DISPLAY_NAME}' => ['{p.name}']")
            if p.entitlements:
                values = ", ".join(f"'{v}'" for v in p.entitlements)
                attributes.append(f"'{ENTITLEMENT}' => [{values}]")
            users.append(f"        '{p.username}:{p.password}' => [{', '.join(attributes)}],")
        (idp / "config" / "authsources.php").write_text(
            "<?php\n$config = [\n    'admin' => ['core:AdminPassword'],\n"
            "    'example-userpass' => [\n        'exampleauth:UserPass',\n"
            + "\n".join(users)
            + "\n    ],\n];\n"
        )
        (idp / "metadata" / "saml20-idp-hosted.php").write_text(
            """<?php
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'example-userpass',
    'attributes.NameFormat' => 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
    // Signed LogoutResponses: the SP refuses an unsigned one over the HTTP-Redirect binding
    // ("Security of LogoutResponse not established").
    'sign.logout' => true,
];
"""
        )
        self.logs.append(idp / "log" / "simplesamlphp.log")

    def _write_sp(self) -> None:
        sp = self.root / "sp"
        for sub in ("run", "log"):
            (sp / sub).mkdir(parents=True)
            (sp / sub).chmod(0o777)
        key, crt = _cert(sp, "sp", "localhost")
        entity = f"{self.sp_url}/shibboleth"
        # -L: the SP's SingleLogoutService endpoints, without which the IdP cannot answer the
        # SP's LogoutRequest (SimpleSAMLphp then shows "Could not find a supported
        # SingleLogoutService endpoint" instead of returning to the portal).
        metagen = [str(METAGEN), "-2", "-L", "-c", str(crt), "-h", f"localhost:{self.sp_port}"]
        metadata = _run([*metagen, "-e", entity]).stdout
        (self.root / "idp" / "sp-metadata.xml").write_text(metadata)
        shutil.copy(DEPLOY / "attribute-map.xml", sp / "attribute-map.xml")
        for name, level in (("shibd", "INFO"), ("native", "WARN")):
            log = sp / "log" / f"{name}.log"
            log.touch()
            log.chmod(0o666)
            self.logs.append(log)
            (sp / f"{name}.logger").write_text(
                f"log4j.rootCategory={level}, out\n"
                "log4j.appender.out=org.apache.log4j.FileAppender\n"
                f"log4j.appender.out.fileName={log}\n"
                "log4j.appender.out.layout=org.apache.log4j.PatternLayout\n"
                "log4j.appender.out.layout.ConversionPattern=%d{%Y-%m-%d %H:%M:%S} %p %c %x: "
                "%m%n\n"
            )
        (sp / "shibboleth2.xml").write_text(
            f"""<SPConfig xmlns="urn:mace:shibboleth:3.0:native:sp:config"
          xmlns:conf="urn:mace:shibboleth:3.0:native:sp:config" clockSkew="180">
    <OutOfProcess logger="{sp}/shibd.logger"/>
    <InProcess logger="{sp}/native.logger"/>
    <UnixListener address="{sp}/run/shibd.sock"/>
    <ApplicationDefaults entityID="{entity}" REMOTE_USER="username">
        <Sessions lifetime="28800" timeout="3600" relayState="ss:mem" checkAddress="false"
                  handlerSSL="true" cookieProps="https" redirectLimit="exact">
            <SSO entityID="{self.idp_url}/saml2/idp/metadata.php">SAML2</SSO>
            <Logout>SAML2 Local</Logout>
            <Handler type="Status" Location="/Status" acl="127.0.0.1 ::1"/>
            <Handler type="Session" Location="/Session" showAttributeValues="false"/>
        </Sessions>
        <Errors supportContact="root@localhost" helpLocation="/help"
                styleSheet="/shibboleth-sp/main.css"/>
        <MetadataProvider type="XML" validate="true" path="{sp}/idp-metadata.xml"/>
        <AttributeExtractor type="XML" validate="true" reloadChanges="false"
                            path="{sp}/attribute-map.xml"/>
        <CredentialResolver type="File" key="{key}" certificate="{crt}"/>
    </ApplicationDefaults>
    <SecurityPolicyProvider type="XML" validate="true" path="/etc/shibboleth/security-policy.xml"/>
    <ProtocolProvider type="XML" validate="true" reloadChanges="false"
                      path="/etc/shibboleth/protocols.xml"/>
</SPConfig>
"""
        )

    def _write_apache(self) -> None:
        root = self.root
        for sub in ("run", "log"):
            (root / sub).mkdir(exist_ok=True)
            (root / sub).chmod(0o777)
        key, crt = _cert(root, "tls", "localhost", "DNS:localhost,IP:127.0.0.1")
        module = _run(
            [str(Path(sys.executable).with_name("mod_wsgi-express")), "module-location"]
        ).stdout.strip()
        wsgi = root / "portal" / "cloudportal.wsgi"
        wsgi.write_text(
            f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
            "from pyramid.paster import get_app\n"
            f"application = get_app({str(self.portal_ini)!r}, 'main')\n"
        )
        modules = [
            ("mpm_prefork_module", "mod_mpm_prefork.so"),
            ("authz_core_module", "mod_authz_core.so"),
            ("authz_host_module", "mod_authz_host.so"),
            ("authn_core_module", "mod_authn_core.so"),
            ("alias_module", "mod_alias.so"),
            ("mime_module", "mod_mime.so"),
            ("dir_module", "mod_dir.so"),
            ("env_module", "mod_env.so"),
            ("setenvif_module", "mod_setenvif.so"),
            ("socache_shmcb_module", "mod_socache_shmcb.so"),
            ("ssl_module", "mod_ssl.so"),
            ("php_module", "libphp8.2.so"),
            ("mod_shib", "mod_shib.so"),
        ]
        loads = "\n".join(f"LoadModule {name} {MODULES / so}" for name, so in modules)
        error_log = root / "log" / "error.log"
        self.logs.insert(0, error_log)
        (root / "apache.conf").write_text(
            f"""{loads}
LoadModule wsgi_module {module}
ServerName localhost
PidFile {root}/run/apache2.pid
DefaultRuntimeDir {root}/run
Mutex file:{root}/run default
ErrorLog {error_log}
LogLevel warn
LogFormat "%h %l %u %t \\"%r\\" %>s %b" common
CustomLog {root}/log/access.log common
User www-data
Group www-data
StartServers 2
MinSpareServers 2
MaxSpareServers 4
MaxRequestWorkers 16
TypesConfig /etc/mime.types
Listen 127.0.0.1:{self.sp_port}
Listen 127.0.0.1:{self.idp_port}
SSLSessionCache shmcb:{root}/run/ssl_scache(512000)
ShibConfig {root}/sp/shibboleth2.xml
WSGIPythonHome {sys.prefix}
WSGIRestrictEmbedded On
WSGISocketPrefix {root}/run/wsgi

<VirtualHost 127.0.0.1:{self.sp_port}>
    ServerName {self.sp_url}
    UseCanonicalName On
    SSLEngine on
    SSLCertificateFile {crt}
    SSLCertificateKeyFile {key}
    WSGIDaemonProcess portal processes=1 threads=8 python-home={sys.prefix} \\
        python-path={REPO} lang=C.UTF-8 locale=C.UTF-8
    WSGIProcessGroup portal
    WSGIApplicationGroup %{{GLOBAL}}
    WSGIScriptAlias / {wsgi}
    <Directory {root}/portal>
        Require all granted
    </Directory>
    Include {DEPLOY / "cloudportal-sso.conf"}
</VirtualHost>

<VirtualHost 127.0.0.1:{self.idp_port}>
    ServerName https://127.0.0.1:{self.idp_port}
    UseCanonicalName On
    SSLEngine on
    SSLCertificateFile {crt}
    SSLCertificateKeyFile {key}
    SetEnv SIMPLESAMLPHP_CONFIG_DIR {root}/idp/config
    Alias /simplesamlphp {SSP_WWW}
    <Directory {SSP_WWW}>
        ShibDisable On
        Require all granted
        DirectoryIndex index.php
        <FilesMatch "\\.php$">
            SetHandler application/x-httpd-php
        </FilesMatch>
    </Directory>
</VirtualHost>
"""
        )


def _stop_pid_file(pid_file: Path, timeout: float = 15.0) -> None:
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def make_rig() -> SamlRig:
    """A rig in a fresh directory; write the portal's .ini (``write_portal_ini``), then start."""
    root = Path(tempfile.mkdtemp(prefix="scm-sso-"))
    root.chmod(0o755)
    (root / "portal").mkdir()
    (root / "portal").chmod(0o777)  # the portal's SQLite file and journal, written by www-data
    return SamlRig(root, free_port(), free_port(), root / "portal" / "cloudportal.ini")
