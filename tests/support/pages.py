"""The app's pages read and filled in as a person does, through the test client: the text on
the page, a hidden field's value, and the two steps of signing out at the desk."""

import html
import re

from sqlalchemy import func, select

from assets.extensions import db
from tests.support import drawings


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no hidden {name} on the page"
    return html.unescape(match.group(1))


def confirm_signing(client, url: str, page, signature: str | None = None, **options):
    """Sign on the signing `page` shown at `url`: the terms and loans it lists, with a drawn
    signature (or `signature`)."""
    return client.post(
        url,
        data={
            "terms_ids": hidden(page.text, "terms_ids"),
            "loan_ids": hidden(page.text, "loan_ids"),
            "signature": drawings.drawn_signature() if signature is None else signature,
        },
        **options,
    )


def text_of(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces squeezed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def sign_out(client, person_id, tags, signature=None, **extra):
    """Both steps at the desk: choose, then sign what the signing page shows."""
    chosen = client.post("/loans/new", data={"person_id": person_id, "tags": tags, **extra})
    assert chosen.status_code == 200, chosen.text
    return client.post(
        "/loans/new",
        data={
            "stage": "sign",
            "person_id": person_id,
            "tags": hidden(chosen.text, "tags"),
            "due_on": hidden(chosen.text, "due_on"),
            "terms_ids": hidden(chosen.text, "terms_ids"),
            "signature": signature or drawings.drawn_signature(),
            # A kit's check-out carries the kit on (the signing page's hidden field).
            **({"kit_id": hidden(chosen.text, "kit_id")} if 'name="kit_id"' in chosen.text else {}),
        },
    )
