"""The database layer: the only code that runs SQL. :class:`mockprep.db.store.Store` is the hub."""
