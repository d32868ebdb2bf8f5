"""The platform's side of an achievements server, in the standard library only.

Three things a platform (the Django site the plan was written for) does:

- tells the server what its members did: ``AchievementsClient.post_events``,
  with a service token, idempotent by event id, retried when the server asks;
- signs its members' sign-ins for the web page and the terminal app:
  ``sign_user_token`` (an HS256 JWT the server checks with
  ``serve --jwt-secret-file``);
- receives webhooks and checks their signature: ``verify_webhook``.

docs/integration.md shows where these go in a Django project. Run as a
script (``python3 platform_client.py check ...``) it does all three against
a live server and prints what it saw as JSON; server/tests/integration_example.rs
runs it so. No package beyond Python 3.9's standard library is needed: PyJWT
or ``requests`` would do the same in a real project.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.server
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from typing import Any, Iterable, Optional

SIGNATURE_HEADER = "X-Achievements-Signature"
DELIVERY_HEADER = "X-Achievements-Delivery"


class AchievementsError(Exception):
    """An answer other than success, with the server's JSON error body."""

    def __init__(self, status: int, body: Any):
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


class AchievementsClient:
    """Calls the API with one bearer token (a service token for events)."""

    def __init__(self, base_url: str, token: str, timeout: float = 10.0, attempts: int = 5):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.attempts = attempts

    def request(self, method: str, path: str, body: Any = None) -> Any:
        """One call; a 429 or 503 is retried after its Retry-After (at most
        ``attempts`` times), which is safe for events: ids make them idempotent."""
        data = None if body is None else json.dumps(body).encode()
        for attempt in range(self.attempts):
            req = urllib.request.Request(self.base_url + path, data=data, method=method)
            req.add_header("Authorization", f"Bearer {self.token}")
            if data is not None:
                req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as answer:
                    text = answer.read()
                    return json.loads(text) if text else None
            except urllib.error.HTTPError as error:
                text = error.read()
                retry_after = error.headers.get("Retry-After")
                if error.code in (429, 503) and retry_after and attempt + 1 < self.attempts:
                    time.sleep(min(float(retry_after), 60.0))
                    continue
                raise AchievementsError(error.code, json.loads(text) if text else None) from None
        raise AssertionError("unreachable")

    def post_events(self, events: Iterable[dict]) -> dict:
        """``POST events/`` in batches of at most 1,000; returns the summed
        ``applied``/``duplicate``/``rejected`` counts and every result."""
        events = list(events)
        total = {"applied": 0, "duplicate": 0, "rejected": 0, "results": []}
        for start in range(0, len(events), 1000):
            answer = self.request("POST", "/api/v1/events/", {"events": events[start : start + 1000]})
            for key in ("applied", "duplicate", "rejected"):
                total[key] += answer[key]
            total["results"].extend(answer["results"])
        return total


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign_user_token(
    secret: bytes,
    username: str,
    *,
    issuer: Optional[str] = None,
    audience: Optional[str] = None,
    timezone: Optional[str] = None,
    ttl: int = 3600,
    now: Optional[float] = None,
) -> str:
    """An HS256 JWT for ``username`` (the ``sub`` claim), valid ``ttl``
    seconds; ``tz`` sets the time zone of a member the server has not seen."""
    issued = int(time.time() if now is None else now)
    claims: dict[str, Any] = {"sub": username, "iat": issued, "exp": issued + ttl}
    if issuer is not None:
        claims["iss"] = issuer
    if audience is not None:
        claims["aud"] = audience
    if timezone is not None:
        claims["tz"] = timezone
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(signature)}"


def verify_webhook(
    secret: bytes, body: bytes, signature_header: Optional[str], max_age: float = 300.0, now: Optional[float] = None
) -> dict:
    """The delivery in ``body`` if ``signature_header`` (``sha256=<hex>``) is
    the HMAC-SHA256 of exactly these bytes under ``secret`` and the signed
    ``timestamp`` inside is within ``max_age`` seconds of now (an old
    delivery replayed by someone who saw it is refused); raises
    ``ValueError`` otherwise. Compare in constant time, before parsing."""
    if not signature_header or not signature_header.startswith("sha256="):
        raise ValueError("missing or malformed signature header")
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature_header[len("sha256=") :]):
        raise ValueError("bad signature")
    delivery = json.loads(body)
    if abs((time.time() if now is None else now) - delivery["timestamp"]) > max_age:
        raise ValueError("signed too long ago: a replay?")
    return delivery


