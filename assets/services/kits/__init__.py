"""Kits: named sets of assets that go out and come back together."""
