"""PUSH_CA_FILE: push delivery trusts a named certificate file, and verifies certificates always."""

import base64
import ssl
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from portal import create_app
from portal.notifications.delivery import Outcome, Outgoing
from portal.notifications.dispatcher import new_sender
from tests.browser.stage import make_certificate


class _Created(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def tls_push_service(tmp_path):
    """A push service on 127.0.0.1 behind a self-signed certificate: (its URL, the cert file)."""
    cert, key, _spki = make_certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Created)
    server.daemon_threads = True
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/push/abc", str(cert)
    server.shutdown()
    server.server_close()


def make_app(**config):
    return create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "t", "TESTING": True, **config}
    )


def post(app, url) -> Outcome:
    """Send one push to `url` as the dispatcher does, and say what became of it."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    now = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # the message's own clock, any day
    message = Outgoing(
        row_id=1,
        subscription_id=1,
        endpoint=url,
        p256dh=base64.urlsafe_b64encode(point).decode().rstrip("="),
        auth=base64.urlsafe_b64encode(b"0123456789abcdef").decode().rstrip("="),
        payload='{"title": "Reminder"}',
        not_after=now + timedelta(hours=1),
        urgency="normal",
        topic="t",
        attempts=0,
    )
    with app.app_context():
        sender = new_sender()
    try:
        return sender.submit(message, time.monotonic(), now).result(timeout=30)
    finally:
        sender.close()


def test_certificates_are_verified_by_default(tls_push_service):
    url, _cert = tls_push_service
    app = make_app()
    assert app.config["PUSH_CA_FILE"] == ""
    refused = post(app, url)
    assert (refused.status, refused.error) == (None, "connection: ClientConnectorCertificateError")


def test_a_named_certificate_file_is_trusted(tls_push_service):
    url, cert = tls_push_service
    assert post(make_app(PUSH_CA_FILE=cert), url).status == 201


def test_the_file_can_be_named_in_the_environment(tls_push_service, monkeypatch):
    url, cert = tls_push_service
    monkeypatch.setenv("PUSH_CA_FILE", cert)
    app = make_app()
    assert app.config["PUSH_CA_FILE"] == cert
    assert post(app, url).status == 201


def test_a_named_file_replaces_the_public_bundle_and_still_verifies(tmp_path, tls_push_service):
    """Trusting another certificate is not trusting any: this server's is still refused."""
    url, _cert = tls_push_service
    (tmp_path / "other").mkdir()
    other, _key, _spki = make_certificate(tmp_path / "other")
    refused = post(make_app(PUSH_CA_FILE=str(other)), url)
    assert (refused.status, refused.error) == (None, "connection: ClientConnectorCertificateError")
