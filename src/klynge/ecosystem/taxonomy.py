"""The fixed vocabularies organisations are tagged with: the media sector taxonomy and the UN
Sustainable Development Goals. Labels live here (translated); the database keeps the keys."""

from django.utils.translation import gettext_lazy as _

# (slug, parent slug or None, label)
SECTORS = [
    ("journalism", None, _("Journalism and news")),
    ("content", None, _("Content production")),
    ("film", "content", _("Film")),
    ("tv", "content", _("TV")),
    ("audio", "content", _("Audio and podcast")),
    ("games", "content", _("Games")),
    ("communication", None, _("Communication and marketing")),
    ("technology", None, _("Technology")),
    ("broadcast_tech", "technology", _("Broadcast technology")),
    ("streaming", "technology", _("Streaming")),
    ("xr", "technology", _("AR/VR")),
    ("ai", "technology", _("Artificial intelligence")),
    ("data", "technology", _("Data")),
    ("education_research", None, _("Education and research")),
]
SECTOR_LABELS = {slug: label for slug, _parent, label in SECTORS}

SDGS = {
    1: _("No poverty"),
    2: _("Zero hunger"),
    3: _("Good health and well-being"),
    4: _("Quality education"),
    5: _("Gender equality"),
    6: _("Clean water and sanitation"),
    7: _("Affordable and clean energy"),
    8: _("Decent work and economic growth"),
    9: _("Industry, innovation and infrastructure"),
    10: _("Reduced inequalities"),
    11: _("Sustainable cities and communities"),
    12: _("Responsible consumption and production"),
    13: _("Climate action"),
    14: _("Life below water"),
    15: _("Life on land"),
    16: _("Peace, justice and strong institutions"),
    17: _("Partnerships for the goals"),
}
