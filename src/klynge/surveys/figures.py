"""The arithmetic of results: shares, means and the NPS rounded as a report would, and which
groups must stay hidden (see `hidden_groups`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

MIN_GROUP = 5
PROMOTERS, DETRACTORS = range(9, 11), range(0, 7)


def percent(count: int, total: int) -> Decimal | None:
    """count / total as a percentage with one decimal, rounded half up (None for no total)."""
    if not total:
        return None
    return (Decimal(100) * count / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def mean(pairs: list[tuple[int, int]]) -> Decimal | None:
    """The mean of values given as (value, how many) pairs, two decimals, rounded half up."""
    total = sum(n for _value, n in pairs)
    if not total:
        return None
    return (Decimal(sum(value * n for value, n in pairs)) / total).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def net_promoter_score(distribution: dict[int, int]) -> int | None:
    """% promoters (9–10) minus % detractors (0–6), a whole number from -100 to 100."""
    total = sum(distribution.values())
    if not total:
        return None
    promoters = sum(distribution.get(v, 0) for v in PROMOTERS)
    detractors = sum(distribution.get(v, 0) for v in DETRACTORS)
    return int(
        (Decimal(100) * (promoters - detractors) / total).quantize(
            Decimal("1"), rounding=ROUND_HALF_UP
        )
    )


def hidden_groups(sizes: dict, *, partition: bool, minimum: int = MIN_GROUP) -> set:
    """The groups whose figures must not be shown: those under `minimum`, and, when the groups
    partition the respondents, the next smallest ones until the hidden total reaches `minimum`
    (else the hidden group's figures would follow from the total minus the shown groups)."""
    hidden = {key for key, n in sizes.items() if 0 < n < minimum}
    if partition and hidden:
        total_hidden = sum(sizes[key] for key in hidden)
        shown = sorted((key for key, n in sizes.items() if n and key not in hidden), key=sizes.get)
        while total_hidden < minimum and shown:
            key = shown.pop(0)
            hidden.add(key)
            total_hidden += sizes[key]
    return hidden


def hidden_reasons(sizes: dict, *, partition: bool) -> dict[str, str]:
    """Why each hidden group is hidden: "small" (under five) or "complement"."""
    hidden = hidden_groups(sizes, partition=partition)
    return {key: "small" if sizes[key] < MIN_GROUP else "complement" for key in hidden}
