"""Exports, the open-data release and the statistics SGP publishes (Cuadros 1–4).

Pure Python: the rows come from the SQL views of migration 0007 through storage/exports.py.
"""
