"""Prefect flows of the blog-data pipeline (shipped in the flow-run image)."""
