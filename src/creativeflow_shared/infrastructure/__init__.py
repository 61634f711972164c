"""Infrastructure adapters, one public namespace per technology (``infrastructure.sqlalchemy``)."""
