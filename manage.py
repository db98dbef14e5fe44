#!/usr/bin/env python
"""Django's command-line utility for the vendor governance portal."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        settings.INSTALLED_APPS  # noqa: B018  (reads the settings: a bad value stops here, clearly)
    except ImproperlyConfigured as exc:
        sys.exit(
            f"Configuration error: {exc}\nSee README.md, Configuration (make writes a development .env)."
        )
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
