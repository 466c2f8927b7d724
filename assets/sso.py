"""Single sign-on wiring: Authlib's OpenID Connect client for each configured provider.

Authlib does the protocol: discovery from the provider's metadata, state and PKCE kept in the
session, the code exchange, and the ID token's signature (the provider's published keys),
issuer, audience, expiry and nonce. This module adds what Authlib leaves to the app: an ID
token is required (not merely checked when present), the metadata must name the issuer the
school configured, and every failure becomes one LoginRefused with a plain message. Who
signs in is decided by assets/services/people/single_sign_on.py.

Authlib is imported only when a provider is configured (`_registry`, `provider_errors`): with
requests and cryptography it takes about 15 MiB a process, which a school that signs in with
passwords alone never needs.
"""

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, g, session

from assets.models import User
from assets.models.user import SIGN_IN_LABELS
from assets.services.common.errors import LoginRefused
from assets.services.people import single_sign_on
from assets.services.people.single_sign_on import UNKNOWN_PEOPLE_CHOICES, SchoolAccountRules

MICROSOFT_AUTHORITY = "https://login.microsoftonline.com/{tenant}/v2.0"
GOOGLE_ISSUER = "https://accounts.google.com"
GOOGLE_METADATA_URL = "https://accounts.google.com/.well-known/openid-configuration"
# Seconds allowed between the provider's clock and ours when checking iat and exp.
LEEWAY = 60
TIMEOUT = 10
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
FAILED = "Signing in with {label} did not work. Please try again, or see the IT desk."


def init_sso(app: Flask) -> None:
    """Register an OpenID client for each provider the configuration names completely. The
    registry is the app's own, so two apps (tests) never share a provider's settings."""
    config = app.config
    if config.get("SSO_UNKNOWN_PEOPLE", "refuse") not in UNKNOWN_PEOPLE_CHOICES:
        raise RuntimeError(
            f"SSO_UNKNOWN_PEOPLE must be one of {', '.join(UNKNOWN_PEOPLE_CHOICES)}."
        )
    if config.get("STAFF_PASSWORDS", "on") not in ("on", "off"):
        raise RuntimeError("STAFF_PASSWORDS must be on or off.")
    tenant = config.get("MICROSOFT_TENANT_ID", "")
    if tenant and not _GUID.fullmatch(tenant):
        raise RuntimeError(
            "MICROSOFT_TENANT_ID must be the school's Directory (tenant) ID, a GUID such as "
            "9f0c2a51-6a4e-4d7b-9a55-5c1d2e3f4a5b (from the app registration's Overview in "
            "Entra ID), not a domain name or 'common'."
        )
    providers = _settings(app.config)
    app.extensions["sso"] = {
        "oauth": _registry(app, providers) if providers else None,
        "providers": providers,
    }


def _registry(app: Flask, providers: dict[str, dict[str, str]]):
    """Authlib's registry of the app's OpenID clients, one for each of `providers`."""
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    for name, settings in providers.items():
        oauth.register(
            name,
            client_id=settings["client_id"],
            client_secret=settings["client_secret"],
            server_metadata_url=settings["metadata_url"],
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "timeout": TIMEOUT,
            },
        )
    return oauth


def provider_errors() -> tuple[type[Exception], ...]:
    """What a provider's answer, its metadata or the network can raise; each is one refusal.
    (Asked only once a client exists, so Authlib is loaded already.)"""
    from authlib.common.errors import AuthlibBaseError
    from joserfc.errors import JoseError
    from requests import RequestException

    return (AuthlibBaseError, JoseError, RequestException, KeyError, ValueError)


def _settings(config) -> dict[str, dict[str, str]]:
    providers = {}
    tenant = config.get("MICROSOFT_TENANT_ID", "")
    if tenant and config.get("MICROSOFT_CLIENT_ID") and config.get("MICROSOFT_CLIENT_SECRET"):
        authority = MICROSOFT_AUTHORITY.format(tenant=tenant)
        providers["microsoft"] = {
            "client_id": config["MICROSOFT_CLIENT_ID"],
            "client_secret": config["MICROSOFT_CLIENT_SECRET"],
            "metadata_url": config.get("MICROSOFT_METADATA_URL")
            or f"{authority}/.well-known/openid-configuration",
            "issuer": config.get("MICROSOFT_ISSUER") or authority,
            "tenant_id": tenant,
        }
    domain = config.get("GOOGLE_WORKSPACE_DOMAIN", "")
    if domain and config.get("GOOGLE_CLIENT_ID") and config.get("GOOGLE_CLIENT_SECRET"):
        metadata_url = config.get("GOOGLE_METADATA_URL") or GOOGLE_METADATA_URL
        providers["google"] = {
            "client_id": config["GOOGLE_CLIENT_ID"],
            "client_secret": config["GOOGLE_CLIENT_SECRET"],
            "metadata_url": metadata_url,
            "issuer": config.get("GOOGLE_ISSUER") or GOOGLE_ISSUER,
            "domain": domain.lower(),
        }
    return providers


