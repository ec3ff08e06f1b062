"""The database: SQLAlchemy models, repositories, the unit of work, FSM storage and migrations."""
