"""The `klynge` console script: Django's management commands with Klynge's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "klynge.settings")
    from klynge.env import ConfigurationError

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except ConfigurationError as error:
        # A wrong setting is the operator's to fix: say which, without a stack trace.
        sys.stderr.write(f"Klynge configuration error: {error}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
