"""The caseworker web UI: a single-page app served by the same FastAPI app (see ``pages``)."""
