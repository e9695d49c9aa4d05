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


def seed_taxonomies(sector_model, sdg_model, nace_model) -> None:
    """Creates the missing sectors, SDGs and NACE codes (idempotent).

    The initial migration calls it with its historical models; `load_demo` calls it again
    because a test database that is flushed between tests loses migration-seeded rows.
    """
    import json
    from pathlib import Path

    by_slug = {sector.slug: sector for sector in sector_model.objects.all()}
    for slug, parent, _label in SECTORS:
        if slug not in by_slug:
            by_slug[slug] = sector_model.objects.create(slug=slug, parent=by_slug.get(parent))
    existing_sdgs = set(sdg_model.objects.values_list("number", flat=True))
    sdg_model.objects.bulk_create(sdg_model(number=n) for n in SDGS if n not in existing_sdgs)
    by_code = {code.code: code for code in nace_model.objects.all()}
    nace_file = Path(__file__).resolve().parent / "fixtures" / "nace.json"
    for code, name, level, parent in json.loads(nace_file.read_text(encoding="utf-8")):
        if code not in by_code:
            by_code[code] = nace_model.objects.create(
                code=code, name=name, level=level, parent=by_code.get(parent)
            )
