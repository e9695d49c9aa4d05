"""Dashboard panels of this app (see klynge.core.dashboard)."""
