"""Throw-away TLS material for the fake Azure ML service.

Everything is generated at runtime into a directory the caller owns (normally a temp dir), so no key is ever
committed. We create a tiny CA and a leaf certificate signed by it, instead of one self-signed leaf: OpenSSL's
strict verification (the default from Python 3.13) rejects a self-signed leaf used as its own trust anchor.

The CA bundle written next to them is ``certifi``'s bundle (or the system bundle) plus our CA, so one file can be
given to ``REQUESTS_CA_BUNDLE`` and ``SSL_CERT_FILE`` without breaking trust in anything else.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_DNS_NAMES: tuple[str, ...] = (
    "localhost",
    "*.localhost",
    "*.blob.core.localhost",
    "devstoreaccount1.blob.core.localhost",
)
DEFAULT_IPS: tuple[str, ...] = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class CertPaths:
    """Where the generated files live."""

    ca_cert: Path
    cert: Path
    key: Path
    bundle: Path


def _system_ca_pem() -> bytes:
    try:
        import certifi

        return Path(certifi.where()).read_bytes()
    except (ImportError, OSError):
        pass
    for candidate in ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"):
        if os.path.exists(candidate):
            return Path(candidate).read_bytes()
    return b""


def generate_cert(
    directory: str | os.PathLike[str],
    dns_names: tuple[str, ...] = DEFAULT_DNS_NAMES,
    ips: tuple[str, ...] = DEFAULT_IPS,
) -> CertPaths:
    """Write ``ca.pem``, ``cert.pem`` (leaf + CA chain), ``key.pem`` and ``bundle.pem`` into ``directory``."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    not_before = now - dt.timedelta(hours=1)
    not_after = now + dt.timedelta(days=2)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-aml test CA (throw-away)")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    ca_pem = ca_cert.public_bytes(serialization.Encoding.PEM)
    paths = CertPaths(out / "ca.pem", out / "cert.pem", out / "key.pem", out / "bundle.pem")
    paths.ca_cert.write_bytes(ca_pem)
    paths.cert.write_bytes(leaf.public_bytes(serialization.Encoding.PEM) + ca_pem)
    paths.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    os.chmod(paths.key, 0o600)
    system = _system_ca_pem()
    if system and not system.endswith(b"\n"):
        system += b"\n"
    paths.bundle.write_bytes(system + ca_pem)
    return paths
