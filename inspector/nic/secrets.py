"""NIC's secret store: which secrets NIC can see, whether it deems them valid, and the files it writes for them.

NIC only stores secrets of the types it supports (an ``Opaque`` secret is invisible, i.e. "doesn't exist"), validates
each by its type, and writes a valid one to ``/etc/nginx/secrets`` the first time a resource asks for it; the
``SecretReference.path`` string it hands to config generation is what ends up in ``ssl_*`` directives.

Sources: ``internal/k8s/secrets/store.go :: LocalSecretStore.GetSecret/AddOrUpdateSecret``,
``internal/k8s/secrets/validation.go``, ``internal/configs/configurator.go :: AddOrUpdateSecret,
AddOrUpdateCASecret, addOrUpdateTLSSecret, GenerateCertAndKeyFileContent, objectMetaToFileName``.

Go's crypto error texts cannot all be reproduced byte for byte: the PEM-structure errors of ``tls.X509KeyPair``
are (they are fixed strings); DER parse errors are reported with Go's most common text ``x509: malformed
certificate`` and key parse errors with ``tls: failed to parse private key``.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from types import MappingProxyType

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from inspector.model import Cluster, ControllerSettings, Meta, PromisedSecret, Secret
from inspector.nic import messages
from inspector.nic.messages import NicWarning
from inspector.nic.types import SecretReference

SECRETS_DIR = "/etc/nginx/secrets"
"""``configurator.go :: DefaultSecretPath`` and the manager's ``secretsPath``."""
DEFAULT_SERVER_SECRET = f"{SECRETS_DIR}/default"
"""``configurator.go :: DefaultServerSecretPath``."""
WILDCARD_SECRET = f"{SECRETS_DIR}/wildcard"
"""``configurator.go :: pemFileNameForWildcardTLSSecret``."""
SECRET_DIR_VARIABLE = "$secret_dir_path"
"""The variable NIC's templates print instead of ``SECRETS_DIR`` under ``-ssl-dynamic-reload`` (the default)."""


def make_secret_path(path: str, ssl_dynamic_reload: bool = True) -> str:
    """``commonhelpers/common_template_helpers.go :: MakeSecretPath``: the first ``SECRETS_DIR`` -> variable."""
    return path.replace(SECRETS_DIR, SECRET_DIR_VARIABLE, 1) if ssl_dynamic_reload else path


def written_path(rendered: str) -> str:
    """The file a rendered ``ssl_*`` value names, as NIC writes it: ``make_secret_path`` undone, first field only.

    A CA secret's reference carries the CRL as a second field (``SecretReference.path``).
    """
    fields = rendered.split()
    path = fields[0] if fields else ""
    if path.startswith(SECRET_DIR_VARIABLE + "/"):
        return SECRETS_DIR + path[len(SECRET_DIR_VARIABLE) :]
    return path

TYPE_TLS = "kubernetes.io/tls"
TYPE_CA = "nginx.org/ca"
TYPE_JWK = "nginx.org/jwk"
TYPE_OIDC = "nginx.org/oidc"
TYPE_HTPASSWD = "nginx.org/htpasswd"
TYPE_APIKEY = "nginx.org/apikey"
TYPE_LICENSE = "nginx.com/license"
TYPE_WAF_BUNDLE = "nginx.com/waf-bundle"

SUPPORTED_SECRET_TYPES: frozenset[str] = frozenset(
    {TYPE_TLS, TYPE_CA, TYPE_JWK, TYPE_OIDC, TYPE_HTPASSWD, TYPE_APIKEY, TYPE_LICENSE, TYPE_WAF_BUNDLE}
)
"""``secrets/validation.go :: IsSupportedSecretType``; the secret informer drops every other type."""

CA_CRT_KEY = "ca.crt"
CA_CRL_KEY = "ca.crl"
MISSING_SECRET_ERROR = "secret doesn't exist or of an unsupported type"
"""``store.go :: GetSecret`` for a key the store does not hold."""


# --- Go encoding/pem -------------------------------------------------------------------------------------------

