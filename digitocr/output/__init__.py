"""Records -> files: CSV / JSON / JSON Lines writers and overlay PNGs."""
