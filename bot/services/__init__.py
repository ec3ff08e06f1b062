"""Use cases: plain values and a unit of work in, results or domain errors out.

Imports neither aiogram nor SQLAlchemy: the storage is reached through the ports in `ports.py`.
"""