_PEM_BEGIN = b"-----BEGIN "
_PEM_END = b"-----END "
_PEM_TAIL = b"-----"


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block Go's ``pem.Decode`` would find, in order, as (type, DER bytes).

    Like Go, text before, between and after blocks is skipped, and a block whose body does not decode is skipped.
    """
    out: list[tuple[str, bytes]] = []
    rest = data
    while True:
        block, rest_after = _pem_decode(rest)
        if block is None:
            return out
        out.append(block)
        rest = rest_after


def _pem_decode(data: bytes) -> tuple[tuple[str, bytes] | None, bytes]:
    """One step of Go ``pem.Decode``: the first decodable block and the rest after it."""
    while True:
        if data.startswith(_PEM_BEGIN):
            rest = data[len(_PEM_BEGIN) :]
        else:
            idx = data.find(b"\n" + _PEM_BEGIN)
            if idx < 0:
                return None, data
            rest = data[idx + 1 + len(_PEM_BEGIN) :]
        line_end = rest.find(b"\n")
        type_line = rest if line_end < 0 else rest[:line_end]
        type_line = type_line.rstrip(b"\r \t")
        if not type_line.endswith(_PEM_TAIL):
            data = rest
            continue
        block_type = type_line[: -len(_PEM_TAIL)]
        body_start = rest[len(type_line) :].lstrip(b"\r")
        if body_start.startswith(b"\n"):
            body_start = body_start[1:]
        end_marker = _PEM_END + block_type + _PEM_TAIL
        end = body_start.find(end_marker)
        if end < 0:
            data = rest
            continue
        body = body_start[:end]
        # Headers (RFC 1421 "Key: value" lines) end at the first blank line.
        if b":" in body.split(b"\n", 1)[0]:
            parts = re.split(rb"\r?\n\r?\n", body, maxsplit=1)
            body = parts[1] if len(parts) == 2 else b""
        try:
            der = base64.b64decode(re.sub(rb"[ \t\r\n]", b"", body), validate=True)
        except (binascii.Error, ValueError):
            data = rest
            continue
        after = body_start[end + len(end_marker) :]
        return (block_type.decode("latin-1"), der), after


# --- validation (internal/k8s/secrets/validation.go) -----------------------------------------------------------


def _go_list(items: list[str]) -> str:
    """Go's ``%v`` of a ``[]string``: ``[A B]``."""
    return "[" + " ".join(items) + "]"


