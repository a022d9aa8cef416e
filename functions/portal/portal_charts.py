"""Charts as server-rendered SVG (no script): the geometry is worked out here,
``templates/_charts.html`` draws it. Every chart has a title, a y axis with
its unit, labelled months or degrees on the x axis and a legend in HTML under
it, so it reads on a phone: the drawing is 480 wide and scales to the page,
its text stays 12-13 px at 390 px."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

Format = Callable[[Decimal], str]

WIDTH = 480
HEIGHT = 270
LEFT = 52
RIGHT = 10
TOP = 22
BOTTOM = 26

# Per supply: this year, the year before, two years before (the legend says which is which).
PALETTES = {
    "heating": ("#a33327", "#e0988c", "#8a8a8a"),
    "cooling": ("#1d5c9e", "#86b1de", "#8a8a8a"),
}
COMPONENT_COLOURS = ("#1d5c9e", "#a33327", "#2e7d32", "#b35c00", "#6a3d9a", "#00838f", "#5d4037", "#ad1457", "#455a64")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str
    mark: str | None = None  # "estimated" or "corrected": drawn patterned / with a dot


@dataclass(frozen=True)
class Line:
    points: str  # "x,y x,y ..."
    colour: str
    dashed: bool = False
    width: float = 2.5


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    colour: str
    title: str


@dataclass(frozen=True)
class LegendItem:
    label: str
    colour: str
    kind: str = "box"  # box, line, dashed, dot, pattern


@dataclass
class Chart:
    title: str
    unit: str
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    dots: list[Dot] = field(default_factory=list)
    legend: list[LegendItem] = field(default_factory=list)
    x_unit: str = ""
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    top: int = TOP
    plot_bottom: float = HEIGHT - BOTTOM
    zero_y: float | None = None

    @property
    def empty(self) -> bool:
        return not (self.bars or self.lines or self.dots)


def nice_range(low: float, high: float) -> tuple[float, float, float]:
    """A readable axis: (start, end, step) with 3-6 steps of 1, 2 or 5 x 10^n."""
    if high <= low:
        high = low + 1
    span = high - low
    raw = span / 4
    magnitude = 10 ** int(f"{raw:e}".split("e")[1])
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = (low // step) * step
    end = -(-high // step) * step
    return start, end, step


def _y(value: float, low: float, high: float) -> float:
    plot = HEIGHT - BOTTOM - TOP
    return round(TOP + plot * (1 - (value - low) / (high - low)), 1)


def _ticks(low: float, high: float, step: float, fmt: Format) -> list[tuple[float, str]]:
    ticks = []
    value = low
    while value <= high + step / 1000:
        ticks.append((_y(value, low, high), fmt(Decimal(str(round(value, 6))))))
        value += step
    return ticks


def month_bars(
    title: str,
    unit: str,
    series: Sequence[tuple[str, list[Decimal | None], Sequence[str | None]]],
    month_labels: list[str],
    palette: tuple[str, ...],
    fmt: Format,
) -> Chart:
    """Grouped bars: twelve months, a bar per series (a year), oldest left."""
    values = [float(v) for _, vs, _ in series for v in vs if v is not None]
    chart = Chart(title, unit)
    if not values:
        return chart
    low, high, step = nice_range(min(0.0, *values), max(values))
    chart.y_ticks = _ticks(low, high, step, fmt)
    slot = (WIDTH - LEFT - RIGHT) / 12
    width = slot * 0.84 / max(len(series), 1)
    ordered = list(reversed(series))  # oldest first, left to right
    for index, (label, vs, marks) in enumerate(ordered):
        colour = palette[len(series) - 1 - index]
        chart.legend.append(LegendItem(label, colour))
        for month, value in enumerate(vs):
            if value is None:
                continue
            top, bottom = _y(max(float(value), 0.0), low, high), _y(min(float(value), 0.0), low, high)
            chart.bars.append(
                Bar(
                    round(LEFT + month * slot + slot * 0.08 + index * width, 1),
                    top,
                    round(width - 1, 1),
                    round(max(bottom - top, 0.5), 1),
                    colour,
                    f"{month_labels[month]} {label}: {fmt(value)} {unit}",
                    marks[month] if marks[month] in ("estimated", "corrected") else None,
                )
            )
    chart.legend.reverse()  # newest first, as the table's columns
    chart.x_labels = [(round(LEFT + i * slot + slot / 2, 1), month_labels[i]) for i in range(12)]
    chart.zero_y = _y(0.0, low, high)
    return chart


def month_lines(
    title: str,
    unit: str,
    series: list[tuple[str, list[Decimal | None], str, bool]],
    month_labels: list[str],
    fmt: Format,
) -> Chart:
    """Lines over twelve months: (label, values, colour, dashed) per series."""
    values = [float(v) for _, vs, _, _ in series for v in vs if v is not None]
    chart = Chart(title, unit)
    if not values:
        return chart
    low, high, step = nice_range(min(values) - 1, max(values) + 1)
    chart.y_ticks = _ticks(low, high, step, fmt)
    slot = (WIDTH - LEFT - RIGHT) / 12
    for label, vs, colour, dashed in series:
        points = [
            (round(LEFT + i * slot + slot / 2, 1), _y(float(v), low, high)) for i, v in enumerate(vs) if v is not None
        ]
        if not points:
            continue
        chart.lines.append(Line(" ".join(f"{x},{y}" for x, y in points), colour, dashed))
        if not dashed:
            chart.dots += [
                Dot(x, y, colour, f"{month_labels[i]}: {fmt(v)} {unit}")
                for (x, y), (i, v) in zip(points, [(i, v) for i, v in enumerate(vs) if v is not None], strict=True)
            ]
        chart.legend.append(LegendItem(label, colour, "dashed" if dashed else "line"))
    chart.x_labels = [(round(LEFT + i * slot + slot / 2, 1), month_labels[i]) for i in range(12)]
    return chart


def stacked_months(
    title: str,
    unit: str,
    components: list[tuple[str, list[Decimal | None]]],
    month_labels: list[str],
    fmt: Format,
) -> Chart:
    """Stacked bars: a month's cost by price component (a bonus below zero)."""
    chart = Chart(title, unit)
    ups = [sum(float(v) for _, vs in components if (v := vs[m]) is not None and v > 0) for m in range(12)]
    downs = [sum(float(v) for _, vs in components if (v := vs[m]) is not None and v < 0) for m in range(12)]
    if not any(ups) and not any(downs):
        return chart
    low, high, step = nice_range(min([*downs, 0.0]), max(ups))
    chart.y_ticks = _ticks(low, high, step, fmt)
    slot = (WIDTH - LEFT - RIGHT) / 12
    base_up = [0.0] * 12
    base_down = [0.0] * 12
    for index, (label, vs) in enumerate(components):
        colour = COMPONENT_COLOURS[index % len(COMPONENT_COLOURS)]
        chart.legend.append(LegendItem(label, colour))
        for month, value in enumerate(vs):
            if value is None or value == 0:
                continue
            amount = float(value)
            if amount > 0:
                start, end = base_up[month], base_up[month] + amount
                base_up[month] = end
            else:
                start, end = base_down[month] + amount, base_down[month]
                base_down[month] = start
            top, bottom = _y(end, low, high), _y(start, low, high)
            chart.bars.append(
                Bar(
                    round(LEFT + month * slot + slot * 0.15, 1),
                    top,
                    round(slot * 0.7, 1),
                    round(max(bottom - top, 0.5), 1),
                    colour,
                    f"{month_labels[month]}, {label}: {fmt(value)} {unit}",
                )
            )
    chart.x_labels = [(round(LEFT + i * slot + slot / 2, 1), month_labels[i]) for i in range(12)]
    chart.zero_y = _y(0.0, low, high)
    return chart


