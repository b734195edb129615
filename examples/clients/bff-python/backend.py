#!/usr/bin/env python3
"""An atproto backend-for-frontend in Python, standard library only (http.server, urllib, hashlib, secrets).

It is a confidential OAuth client (private_key_jwt, DPoP, PAR, PKCE) for a browser-extension frontend and
keeps every atproto token server-side: the extension gets an opaque session id in the fragment of its
launchWebAuthFlow redirect and sends it back as `Authorization: Bearer <id>`. It implements the contract of
docs/bff.md and is tested through it alone (bff.json declares it). ES256 is done here by hand because the
standard library has no elliptic curves.

Usage: python3 backend.py [--port N] [--flaw tokens-in-fragment]
(prints "listening http://127.0.0.1:N" once it accepts requests). The flaw hands the atproto tokens to the
extension in the redirect fragment, as a widely copied guide does, to show the checks failing here too.
"""
import base64
import hashlib
import json
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

EXTENSION_ID = "ponmlkjihgfedcbaponmlkjihgfedcba"
FRONTEND_ORIGIN = f"chrome-extension://{EXTENSION_ID}"
FRONTEND_REDIRECT = f"https://{EXTENSION_ID}.chromiumapp.org/callback"
SCOPE = "atproto transition:generic"
LOGIN_COOKIE = "__Host-login"
FLAWS = {sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--flaw"}

# ---------------------------------------------------------------- ES256 (P-256, FIPS 186-4), by hand

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (
    0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
    0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5,
)


def _add(p1, p2):
    """Affine point addition (None is the point at infinity)."""
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        m = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        m = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (m * m - x1 - x2) % P
    return (x3, (m * (x1 - x3) - y1) % P)


def _mul(k, point):
    result = None
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class EcKey:
    """A P-256 key pair that signs JWTs with ES256."""

    def __init__(self, kid=None):
        self.d = secrets.randbelow(N - 1) + 1
        self.x, self.y = _mul(self.d, G)
        self.kid = kid

    def public_jwk(self):
        jwk = {"kty": "EC", "crv": "P-256", "x": b64url(self.x.to_bytes(32, "big")), "y": b64url(self.y.to_bytes(32, "big"))}
        if self.kid:
            jwk.update({"kid": self.kid, "use": "sig", "alg": "ES256"})
        return jwk

    def sign(self, message: bytes) -> bytes:
        z = int.from_bytes(hashlib.sha256(message).digest(), "big")
        while True:
            k = secrets.randbelow(N - 1) + 1
            r = _mul(k, G)[0] % N
            s = pow(k, -1, N) * (z + r * self.d) % N
            if r and s:
                return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def jwt(self, header, payload) -> str:
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        return f"{signing_input}.{b64url(self.sign(signing_input.encode()))}"


# ---------------------------------------------------------------- HTTP client


def http(method, url, form=None, headers=None):
    """One request; returns (status, headers dict lower-cased, parsed JSON or text). Never raises for a status."""
    body = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=body, method=method, headers=dict(headers or {}))
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            status, hdrs, raw = res.status, res.headers, res.read()
    except urllib.error.HTTPError as err:
        status, hdrs, raw = err.code, err.headers, err.read()
    text = raw.decode("utf-8", "replace")
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = text
    return status, {k.lower(): v for k, v in hdrs.items()}, data


def get_json(url):
    status, _, data = http("GET", url)
    if status != 200 or not isinstance(data, dict):
        raise ValueError(f"GET {url} answered {status}")
    return data


# ---------------------------------------------------------------- the OAuth client


