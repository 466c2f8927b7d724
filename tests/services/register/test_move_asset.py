"""Moving a device to another location: one audit event per real move."""

import pytest
from sqlalchemy import select

from assets.models import Asset, Event
from assets.services.common.errors import DomainError
from assets.services.register import register


def test_a_move_is_recorded_once(make, ctx):
    ict, store = make.location("ICT suite"), make.location("Office store")
    made = make.asset("M-1", location=ict)
    asset = ctx.get(Asset, made.id)
    assert register.move_asset(None, asset, store.id, note="found in a stocktake")
    assert not register.move_asset(None, asset, store.id)
    ctx.commit()
    (event,) = ctx.scalars(select(Event).where(Event.action == "asset.moved"))
    assert event.summary == "Asset M-1 moved to Office store (found in a stocktake)"
    assert event.changes == {"location": ["ICT suite", "Office store"]}
    assert ctx.get(Asset, made.id).location_id == store.id


@pytest.mark.parametrize("location_id", [None, 9999])
def test_a_move_needs_a_real_location(make, ctx, location_id):
    asset = ctx.get(Asset, make.asset("M-2").id)
    with pytest.raises(DomainError, match="Choose the location") as caught:
        register.move_asset(None, asset, location_id)
    assert caught.value.field == "location_id"