def x509_key_pair_error(cert_pem: bytes, key_pem: bytes) -> str | None:
    """What Go's ``tls.X509KeyPair`` returns, as text (None when the pair loads)."""
    certs: list[bytes] = []
    skipped: list[str] = []
    for block_type, der in pem_blocks(cert_pem):
        if block_type == "CERTIFICATE":
            certs.append(der)
        else:
            skipped.append(block_type)
    if not certs:
        if not skipped:
            return "tls: failed to find any PEM data in certificate input"
        if len(skipped) == 1 and skipped[0].endswith("PRIVATE KEY"):
            return (
                "tls: failed to find certificate PEM data in certificate input, but did find a private key; "
                "PEM inputs may have been switched"
            )
        return (
            'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping PEM blocks of the '
            f"following types: {_go_list(skipped)}"
        )
    skipped = []
    key_der: bytes | None = None
    for block_type, der in pem_blocks(key_pem):
        if block_type == "PRIVATE KEY" or block_type.endswith(" PRIVATE KEY"):
            key_der = der
            break
        skipped.append(block_type)
    if key_der is None:
        if not skipped:
            return "tls: failed to find any PEM data in key input"
        if skipped == ["CERTIFICATE"]:
            return "tls: found a certificate rather than a key in the PEM for the private key"
        return (
            'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input after skipping PEM '
            f"blocks of the following types: {_go_list(skipped)}"
        )
    try:
        cert = x509.load_der_x509_certificate(certs[0])
        public = cert.public_key()
    except (ValueError, UnsupportedAlgorithm):
        return "x509: malformed certificate"
    try:
        private = serialization.load_der_private_key(key_der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return "tls: failed to parse private key"
    if not isinstance(private, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        # Go's parsePrivateKey only returns RSA, ECDSA and Ed25519 keys.
        return "tls: failed to parse private key"
    return _key_match_error(public, private)


def _key_match_error(public: object, private: object) -> str | None:
    """The public-key/private-key agreement check at the end of ``tls.X509KeyPair``."""
    pairs: tuple[tuple[type, type], ...] = (
        (rsa.RSAPublicKey, rsa.RSAPrivateKey),
        (ec.EllipticCurvePublicKey, ec.EllipticCurvePrivateKey),
        (ed25519.Ed25519PublicKey, ed25519.Ed25519PrivateKey),
    )
    for pub_type, priv_type in pairs:
        if isinstance(public, pub_type):
            if not isinstance(private, priv_type):
                return "tls: private key type does not match public key type"
            mine = private.public_key().public_bytes(  # type: ignore[attr-defined]
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            theirs = public.public_bytes(  # type: ignore[attr-defined]
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            return None if mine == theirs else "tls: private key does not match public key"
    return "tls: unknown public key algorithm"


def validate_tls_secret(secret: Secret) -> str | None:
    """``ValidateTLSSecret``: ``tls.crt``/``tls.key`` must load as a key pair."""
    if secret.type != TYPE_TLS:
        return f"TLS Secret must be of the type {TYPE_TLS}"
    problem = x509_key_pair_error(secret.data.get("tls.crt", b""), secret.data.get("tls.key", b""))
    return None if problem is None else f"failed to validate TLS cert and key: {problem}"


def validate_ca_secret(secret: Secret) -> str | None:
    """``ValidateCASecret``: ``ca.crt`` present and its *first* PEM block a parseable certificate.

    The rest of a multi-certificate bundle and the ``ca.crl`` key are never looked at (nginx finds out later).
    """
    if secret.type != TYPE_CA:
        return f"CA secret must be of the type {TYPE_CA}"
    if CA_CRT_KEY not in secret.data:
        return f"CA secret must have the data field {CA_CRT_KEY}"
    block, _ = _pem_decode(secret.data[CA_CRT_KEY])
    if block is None:
        return f"the data field {CA_CRT_KEY} must hold a valid CERTIFICATE PEM block"
    block_type, der = block
    if block_type != "CERTIFICATE":
        return f"the data field {CA_CRT_KEY} must hold a valid CERTIFICATE PEM block, but got '{block_type}'"
    try:
        x509.load_der_x509_certificate(der)
    except (ValueError, UnsupportedAlgorithm):
        return "failed to validate certificate: x509: malformed certificate"
    return None


_CLIENT_SECRET_RE = re.compile(r'([^"$\\\s]|\\[^$])*', re.ASCII)


def validate_secret(secret: Secret) -> str | None:
    """``secrets/validation.go :: ValidateSecret``: the per-type check the store records as ``Error``."""
    t = secret.type
    if t == TYPE_TLS:
        return validate_tls_secret(secret)
    if t == TYPE_CA:
        return validate_ca_secret(secret)
    if t == TYPE_JWK:
        return None if "jwk" in secret.data else "JWK secret must have the data field jwk"
    if t == TYPE_OIDC:
        if "client-secret" not in secret.data:
            return "OIDC secret must have the data field client-secret"
        value = secret.data["client-secret"].decode("utf-8", "replace")
        if _CLIENT_SECRET_RE.fullmatch(value) is None:
            return (
                "OIDC client secret is invalid: It must contain valid ASCII characters, must have all '\"' escaped "
                "and must not contain any '$' or whitespaces ('\\n', '\\t' etc.) or end with an unescaped '\\'"
            )
        return None
    if t == TYPE_HTPASSWD:
        return None if "htpasswd" in secret.data else "htpasswd secret must have the data field htpasswd"
    if t == TYPE_APIKEY:
        values = list(secret.data.values())
        return "API Keys cannot be repeated" if len(values) != len(set(values)) else None
    if t == TYPE_LICENSE:
        return None if "license.jwt" in secret.data else "license secret must have the data field license.jwt"
    if t == TYPE_WAF_BUNDLE:
        has_token, has_user = "token" in secret.data, "username" in secret.data
        if not has_token and not has_user:
            return "WAF bundle secret must contain 'token' or 'username'+'password'"
        if has_user and "password" not in secret.data:
            return "WAF bundle secret with 'username' must also contain 'password'"
        return None
    return f"secret is of the unsupported type {t}"


# --- file naming and content (internal/configs/configurator.go) --------------------------------------------------


def file_base(secret: Secret) -> str:
    """``objectMetaToFileName``: ``<namespace>-<name>``."""
    return f"{secret.meta.ref.namespace}-{secret.meta.ref.name}"


def secret_path(secret: Secret) -> str:
    """The path string ``AddOrUpdateSecret`` returns for a valid secret (two space-separated paths for a CA)."""
    base = f"{SECRETS_DIR}/{file_base(secret)}"
    if secret.type == TYPE_CA:
        return f"{base}-{CA_CRT_KEY} {base}-{CA_CRL_KEY}"
    if secret.type in (TYPE_OIDC, TYPE_APIKEY, TYPE_LICENSE):
        return ""
    return base


def tls_secret_warning(name: str, ref: SecretReference | None) -> NicWarning | None:
    """Why a server's TLS secret is unusable (NIC then rejects the handshake), None when ``ref.path`` serves.

    The same two texts in ``ingress.go :: addSSLConfig`` and ``virtualserver.go :: generateSSLConfig``; a
    secret the store does not hold is a lookup error (``store.go :: GetSecret``).
    """
    if ref is None:
        return messages.W17A(name, MISSING_SECRET_ERROR)
    if ref.secret is not None and ref.secret.type and ref.secret.type != TYPE_TLS:
        return messages.W17B(name, ref.secret.type, TYPE_TLS)
    if ref.error is not None:
        return messages.W17A(name, ref.error)
    return None


def secret_files(ref: SecretReference) -> dict[str, bytes]:
    """Absolute path -> bytes NIC writes for a resolved secret (nothing for a missing or invalid one).

    TLS (and every type that falls to the default branch): ``tls.crt + "\\n" + tls.key``. CA: ``-ca.crt`` and
    *always* ``-ca.crl`` (empty when the key is absent). JWK/htpasswd: the ``jwk``/``htpasswd`` value.
    """
    secret = ref.secret
    if secret is None or ref.error is not None or not ref.path:
        return {}
    paths = ref.path.split()
    if secret.type == TYPE_CA:
        return {paths[0]: secret.data.get(CA_CRT_KEY, b""), paths[1]: secret.data.get(CA_CRL_KEY, b"")}
    if secret.type == TYPE_JWK:
        return {paths[0]: secret.data.get("jwk", b"")}
    if secret.type == TYPE_HTPASSWD:
        return {paths[0]: secret.data.get("htpasswd", b"")}
    return {paths[0]: secret.data.get("tls.crt", b"") + b"\n" + secret.data.get("tls.key", b"")}


def promised_secrets(cluster: Cluster, settings: ControllerSettings) -> dict[str, PromisedSecret]:
    """The promised Secrets NIC will see: not shadowed by a real Secret of the input (a real one wins), and a
    VirtualServer's ``spec.tls.cert-manager`` only when NIC runs with ``-enable-cert-manager`` (with it off NIC
    creates no Certificate, so nothing makes that Secret)."""
    return {
        key: promise
        for key, promise in cluster.promised_secrets.items()
        if key not in cluster.secrets and (settings.enable_cert_manager or not promise.needs_cert_manager_flag)
    }


def promised_reference(promise: PromisedSecret) -> SecretReference | None:
    """What NIC's store holds once the promised Secret exists: its type, the path it writes, no error.

    Content is unknown, so NIC's per-type content validation is assumed to pass (the maker writes the keys its type
    needs: cert-manager ``tls.crt``/``tls.key``/``ca.crt``); NIC's type rules still apply to the consumers, and an
    unsupported type (``Opaque``) stays invisible as for a real Secret (None).
    """
    if promise.type not in SUPPORTED_SECRET_TYPES:
        return None
    secret = Secret(meta=Meta(ref=promise.ref, origin=promise.origin), type=promise.type)
    return SecretReference(secret=secret, path=secret_path(secret), error=None, promised=promise)


class SecretStore:
    """NIC's ``LocalSecretStore`` over a snapshot: supported types only, validated once, looked up by ``ns/name``.

    It remembers which secrets were asked for, because NIC writes a secret to disk only when a resource
    references it (``GetSecret`` is the lazy writer); :meth:`files` returns exactly those files. They are
    collected as secrets are first asked for, so a generator that checks "is this file written yet" once per
    resource stays linear.
    """

    def __init__(self, secrets: Mapping[str, Secret], promised: Mapping[str, PromisedSecret] | None = None) -> None:
        self._refs: dict[str, SecretReference] = {}
        for key, promise in (promised or {}).items():
            if key not in secrets and (ref := promised_reference(promise)) is not None:
                self._refs[key] = ref
        # Validation is a pure function of type and data, and clusters copy one secret into many namespaces
        # (3,000 validations for 3 contents at 10k objects): once per content. The keys are the secret's own
        # bytes objects, held no longer than the store.
        verdicts: dict[tuple[str, tuple[tuple[str, bytes], ...]], str | None] = {}
        for key, secret in secrets.items():
            if secret.type not in SUPPORTED_SECRET_TYPES:
                continue  # handlers.go :: createSecretHandlers filters on IsSupportedSecretType
            content = (secret.type, tuple(sorted(secret.data.items())))
            if content in verdicts:
                error = verdicts[content]
            else:
                error = verdicts[content] = validate_secret(secret)
            path = "" if error is not None else secret_path(secret)
            self._refs[key] = SecretReference(secret=secret, path=path, error=error)
        self._asked: set[str] = set()
        self._files: dict[str, bytes] = {}
        self._promised: dict[str, PromisedSecret] = {}

    def get(self, key: str) -> SecretReference:
        """``store.go :: GetSecret``: the stored reference, or NIC's "doesn't exist" reference."""
        ref = self._refs.get(key)
        if ref is None:
            return SecretReference(secret=None, path="", error=MISSING_SECRET_ERROR)
        if key not in self._asked:
            self._asked.add(key)
            if ref.promised is not None:
                self._promised[key] = ref.promised
            else:
                self._files.update(secret_files(ref))
        return ref

    def promised(self) -> Mapping[str, PromisedSecret]:
        """The promised Secrets looked up so far (their files exist once the maker has made them)."""
        return MappingProxyType(self._promised)

    def files(self) -> Mapping[str, bytes]:
        """Every file NIC would have written for the secrets looked up so far, in the order first asked for."""
        return MappingProxyType(self._files)
