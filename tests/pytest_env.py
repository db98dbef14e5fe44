"""Loaded by pytest before Django starts (see pyproject): tests run on the development profile.

Django's test runner still switches DEBUG off while tests run; this only picks the
development defaults (no HTTPS redirect, no static manifest, a throwaway SECRET_KEY).
"""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "var", "test"))
# Live-server and worker threads must not keep connections open past their request, or the
# test database cannot be dropped at the end of the run.
os.environ.setdefault("CONN_MAX_AGE", "0")
# Figures count at once unless a test sets a wait (the four-eyes tests do).
os.environ.setdefault("FIGURES_COUNT_AFTER_DAYS", "0")
