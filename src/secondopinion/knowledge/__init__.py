"""The knowledge base: schema, loader and cross-checks; the facts themselves live in data/."""
