"""What autogenerate and the schema test must know beyond the models: the search index
lives outside them (an FTS5 table on SQLite, a trigram index on PostgreSQL)."""


def include_object_for(dialect_name):
    """Leave out what the models do not describe: SQLite's FTS5 search tables (and their shadow
    tables), and the PostgreSQL-only trigram indexes when the database is SQLite."""

    def include_object(obj, name, type_, reflected, compare_to):
        if type_ == "table" and name and name.startswith(("asset_search", "people_search")):
            return False
        postgres_only = type_ == "index" and name is not None and name.endswith("_trgm")
        return not (postgres_only and dialect_name != "postgresql")

    return include_object


def render_item(type_, obj, autogen_context):
    """Write UTCDateTime columns as plain timezone-aware DateTime, so revisions never import
    application code."""
    if type_ == "type" and obj.__class__.__name__ == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False
