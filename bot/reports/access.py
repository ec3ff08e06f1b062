"""Direct read access: the SQL that creates a read-only PostgreSQL role limited to the export views."""

from __future__ import annotations

import re

from bot.reports.dictionary import DATASETS

DEFAULT_ROLE = "participa_lectura"


def readonly_role_sql(role: str = DEFAULT_ROLE, schema: str = "public") -> str:
    """CREATE ROLE ... with SELECT on the views only (a view reads its tables with its owner's rights,
    so the role needs no right on any table)."""
    for name in (role, schema):
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise ValueError(f"{name!r}: expected a lower-case SQL name (letters, digits, _)")
    views = ", ".join(f"{schema}.{d.view}" for d in DATASETS.values())
    return f"""-- Read-only access to Participa's export views, for SGP analysts' own tools
-- (psql, LibreOffice Base, pandas, Power BI...). Run as the database owner, e.g.
--   participa roles sql {role} | psql "$DATABASE_URL_PSQL"
-- then give the role a password:  ALTER ROLE {role} PASSWORD '...';
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
    CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
END
$$;
-- Nothing but the views: take back whatever the role may have had.
REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role};
REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role};
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema} FROM {role};
REVOKE CREATE ON SCHEMA {schema} FROM {role};
GRANT USAGE ON SCHEMA {schema} TO {role};
GRANT SELECT ON {views} TO {role};
-- Every session of the role is read-only, whatever it asks for.
ALTER ROLE {role} SET default_transaction_read_only = on;
-- On PostgreSQL older than 15 every role may create tables in "public": to close that too, run
--   REVOKE CREATE ON SCHEMA public FROM PUBLIC;
"""
