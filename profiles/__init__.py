"""Profiles shipped with halkit, as data: one folder per profile (``halkit.profiles``)."""
