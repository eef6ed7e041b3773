#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    """Run administrative tasks."""
    # A .env beside this file may name the settings module (e.g. production).
    import environ

    environ.Env.read_env(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".env"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "plm_workflow.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
