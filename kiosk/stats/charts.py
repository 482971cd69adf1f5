"""Charts as server-made SVG (no JavaScript, no CDN): each has a <title>, a <desc> and its
values as text, and the page shows the same numbers in a table."""
import math
from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from kiosk.ratings.levels import LEVEL_NAMES

LEVEL_COLOURS = {1: "#0a6b2d", 2: "#3f8f4f", 3: "#8a8a2a", 4: "#c0561b", 5: "#a3141b"}
WEEKDAYS = (_l("周一"), _l("周二"), _l("周三"), _l("周四"), _l("周五"), _l("周六"), _l("周日"))


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _svg(width: int, height: int, title: str, desc: str, body: list[str], ident: str) -> Markup:
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{ident}-t {ident}-d" class="chart">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>"
    )


def level_distribution(counts: tuple[int, ...], title: str) -> Markup:
    total = sum(counts) or 1
    names = {level: _(name) for level, name in LEVEL_NAMES.items()}
    # Room for the longest name: a CJK character is about as wide as the font size.
    label_w = 12 + max(len(n) * (15 if any(ord(c) > 0x2e80 for c in n) else 8.5)
                       for n in names.values())
    width, bar_h, gap = int(label_w) + 330, 28, 10
    body = []
    for i, n in enumerate(counts):
        level = i + 1
        y = i * (bar_h + gap)
        w = (width - label_w - 120) * n / total
        body.append(
            f'<text x="0" y="{y + 19}" font-size="15">{escape(names[level])}</text>'
            f'<rect x="{label_w:.0f}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{LEVEL_COLOURS[level]}"><title>{escape(names[level])} {n}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" font-size="15">{n} '
            f'({n / total * 100:.1f}%)</text>'
        )
    desc = "；".join(f"{names[i + 1]} {n}" for i, n in enumerate(counts))
    return _svg(width, 5 * (bar_h + gap), title, desc, body, "levels")


