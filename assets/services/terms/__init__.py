"""What is signed: versioned loan terms and the declaration (terms), the policy's own texts,
the staff declaration register (declarations), and drawn signatures with their receipts."""
