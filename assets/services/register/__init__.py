"""The asset register: assets (register), categories and locations (places), labels,
reading a scanned code (scanning), and the encryption compliance view."""
