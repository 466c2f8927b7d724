"""A real OpenID provider on loopback for the single sign-on tests (npm oidc-provider, run by
node: tests/support/oidc_provider.mjs), and pointing an app at it.

Two issuers: "microsoft", standing in for the school's Entra ID tenant (accounts carry oid and
tid), and "google", standing in for its Google Workspace (accounts carry sub and hd). The
tests make the signing keys, so they can sign ID tokens of their own with the provider's key
(an expired one) or with a key it never published (a forged one)."""

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from assets import sso
from assets.models.user import SIGN_IN_LABELS
from assets.services.common.errors import LoginRefused

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
TENANT = "9f0c2a51-6a4e-4d7b-9a55-5c1d2e3f4a5b"
OTHER_TENANT = "1b2c3d4e-0000-4000-8000-00000000abcd"
DOMAIN = "ashbrook.sch.uk"
CLIENT_SECRET = "test-client-secret-not-for-production"


class OidcProvider:
    def __init__(self) -> None:
        self.keys = {
            name: RSAKey.generate_key(2048, parameters={"kid": f"{name}-key", "use": "sig"})
            for name in ("microsoft", "google")
        }
        self.issuers: dict[str, str] = {}
        self.process: subprocess.Popen | None = None

    def start(self) -> "OidcProvider":
        config = {
            "issuers": {
                name: {
                    "client_id": f"{name}-client",
                    "client_secret": CLIENT_SECRET,
                    "jwks": {"keys": [key.as_dict(private=True)]},
                }
                for name, key in self.keys.items()
            }
        }
        self.process = subprocess.Popen(
            ["node", str(SCRIPT), json.dumps(config)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line:
            self.stop()
            raise RuntimeError("the test OpenID provider did not start (is node installed?)")
        self.issuers = json.loads(line)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.process = None

    def set_accounts(self, **accounts: dict) -> None:
        """Give each login name (what the browser types on the provider's page) its claims."""
        for issuer in self.issuers.values():
            response = requests.put(f"{issuer}/test/accounts", json=accounts, timeout=10)
            response.raise_for_status()

    def app_config(self, **extra) -> dict:
        """Configuration that points an app at both issuers, as a school configures the real
        Microsoft 365 and Google Workspace."""
        microsoft, google = self.issuers["microsoft"], self.issuers["google"]
        return {
            "MICROSOFT_TENANT_ID": TENANT,
            "MICROSOFT_CLIENT_ID": "microsoft-client",
            "MICROSOFT_CLIENT_SECRET": CLIENT_SECRET,
            "MICROSOFT_METADATA_URL": f"{microsoft}/.well-known/openid-configuration",
            "MICROSOFT_ISSUER": microsoft,
            "GOOGLE_CLIENT_ID": "google-client",
            "GOOGLE_CLIENT_SECRET": CLIENT_SECRET,
            "GOOGLE_WORKSPACE_DOMAIN": DOMAIN,
            "GOOGLE_METADATA_URL": f"{google}/.well-known/openid-configuration",
            "GOOGLE_ISSUER": google,
            **extra,
        }

    def id_token(self, name: str, claims: dict, *, key: RSAKey | None = None) -> str:
        """An ID token from issuer `name` signed with its own key, or with `key`."""
        key = key or self.keys[name]
        now = int(time.time())
        payload = {
            "iss": self.issuers[name],
            "aud": f"{name}-client",
            "iat": now,
            "exp": now + 300,
            **claims,
        }
        return jwt.encode({"alg": "RS256", "kid": key.kid}, payload, key)


def check_id_token(provider: str, token: dict[str, Any], nonce: str) -> dict[str, Any]:
    """The claims of `token` (as the token endpoint sent it) checked with the app's Authlib
    client as `sso.finish` has them checked:
    signature against the provider's published keys, issuer, audience, expiry and nonce."""
    client = sso._client(provider)
    try:
        sso._check_metadata(provider, client)
        claims = client.parse_id_token(token, nonce=nonce, leeway=sso.LEEWAY)
    except sso.provider_errors() as error:
        raise LoginRefused(sso.FAILED.format(label=SIGN_IN_LABELS[provider])) from error
    if not claims:
        raise LoginRefused(sso.FAILED.format(label=SIGN_IN_LABELS[provider]))
    return dict(claims)
