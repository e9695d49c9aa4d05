"""Klynge: the platform an innovation cluster for the media and mediatech industry runs on."""
