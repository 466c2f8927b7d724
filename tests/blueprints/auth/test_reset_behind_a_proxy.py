"""The per-client limit on reset emails behind the school's HTTPS proxy (README: gunicorn on
127.0.0.1): without PROXY_COUNT every request seems to come from the proxy, so only the
per-address limit applies; with it, each browser is counted by its own address."""

import pytest

from tests.support.smtp import send_mail_through

PER_CLIENT = 3


@pytest.fixture
def mail(app, smtp_server):
    send_mail_through(app, smtp_server.port)
    return smtp_server


def _ask_from(client, email, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/password/forgot",
        data={"email": email},
        headers=headers,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    response.close()
    return response


@pytest.mark.parametrize("app", [{"PASSWORD_RESET_PER_CLIENT": PER_CLIENT}], indirect=True)
def test_without_a_proxy_count_loopback_requests_do_not_share_one_limit(client, make, mail):
    users = [make.user("staff") for _ in range(PER_CLIENT + 2)]
    for user in users:
        assert _ask_from(client, user.email, forwarded_for="203.0.113.5").status_code == 302
    assert sorted(m.rcpt_tos[0] for m in mail.messages) == sorted(u.email for u in users)


@pytest.mark.parametrize(
    "app", [{"PASSWORD_RESET_PER_CLIENT": PER_CLIENT, "PROXY_COUNT": 1}], indirect=True
)
def test_behind_one_proxy_each_browser_has_its_own_limit(client, make, mail):
    users = [make.user("staff") for _ in range(PER_CLIENT + 2)]
    for user in users[: PER_CLIENT + 1]:
        _ask_from(client, user.email, forwarded_for="203.0.113.5")
    assert len(mail.messages) == PER_CLIENT, "the one browser is held to its limit"
    _ask_from(client, users[-1].email, forwarded_for="198.51.100.7")
    assert mail.messages[-1].rcpt_tos == [users[-1].email], "another browser is not"


@pytest.mark.parametrize("app", [{"PASSWORD_RESET_PER_CLIENT": PER_CLIENT}], indirect=True)
def test_without_a_proxy_a_real_client_address_is_limited(client, make, mail):
    users = [make.user("staff") for _ in range(PER_CLIENT + 1)]
    for user in users:
        client.post(
            "/password/forgot",
            data={"email": user.email},
            environ_base={"REMOTE_ADDR": "192.0.2.10"},
        ).close()
    assert len(mail.messages) == PER_CLIENT
