"""Partner recommendations, introductions and the outcomes of matches."""
