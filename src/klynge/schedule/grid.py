"""One programme day as a table: rooms as columns, time as rows, sessions spanning their length.

The rows are the distinct moments at which a session starts or ends that day (not a fixed
five-minute raster), so a festival day of 50 rooms stays a table of a few thousand cells; each
row carries a `slot-N` class (N: its length in minutes, rounded up to 5, at most 60) that the
stylesheet turns into a height, so longer sessions look longer. Sessions that overlap in one room
(a programme being planned can have them) get a second lane: the room's header then spans two
columns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from klynge.schedule.selectors import ProgrammeRow

# A session without a length still takes a row of the table.
MIN_SPAN = datetime.timedelta(minutes=5)
TRACK_CLASSES = 8  # the stylesheet colours track-0 … track-7
MAX_SLOT_MINUTES = 60


@dataclass(slots=True)
class GridCell:
    row: ProgrammeRow | None = None  # None: an empty cell
    rowspan: int = 1
    colspan: int = 1  # empty neighbours in one row are one cell
    css_class: str = ""


@dataclass(slots=True)
class GridRow:
    start_hm: str
    start_iso: str
    slot_class: str
    cells: list[GridCell]


@dataclass(slots=True)
class GridColumn:
    name: str
    lanes: int


@dataclass(slots=True)
class Grid:
    columns: list[GridColumn] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)

    @property
    def lane_count(self) -> int:
        return sum(column.lanes for column in self.columns)


_COVERED = object()


def _end(row: ProgrammeRow) -> datetime.datetime:
    return max(row.ends_at, row.starts_at + MIN_SPAN)


def _slot_class(length: datetime.timedelta) -> str:
    minutes = -(-int(length.total_seconds()) // 60)  # rounded up
    bucket = min(max(5, -(-minutes // 5) * 5), MAX_SLOT_MINUTES)
    return f"slot-{bucket}"


def _merge_empty(cells: list) -> list[GridCell]:
    """The row's cells to write: covered positions left out, runs of empty ones merged (a run
    stops at a covered position, where a session from a row above reaches down)."""
    merged: list[GridCell] = []
    run: GridCell | None = None
    for cell in cells:
        if cell is None:
            if run is None:
                run = GridCell()
                merged.append(run)
            else:
                run.colspan += 1
            continue
        run = None
        if cell is not _COVERED:
            merged.append(cell)
    return merged


def build_grid(rows: list[ProgrammeRow], *, rooms, tracks, zone: ZoneInfo, no_room: str) -> Grid:
    """The table for `rows` (one day's sessions, from `selectors.programme_rows`)."""
    if not rows:
        return Grid()
    track_class = {track.pk: f"track-{index % TRACK_CLASSES}" for index, track in enumerate(tracks)}
    by_room: dict[int | None, list[ProgrammeRow]] = {}
    for row in rows:
        by_room.setdefault(row.room_id, []).append(row)
    room_names = {room.pk: room.name for room in rooms}
    order = [room.pk for room in rooms if room.pk in by_room]
    order += [room_id for room_id in by_room if room_id not in room_names]  # None last

    columns: list[GridColumn] = []
    lanes: list[list[ProgrammeRow]] = []
    for room_id in order:
        room_lanes: list[list[ProgrammeRow]] = []
        for row in sorted(by_room[room_id], key=lambda r: (r.starts_at, _end(r), r.title)):
            for lane in room_lanes:
                if _end(lane[-1]) <= row.starts_at:
                    lane.append(row)
                    break
            else:
                room_lanes.append([row])
        columns.append(GridColumn(name=room_names.get(room_id) or no_room, lanes=len(room_lanes)))
        lanes.extend(room_lanes)

    moments = sorted({row.starts_at for row in rows} | {_end(row) for row in rows})
    position = {moment: index for index, moment in enumerate(moments)}
    matrix: list[list] = [[None] * len(lanes) for _ in range(len(moments) - 1)]
    for column, lane in enumerate(lanes):
        for row in lane:
            top, bottom = position[row.starts_at], position[_end(row)]
            css = "session"
            if row.track_id in track_class:
                css += " " + track_class[row.track_id]
            if row.starred:
                css += " starred"
            matrix[top][column] = GridCell(row=row, rowspan=bottom - top, css_class=css)
            for covered in range(top + 1, bottom):
                matrix[covered][column] = _COVERED

    grid_rows = []
    for index, cells in enumerate(matrix):
        local = moments[index].astimezone(zone)
        grid_rows.append(
            GridRow(
                start_hm=f"{local:%H:%M}",
                start_iso=local.isoformat(),
                slot_class=_slot_class(moments[index + 1] - moments[index]),
                cells=_merge_empty(cells),
            )
        )
    return Grid(columns=columns, rows=grid_rows)