def scatter(
    title: str,
    unit: str,
    x_unit: str,
    points: list[tuple[Decimal, Decimal, str]],
    fitted: list[tuple[Decimal, Decimal]],
    colour: str,
    labels: tuple[str, str],
    fmt: Format,
    balance: Decimal | None = None,
) -> Chart:
    """The power signature: a dot per day (outdoor temperature, average power)
    and the fitted line; the balance temperature marked on it."""
    chart = Chart(title, unit, x_unit=x_unit)
    if not points:
        return chart
    xs = [float(x) for x, _, _ in points]
    ys = [float(y) for _, y, _ in points]
    y_low, y_high, y_step = nice_range(0.0, max(ys))
    x_low, x_high, x_step = nice_range(min(xs), max(xs))
    chart.y_ticks = _ticks(y_low, y_high, y_step, fmt)
    span = WIDTH - LEFT - RIGHT

    def x_of(value: float) -> float:
        return round(LEFT + span * (value - x_low) / (x_high - x_low), 1)

    chart.dots = [Dot(x_of(float(x)), _y(float(y), y_low, y_high), "#8a8a8a", title) for x, y, title in points]
    if fitted:
        chart.lines.append(
            Line(" ".join(f"{x_of(float(x))},{_y(float(y), y_low, y_high)}" for x, y in fitted), colour, width=3)
        )
    if balance is not None and x_low <= float(balance) <= x_high:
        chart.lines.append(
            Line(
                f"{x_of(float(balance))},{TOP} {x_of(float(balance))},{HEIGHT - BOTTOM}",
                "#333333",
                dashed=True,
                width=1.5,
            )
        )
    value = x_low
    while value <= x_high + x_step / 1000:
        chart.x_labels.append((x_of(value), fmt(Decimal(str(round(value, 6))))))
        value += x_step
    chart.legend = [
        LegendItem(labels[0], "#8a8a8a", "dot"),
        LegendItem(labels[1], colour, "line"),
    ]
    return chart


