"""An event's programme: rooms, tracks, sessions, speakers and personal agendas."""
