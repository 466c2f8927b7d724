"""Every URL of the app, built from its URL map with a sample value for each parameter, taken
from the `records` fixture's records (the permission, security and accessibility tests walk
them all)."""

from flask import Flask

# A value for each URL parameter name used in the app. A new parameter needs a sample here:
# the test fails and says so, rather than skipping the endpoint.
SAMPLE_ARGS = {
    "tag": lambda records: records["asset"].tag,
    "person_id": lambda records: records["person"].id,
    "user_id": lambda records: records["other_user"].id,
    "category_id": lambda records: records["category"].id,
    "location_id": lambda records: records["location"].id,
    "action": lambda records: "activate",
    "stocktake_id": lambda records: records["stocktake"].id,
    "kit_id": lambda records: records["kit"].id,
    "kit_tag": lambda records: records["kit"].tag,
    "asset_id": lambda records: records["kit"].part_ids[0],
    "incident_id": lambda records: records["incident"].id,
    "photo_id": lambda records: records["incident"].photo_ids[0],
    "signature_id": lambda records: records["loan"].signature_id,
    "kind": lambda records: "laptop",
    "case_id": lambda records: records["leaver_case"].id,
    "loan_id": lambda records: records["loan"].id,
    "step_id": lambda records: records["leaver_case"].licence_step_ids[0],
    "import_id": lambda records: records["import"].id,
    "subject": lambda records: "assets",
    # A reset link's token: a forged one shows the "link no longer works" page.
    "token": lambda records: "not-a-real-token",
    "provider": lambda records: "microsoft",
    "period_id": lambda records: records["school_week"].period_id,
    "term_id": lambda records: records["school_week"].term_id,
    "closure_id": lambda records: records["school_week"].closure_id,
    "booking_id": lambda records: records["booking"].id,
    "pool_id": lambda records: records["pool"].id,
}


# More values for a parameter, for walks that should see each kind of record's page: a
# booking of an asset (SAMPLE_ARGS), of a kit and of a pool. A rule gets one URL for each;
# a page not for that kind answers 404 or sends the user on, and the walk moves past it.
MORE_SAMPLES = {
    "booking_id": (
        lambda records: records["kit_booking"].id,
        lambda records: records["pool_booking"].id,
    ),
}


def endpoints(app: Flask):
    """Each rule of the app and its view; not the static files, nor the addresses that moved
    (routing redirects those, no view runs: tests/blueprints/test_navigation.py)."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.redirect_to is not None:
            continue
        yield rule, app.view_functions[rule.endpoint]


def urls_for_rule(rule, records) -> list[str]:
    """url_for_rule's URL, and one more for each of MORE_SAMPLES' values of a parameter the
    rule takes."""
    found = [url_for_rule(rule, records)]
    for name, samples in MORE_SAMPLES.items():
        if name in rule.arguments and name not in (rule.defaults or {}):
            for sample in samples:
                found.append(url_for_rule(rule, records, {name: sample(records)}))
    return found


def url_for_rule(rule, records, chosen: dict | None = None) -> str:
    values = {}
    for name in rule.arguments:
        if name in (rule.defaults or {}):
            continue
        assert name in SAMPLE_ARGS, f"add a sample value for URL parameter {name!r}"
        values[name] = SAMPLE_ARGS[name](records)
    values |= chosen or {}
    return rule.build(values, append_unknown=False)[1]