# Where a month's cost comes from: invoiced, estimated from measured consumption, forecast.
SOURCE_COLOURS = {"invoiced": "#1d5c9e", "estimated": "#6f9fd1", "forecast": "#a9b4bd"}
RANGE_COLOUR = "#263238"


def source_bars(
    title: str,
    unit: str,
    months: Sequence[tuple[str, Decimal, str, Decimal, Decimal]],
    source_labels: dict[str, str],
    range_label: str,
    fmt: Format,
) -> Chart:
    """A year's cost month by month: (month label, amount, source, low, high)
    per month, each bar coloured by its source, a forecast month with a line
    from its mild-year to its cold-year figure."""
    chart = Chart(title, unit)
    values = [float(v) for _, total, _, low, high in months for v in (total, low, high)]
    if not values or max(values) <= 0:
        return chart
    low, high, step = nice_range(min(0.0, *values), max(values))
    chart.y_ticks = _ticks(low, high, step, fmt)
    slot = (WIDTH - LEFT - RIGHT) / len(months)
    ranged = False
    for index, (label, total, source, mild, cold) in enumerate(months):
        colour = SOURCE_COLOURS.get(source, SOURCE_COLOURS["forecast"])
        top, bottom = _y(max(float(total), 0.0), low, high), _y(0.0, low, high)
        chart.bars.append(
            Bar(
                round(LEFT + index * slot + slot * 0.15, 1),
                top,
                round(slot * 0.7, 1),
                round(max(bottom - top, 0.5), 1),
                colour,
                f"{label}: {fmt(total)} {unit} ({source_labels.get(source, source)})",
            )
        )
        if source == "forecast" and cold > mild:
            x = round(LEFT + index * slot + slot / 2, 1)
            chart.lines.append(Line(f"{x},{_y(float(mild), low, high)} {x},{_y(float(cold), low, high)}", RANGE_COLOUR))
            ranged = True
    shown = dict.fromkeys(source for _, _, source, _, _ in months)
    chart.legend = [
        LegendItem(source_labels.get(s, s), SOURCE_COLOURS.get(s, SOURCE_COLOURS["forecast"])) for s in shown
    ]
    if ranged:
        chart.legend.append(LegendItem(range_label, RANGE_COLOUR, "line"))
    chart.x_labels = [(round(LEFT + i * slot + slot / 2, 1), months[i][0]) for i in range(len(months))]
    chart.zero_y = _y(0.0, low, high)
    return chart