def bucket_keys(period, grain: str) -> list[str]:
    """Every bucket of the period, in order, keyed as kiosk.stats.queries.breakdown keys
    them (day: YYYY-MM-DD, week: its Monday, month: YYYY-MM): the date axis has no gaps."""
    if grain == "day":
        return [(period.first + timedelta(days=i)).isoformat() for i in range(period.days)]
    if grain == "week":
        monday = period.first - timedelta(days=period.first.weekday())
        return [(monday + timedelta(weeks=i)).isoformat()
                for i in range((period.last - monday).days // 7 + 1)]
    if grain == "month":
        keys, (y, m) = [], (period.first.year, period.first.month)
        while (y, m) <= (period.last.year, period.last.month):
            keys.append(f"{y:04d}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return keys
    raise ValueError(grain)


def axis_label(key: str, grain: str) -> str:
    """A short label for the date axis: 11-30 for a day or a week's Monday, 2026-11 for a
    month."""
    return key[5:] if grain in ("day", "week") else key


def zero_filled(rows, period, grain: str) -> list[tuple[str, int, float | None]]:
    """trend() points for every bucket of the period: a bucket without ratings is 0 ratings
    and no rate (the line skips it), never left out."""
    by_key = {r.key: r for r in rows}
    points = []
    for key in bucket_keys(period, grain):
        row = by_key.get(key)
        points.append((axis_label(key, grain), row.total if row else 0,
                       row.good_rate if row else None))
    return points


def _nice_ceiling(n: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least n."""
    magnitude = 1
    while True:
        for factor in (1, 2, 5):
            if factor * magnitude >= n:
                return factor * magnitude
        magnitude *= 10


def trend(points: list[tuple[str, int, float | None]], title: str) -> Markup:
    """points: (bucket label, ratings, good rate 0..1 or None). Bars: ratings (left axis);
    line with a dot per point: 满意率 (right axis, from a floor below the lowest rate so that
    the line does not lie flat under 100 %). A single point is a dot with its value."""
    width, height, left, right, bottom, top = 760, 290, 52, 58, 44, 40
    if not points:
        return _svg(width, 60, title, _("无数据"),
                    [f'<text x="10" y="30">{escape(_("无数据"))}</text>'], "trend")
    plot_w, plot_h = width - left - right, height - bottom - top
    base_y = top + plot_h
    peak = _nice_ceiling(max(n for _, n, _ in points) or 1)
    rates = [r for _, _, r in points if r is not None]
    # At least 5 points of room under the lowest rate, so its dot clears the axis.
    floor = max(0.0, min(0.8, math.floor((min(rates) - 0.05) * 10) / 10)) if rates else 0.0
    span = 1.0 - floor or 1.0
    step = plot_w / len(points)
    bar_w = min(step * 0.7, 36)
    n_label, rate_label = _("评价数（柱）"), _("满意率（线）")
    body = [
        # Legend: the shapes say which is which, not only their colours.
        f'<rect x="{left}" y="8" width="14" height="14" fill="#9db7d9" stroke="#3d5f8c"/>'
        f'<text x="{left + 20}" y="20" font-size="14">{escape(n_label)}</text>'
        f'<line x1="{left + 150}" y1="15" x2="{left + 180}" y2="15" stroke="#0a6b2d" '
        'stroke-width="2.5"/>'
        f'<circle cx="{left + 165}" cy="15" r="4" fill="#0a6b2d"/>'
        f'<text x="{left + 186}" y="20" font-size="14">{escape(rate_label)}</text>',
    ]
    for i in range(3):  # grid lines with both axes' values
        y = base_y - plot_h * i / 2
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{"#555" if i == 0 else "#d5d9e0"}"/>'
            f'<text x="{left - 6}" y="{y + 5:.1f}" font-size="14" text-anchor="end">'
            f'{peak * i // 2}</text>'
            f'<text x="{left + plot_w + 6}" y="{y + 5:.1f}" font-size="14">'
            f'{(floor + span * i / 2) * 100:.0f}%</text>')
    segments, current = [], []
    label_every = max(1, math.ceil(len(points) / 12))
    show_values = len(points) <= 7
    for i, (label, n, good_rate) in enumerate(points):
        cx = left + i * step + step / 2
        h = plot_h * n / peak
        body.append(
            f'<rect x="{cx - bar_w / 2:.1f}" y="{base_y - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}" fill="#9db7d9" stroke="#3d5f8c" stroke-width="0.5">'
            f'<title>{escape(_point_text(label, n, good_rate))}</title></rect>')
        if good_rate is None:
            if current:
                segments.append(current)
            current = []
        else:
            cy = top + plot_h * (1 - (good_rate - floor) / span)
            current.append((cx, cy))
            body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4" fill="#0a6b2d">'
                        f'<title>{escape(_point_text(label, n, good_rate))}</title></circle>')
            if show_values:
                body.append(f'<text x="{cx:.1f}" y="{cy - 9:.1f}" font-size="14" '
                            f'text-anchor="middle" fill="#0a6b2d">{_pct(good_rate)}</text>')
        if i % label_every == 0 or i == len(points) - 1:
            body.append(f'<text x="{cx:.1f}" y="{height - 20}" font-size="13" '
                        f'text-anchor="middle">{escape(label)}</text>')
    if current:
        segments.append(current)
    for segment in segments:
        if len(segment) > 1:
            body.append('<polyline points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in segment)
                        + '" fill="none" stroke="#0a6b2d" stroke-width="2.5"/>')
    desc = "；".join(_point_text(label, n, r) for label, n, r in points)
    return _svg(width, height, title, desc, body, "trend")


def _point_text(label: str, n: int, good_rate: float | None) -> str:
    return _("%(label)s：%(n)d 条，满意率 %(rate)s", label=label, n=n, rate=_pct(good_rate))


def hour_weekday_heatmap(cells: dict[tuple[int, int], tuple[int, int]], title: str,
                         hours: range = range(7, 21)) -> Markup:
    """Darker = more ratings; each cell's text says ratings and 差评."""
    cell_w, cell_h, left, top = 44, 30, 46, 22
    peak = max((n for n, _ in cells.values()), default=0) or 1
    body = []
    hour_names = {hour: _("%(h)d时", h=hour) for hour in hours}
    for j, hour in enumerate(hours):
        body.append(f'<text x="{left + j * cell_w + 4}" y="15" font-size="12">'
                    f'{escape(hour_names[hour])}</text>')
    for day in range(7):
        y = top + day * cell_h
        body.append(f'<text x="0" y="{y + 20}" font-size="13">{escape(WEEKDAYS[day])}</text>')
        for j, hour in enumerate(hours):
            n, bad = cells.get((day, hour), (0, 0))
            shade = 245 - int(180 * n / peak)
            ink = "#fff" if shade < 150 else "#111"
            x = left + j * cell_w
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="rgb({shade},{shade + 5 if shade < 250 else 250},255)">'
                f'<title>{escape(_("%(day)s %(hour)s：%(n)d 条，差评 %(bad)d", day=WEEKDAYS[day], hour=hour_names[hour], n=n, bad=bad))}</title></rect>'
                f'<text x="{x + 4}" y="{y + 19}" font-size="11" fill="{ink}">{n}</text>'
            )
    total = sum(n for n, _ in cells.values())
    desc = _("按星期和小时（北京时间）统计的评价数量，共 %(n)d 条；每格文字为评价数。", n=total)
    return _svg(left + len(hours) * cell_w, top + 7 * cell_h, title, desc, body, "heat")