class Backend:
    def __init__(self):
        self.client_key = EcKey(kid="py-bff-1")
        self.setup = None
        self.reset({})

    def reset(self, setup):
        self.setup = setup
        self.pending = {}  # OAuth state → login in progress
        self.sessions = {}  # frontend session id → atproto session
        self.nonces = {}  # origin → last DPoP nonce
        self.lock = threading.Lock()

    @property
    def client_id(self):
        return f"{self.setup['publicUrl']}/client-metadata.json"

    @property
    def redirect_uri(self):
        return f"{self.setup['publicUrl']}/oauth/callback"

    def metadata(self):
        return {
            "client_id": self.client_id,
            "client_name": "atproto BFF example (Python)",
            "redirect_uris": [self.redirect_uri],
            "scope": SCOPE,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "application_type": "web",
            "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256",
            "dpop_bound_access_tokens": True,
            "jwks": {"keys": [self.client_key.public_jwk()]},
        }

    # -- identity

    def resolve(self, handle):
        did = get_json(f"{self.setup['handleResolver']}/xrpc/com.atproto.identity.resolveHandle?handle={urllib.parse.quote(handle)}")["did"]
        if did.startswith("did:plc:"):
            doc = get_json(f"{self.setup['plcDirectoryUrl']}/{did}")
        elif did.startswith("did:web:"):
            host = urllib.parse.unquote(did[len("did:web:"):])
            scheme = "http" if self.setup.get("allowHttp") and host.split(":")[0] in ("localhost", "127.0.0.1") else "https"
            doc = get_json(f"{scheme}://{host}/.well-known/did.json")
        else:
            raise ValueError(f"unsupported DID method: {did}")
        if f"at://{handle}" not in doc.get("alsoKnownAs", []):
            raise ValueError("the DID document does not confirm the handle")
        pds = next(s["serviceEndpoint"] for s in doc["service"] if s["id"] in ("#atproto_pds", f"{did}#atproto_pds") and s["type"] == "AtprotoPersonalDataServer")
        prm = get_json(f"{pds}/.well-known/oauth-protected-resource")
        issuer = prm["authorization_servers"][0]
        meta = get_json(f"{issuer}/.well-known/oauth-authorization-server")
        if meta["issuer"] != issuer:
            raise ValueError("AS metadata issuer mismatch")
        return did, pds, meta

    # -- DPoP and client authentication

    def proof(self, key, method, url, nonce, access_token=None):
        htu = url.split("?")[0].split("#")[0]
        claims = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": htu, "iat": int(time.time())}
        if nonce:
            claims["nonce"] = nonce
        if access_token:
            claims["ath"] = b64url(hashlib.sha256(access_token.encode()).digest())
        return key.jwt({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.public_jwk()}, claims)

    def assertion(self, issuer):
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id, "aud": issuer, "jti": secrets.token_urlsafe(16), "iat": now, "exp": now + 60}
        return self.client_key.jwt({"alg": "ES256", "kid": self.client_key.kid}, claims)

    def as_post(self, meta, endpoint, form, dpop_key):
        """POST to an AS endpoint with client auth and DPoP, retrying once on use_dpop_nonce (fresh proof and assertion)."""
        url = meta[endpoint]
        origin = urllib.parse.urlsplit(url)._replace(path="", query="", fragment="").geturl()
        for _ in range(2):
            body = dict(form, client_id=self.client_id, client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer", client_assertion=self.assertion(meta["issuer"]))
            status, headers, data = http("POST", url, body, {"DPoP": self.proof(dpop_key, "POST", url, self.nonces.get(origin))})
            if "dpop-nonce" in headers:
                self.nonces[origin] = headers["dpop-nonce"]
            if not (status == 400 and isinstance(data, dict) and data.get("error") == "use_dpop_nonce"):
                return status, data
        return status, data

    # -- login

    def start_login(self, handle):
        did, pds, meta = self.resolve(handle)
        verifier = secrets.token_urlsafe(48)
        challenge = b64url(hashlib.sha256(verifier.encode()).digest())
        state = secrets.token_urlsafe(24)
        dpop_key = EcKey()
        form = {
            "response_type": "code", "redirect_uri": self.redirect_uri, "scope": SCOPE, "state": state,
            "code_challenge": challenge, "code_challenge_method": "S256", "login_hint": handle,
        }
        status, data = self.as_post(meta, "pushed_authorization_request_endpoint", form, dpop_key)
        if status not in (200, 201):
            raise ValueError(f"PAR answered {status}: {data}")
        self.pending[state] = {"did": did, "pds": pds, "meta": meta, "verifier": verifier, "dpop_key": dpop_key}
        query = urllib.parse.urlencode({"client_id": self.client_id, "request_uri": data["request_uri"]})
        return state, f"{meta['authorization_endpoint']}?{query}"

    def finish_login(self, params):
        login = self.pending.pop(params.get("state", ""), None)
        if login is None:
            raise PermissionError("unknown or used state")
        if params.get("iss") != login["meta"]["issuer"]:
            raise PermissionError("iss does not match the issuer")
        if "error" in params or "code" not in params:
            raise PermissionError(params.get("error", "no code"))
        form = {"grant_type": "authorization_code", "code": params["code"], "redirect_uri": self.redirect_uri, "code_verifier": login["verifier"]}
        status, tokens = self.as_post(login["meta"], "token_endpoint", form, login["dpop_key"])
        if status != 200 or tokens.get("sub") != login["did"] or tokens.get("token_type", "").lower() != "dpop":
            raise PermissionError(f"token exchange failed ({status})")
        sid = secrets.token_urlsafe(32)
        self.sessions[sid] = dict(login, tokens=tokens, lock=threading.Lock())
        return sid

    # -- using the session

    def refresh(self, session, stale_token):
        """Single-flight per session: whoever holds the lock refreshes; the others reuse its result."""
        with session["lock"]:
            if session["tokens"]["access_token"] != stale_token:
                return True
            form = {"grant_type": "refresh_token", "refresh_token": session["tokens"]["refresh_token"]}
            status, tokens = self.as_post(session["meta"], "token_endpoint", form, session["dpop_key"])
            if status != 200 or tokens.get("sub") != session["did"]:
                session["dead"] = True
                return False
            session["tokens"] = tokens
            return True

    def pds_get(self, session, nsid):
        url = f"{session['pds']}/xrpc/{nsid}"
        origin = session["pds"]
        for attempt in range(3):
            token = session["tokens"]["access_token"]
            headers = {"Authorization": f"DPoP {token}", "DPoP": self.proof(session["dpop_key"], "GET", url, self.nonces.get(origin), token)}
            status, hdrs, data = http("GET", url, None, headers)
            if "dpop-nonce" in hdrs:
                self.nonces[origin] = hdrs["dpop-nonce"]
            challenge = hdrs.get("www-authenticate", "").lower()
            if status == 401 and "use_dpop_nonce" in challenge:
                continue
            if status == 401 and "invalid_token" in challenge and attempt < 2:
                if not self.refresh(session, token):
                    return 401, {"error": "logged_out"}
                continue
            return status, data
        return status, data

    def revoke(self, session):
        self.as_post(session["meta"], "revocation_endpoint", {"token": session["tokens"]["refresh_token"], "token_type_hint": "refresh_token"}, session["dpop_key"])


BACKEND = Backend()

# ---------------------------------------------------------------- the frontend-facing HTTP server


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=None, headers=()):
        data = json.dumps(body).encode() if body is not None else b""
        self.send_response(status)
        origin = self.headers.get("Origin")
        if origin == FRONTEND_ORIGIN:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Vary", "Origin")
        for k, v in headers:
            self.send_header(k, v)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location, headers=()):
        self.send(302, None, [("Location", location), *headers])

    def cookies(self):
        out = {}
        for part in (self.headers.get("Cookie") or "").split(";"):
            if "=" in part:
                k, v = part.split("=", 1)
                out[k.strip()] = v.strip()
        return out

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            return {}

    def session(self):
        """The session this request carries: `Authorization: Bearer <session id>`, from the frontend origin only."""
        header = self.headers.get("Authorization") or ""
        sid = header[7:] if header.startswith("Bearer ") else None
        s = BACKEND.sessions.get(sid) if sid else None
        return (sid, s) if s and not s.get("dead") else (sid, None)

    def do_OPTIONS(self):
        if self.headers.get("Origin") == FRONTEND_ORIGIN:
            return self.send(204, None, [("Access-Control-Allow-Methods", "GET, POST"), ("Access-Control-Allow-Headers", "authorization, content-type")])
        self.send(204)

    def foreign(self):
        origin = self.headers.get("Origin")
        return origin is not None and origin != FRONTEND_ORIGIN

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        try:
            if url.path == "/login":
                state, target = BACKEND.start_login(params.get("handle", ""))
                cookie = f"{LOGIN_COOKIE}={state}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=600"
                return self.redirect(target, [("Set-Cookie", cookie)])
            if url.path == "/oauth/callback":
                # Login CSRF: the response must come back to the browser that started the login.
                if not params.get("state") or self.cookies().get(LOGIN_COOKIE) != params["state"]:
                    return self.send(403, {"error": "login_not_started_here"})
                sid = BACKEND.finish_login(params)
                clear = f"{LOGIN_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0"
                fragment = {"session": sid}
                if "tokens-in-fragment" in FLAWS:
                    tokens = BACKEND.sessions[sid]["tokens"]
                    fragment.update(access_token=tokens["access_token"], refresh_token=tokens["refresh_token"])
                return self.redirect(f"{FRONTEND_REDIRECT}#{urllib.parse.urlencode(fragment)}", [("Set-Cookie", clear)])
            if url.path == "/api/me":
                if self.foreign():
                    return self.send(403, {"error": "forbidden_origin"})
                sid, s = self.session()
                if not s:
                    return self.send(401, {"error": "not_logged_in"})
                status, data = BACKEND.pds_get(s, "com.atproto.server.getSession")
                if status == 401:
                    BACKEND.sessions.pop(sid, None)
                    return self.send(401, {"error": "logged_out"})
                if status != 200:
                    return self.send(502, {"error": "pds_error"})
                return self.send(200, {"did": data.get("did"), "handle": data.get("handle")})
            self.send(404, {"error": "not_found"})
        except PermissionError as err:
            self.send(400, {"error": "callback_failed", "message": str(err)})
        except (ValueError, KeyError, StopIteration, OSError) as err:
            self.send(400, {"error": "failed", "message": str(err)})

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        body = self.read_json()
        if path == "/conformance/setup":
            BACKEND.reset(body)
            return self.send(200, {"clientMetadata": BACKEND.metadata()})
        if self.foreign():
            return self.send(403, {"error": "forbidden_origin"})
        sid, s = self.session()
        if path == "/logout":
            if not s:
                return self.send(401, {"error": "not_logged_in"})
            try:
                BACKEND.revoke(s)
            finally:
                BACKEND.sessions.pop(sid, None)
            return self.send(204)
        self.send(404, {"error": "not_found"})


def main():
    port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else 0
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    print(f"listening http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
