"""B2B matchmaking sessions at events: participants, requests, slots, tables and meetings."""
