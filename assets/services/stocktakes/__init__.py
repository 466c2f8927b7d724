"""Stocktakes: scanning what is really at a location against the register."""
