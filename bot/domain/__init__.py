"""The domain: reference data, rules and errors. Imports neither aiogram nor SQLAlchemy."""
