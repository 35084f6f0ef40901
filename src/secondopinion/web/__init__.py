"""The web adapter: one FastAPI app serving the JSON API (web/api) and the pages (web/ui)."""