class WebhookReceiver:
    """A webhook endpoint on a loopback port: verified deliveries, deduplicated
    by delivery id (deliveries are at least once), land in ``deliveries``."""

    def __init__(self, secret: bytes):
        self.secret = secret
        self.deliveries: "queue.Queue[dict]" = queue.Queue()
        self.refused = 0
        self.seen: set[str] = set()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
                body = self.rfile.read(length)
                try:
                    delivery = verify_webhook(receiver.secret, body, self.headers.get(SIGNATURE_HEADER))
                except ValueError:
                    receiver.refused += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                delivery_id = self.headers.get(DELIVERY_HEADER) or str(delivery.get("id"))
                if delivery_id not in receiver.seen:
                    receiver.seen.add(delivery_id)
                    receiver.deliveries.put(delivery)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/achievements"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


def check(args: argparse.Namespace) -> dict:
    """Everything above against a live server: register a webhook (admin
    token), post a new member's events (service token; the server runs with
    ``--create-users``), wait for the signed unlock, then read the member's
    badges with a JWT signed for them."""
    secret = open(args.jwt_secret_file, "rb").read().strip()
    webhook_secret = b"a webhook secret the platform keeps"
    receiver = WebhookReceiver(webhook_secret)
    admin = AchievementsClient(args.server, args.admin_token)
    hook = admin.request(
        "POST",
        "/api/v1/admin/webhooks/",
        {"url": receiver.url, "secret": webhook_secret.decode(), "events": ["unlock"]},
    )
    service = AchievementsClient(args.server, args.service_token)
    events = [
        {"id": f"{args.user}-project-{n}", "user": args.user, "type": "project_created", "timezone": "Europe/Paris"}
        for n in range(1, 6)
    ]
    posted = service.post_events(events)
    again = service.post_events(events)
    unlocked = [key for result in posted["results"] for key in result.get("unlocked", [])]
    webhooked: list[str] = []
    deadline = time.monotonic() + args.wait
    while sorted(webhooked) != sorted(unlocked) and time.monotonic() < deadline:
        try:
            delivery = receiver.deliveries.get(timeout=0.2)
        except queue.Empty:
            continue
        webhooked.extend(u["achievement"] for u in delivery["unlocks"] if u["user"] == args.user)
    token = sign_user_token(
        secret, args.user, issuer=args.issuer, audience=args.audience, timezone="Europe/Paris"
    )
    earned = AchievementsClient(args.server, token).request("GET", "/api/v1/achievements/earned/")
    tampered_refused = False
    try:
        verify_webhook(webhook_secret, b'{"timestamp": 0, "unlocks": []}', "sha256=" + "0" * 64)
    except ValueError:
        tampered_refused = True
    replay = b'{"id": "whd_old", "timestamp": 1000000000, "unlocks": []}'
    replay_refused = False
    try:
        verify_webhook(webhook_secret, replay, "sha256=" + hmac.new(webhook_secret, replay, hashlib.sha256).hexdigest())
    except ValueError:
        replay_refused = True
    receiver.close()
    admin.request("DELETE", f"/api/v1/admin/webhooks/{hook['id']}/")
    return {
        "applied": posted["applied"],
        "duplicate_on_resend": again["duplicate"],
        "unlocked": unlocked,
        "webhook_unlocks": webhooked,
        "webhook_refused": receiver.refused,
        "tampered_refused": tampered_refused,
        "replay_refused": replay_refused,
        "earned_with_jwt": [item["key"] for item in earned["results"]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("check", help="post events, receive the webhook, read with a JWT")
    run.add_argument("--server", required=True, help="http://127.0.0.1:8000")
    run.add_argument("--service-token", required=True)
    run.add_argument("--admin-token", required=True, help="an admin service token (tokens add --service NAME --admin)")
    run.add_argument("--jwt-secret-file", required=True)
    run.add_argument("--issuer")
    run.add_argument("--audience")
    run.add_argument("--user", default="django_member")
    run.add_argument("--wait", type=float, default=20.0, help="seconds to wait for the webhook")
    args = parser.parse_args()
    print(json.dumps(check(args), sort_keys=True))


if __name__ == "__main__":
    main()
