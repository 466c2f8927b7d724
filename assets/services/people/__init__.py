"""Staff who may borrow (people), logins to this app (logins), and how long their personal data
is kept after they leave (retention)."""
