"""How pages are spread over processes (local) or a Ray cluster (ray)."""
