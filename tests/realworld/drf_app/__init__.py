"""A small Django REST Framework API rendered by drf-hal-json (authors and their books).

Django is configured in code by :func:`realworld.drf_app.site.setup`; this
package is the Django app (models) it installs.
"""
