"""Images: photos of damage, drawn signatures, and QR codes."""
