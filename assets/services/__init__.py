"""Every business rule. Services take plain values and the acting user, flush but never
commit, and raise a DomainError with a message a person can act on."""
