"""What happened to a registration, for other apps to follow (the CRM logs attendance).

Sent inside the service's transaction with `actor` and `registration`.
"""

from django.dispatch import Signal

# registration=Registration, the first time it is checked in
registration_checked_in = Signal()
