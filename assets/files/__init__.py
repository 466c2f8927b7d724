"""Pure builders and readers of files: they take data and return bytes, or bytes and return data."""
