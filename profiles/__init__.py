"""Profiles shipped with halkit, as data: one folder per profile (installed as ``halkit._profiles``)."""