def configured_providers() -> list[str]:
    """The providers shown on the login page, in a fixed order."""
    return list(current_app.extensions["sso"]["providers"])


def sign_in_origins() -> list[str]:
    """The origins of the configured providers' sign-in pages (their metadata's origins: the
    same host serves both at Microsoft and Google), for the login page's CSP."""
    origins = []
    for settings in current_app.extensions["sso"]["providers"].values():
        parts = urlsplit(settings["metadata_url"])
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def _client(provider: str):
    if provider not in configured_providers():
        raise LoginRefused("That way of signing in is not set up here.")
    return current_app.extensions["sso"]["oauth"].create_client(provider)


def rules_for(provider: str) -> SchoolAccountRules:
    """What makes an account the school's at `provider`, from the configuration."""
    settings = current_app.extensions["sso"]["providers"][provider]
    return SchoolAccountRules(
        provider=provider,
        issuer=settings["issuer"],
        tenant_id=settings.get("tenant_id", ""),
        domain=settings.get("domain", ""),
        unknown_people=current_app.config.get("SSO_UNKNOWN_PEOPLE", "refuse"),
    )


def start(provider: str, redirect_uri: str):
    """A redirect to the provider's sign-in page; the state, nonce and PKCE verifier wait in
    the session for the answer."""
    client = _client(provider)
    label = SIGN_IN_LABELS[provider]
    extra = {}
    if provider == "google":
        # Only a hint for Google's account chooser: the hd claim is what is checked.
        extra["hd"] = current_app.extensions["sso"]["providers"]["google"]["domain"]
    try:
        _check_metadata(provider, client)
        return client.authorize_redirect(redirect_uri, **extra)
    except provider_errors() as error:
        current_app.logger.warning("Sign-in with %s could not start: %r", provider, error)
        raise LoginRefused(FAILED.format(label=label)) from error


def pending_state(provider: str, state: str | None) -> bool:
    """Whether `state` is a sign-in this browser started and has not finished."""
    if not state or provider not in configured_providers():
        return False
    client = _client(provider)
    return client.framework.get_state_data(session, state) is not None


def finish(provider: str) -> dict[str, Any]:
    """The checked claims of the ID token the provider sent back for this request."""
    client = _client(provider)
    label = SIGN_IN_LABELS[provider]
    try:
        _check_metadata(provider, client)
        token = client.authorize_access_token(leeway=LEEWAY)
    except provider_errors() as error:
        current_app.logger.warning("Sign-in with %s refused: %r", provider, error)
        raise LoginRefused(FAILED.format(label=label)) from error
    claims = token.get("userinfo")
    if not claims:  # Authlib checks an ID token only when there is one: we require it
        current_app.logger.warning("Sign-in with %s refused: no ID token", provider)
        raise LoginRefused(FAILED.format(label=label))
    return dict(claims)


def sign_in_from_callback(provider: str, state: str, now: datetime) -> User:
    """The login the provider's answer to attempt `state` signs in, or LoginRefused: the
    attempt is used once, the ID token checked, then single_sign_on decides who it is. Writes
    (the attempt, links, refusals' audit events) are flushed for the caller to commit."""
    rules = rules_for(provider)
    attempt = single_sign_on.use_attempt(state, now)
    try:
        claims = _answer_once(provider, state)
    except LoginRefused as refused:
        why = repr(refused.__cause__) if refused.__cause__ else "no ID token"
        single_sign_on.refuse(attempt, rules, f"the provider's answer: {why}", refused.message)
    return single_sign_on.sign_in(rules, claims, attempt, now)


def _answer_once(provider: str, state: str) -> dict[str, Any]:
    """finish(provider), once per request: a sign-in run again after losing a race to another
    (commit_or_rollback's retry) reuses the claims, as the code cannot be exchanged twice."""
    answers = g.setdefault("sso_answers", {})
    if (provider, state) not in answers:
        answers[provider, state] = finish(provider)
    return answers[provider, state]


def _check_metadata(provider: str, client) -> None:
    expected = current_app.extensions["sso"]["providers"][provider]["issuer"]
    issuer = client.load_server_metadata().get("issuer")
    if expected and issuer != expected:
        raise ValueError(f"the metadata names issuer {issuer!r}, not {expected!r}")
