"""Staff who may borrow (people) and logins to this app (logins)."""
