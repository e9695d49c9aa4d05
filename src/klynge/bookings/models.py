"""Shared studios, rooms and equipment, and their bookings."""
