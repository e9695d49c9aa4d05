"""Who may see and edit programmes."""

import rules  # noqa: F401
