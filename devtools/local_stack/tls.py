"""A local certificate authority and a server certificate for 127.0.0.1, made at start-up.

AWS's clients always open the realtime endpoint with ``wss://`` (even for an ``http://`` GraphQL
URL), so the local stack needs TLS there. Each start makes a fresh CA (its key never leaves
memory) and a certificate for ``127.0.0.1`` and ``localhost`` signed by it; clients trust the CA's
file (``caCertificate`` in ``.local/stack.json``, ``NODE_EXTRA_CA_CERTS`` for Node).
"""

from __future__ import annotations

import ipaddress
import ssl
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class LocalTls:
    ca_file: Path  # the CA certificate (PEM): what clients trust
    context: ssl.SSLContext  # the server side, ready to wrap accepted sockets


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def create_local_tls(folder: Path | None = None) -> LocalTls:
    """A CA and a 127.0.0.1/localhost certificate; the CA's PEM is written to ``folder``."""
    now = datetime.now(UTC) - timedelta(minutes=5)  # tolerate small clock differences
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Ape Moments local stack CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    folder = folder or Path(tempfile.mkdtemp(prefix="ape-moments-tls-"))
    folder.mkdir(parents=True, exist_ok=True)
    ca_file = folder / "local-ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    # The server's key goes to a private temporary file only for load_cert_chain, then is removed.
    with tempfile.TemporaryDirectory(prefix="ape-moments-tls-") as private:
        chain = Path(private) / "server.pem"
        chain.write_bytes(
            server_key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            + server.public_bytes(serialization.Encoding.PEM)
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(chain)
        # No TLS 1.3 session tickets (nothing here resumes sessions). Sent right after the handshake,
        # they reach a Python `websockets` client while it writes its upgrade request, so its reader
        # thread runs SSL_read as its writer runs SSL_write on one TLS session, which OpenSSL does
        # not allow: about 1 handshake in 800 then got no answer (measured: 15 of 12,000 with
        # tickets, 0 of 6,000 without; docs/LOCAL_STACK.md).
        context.num_tickets = 0
    return LocalTls(ca_file=ca_file, context=context)
