"""Who may see, book and manage resources."""

import rules  # noqa: F401
