"""Charts as server-made SVG (no JavaScript, no CDN): each has a <title>, a <desc> and its
values as text, and the page shows the same numbers in a table."""
from markupsafe import Markup, escape

from kiosk.ratings.levels import LEVEL_NAMES

LEVEL_COLOURS = {1: "#0a6b2d", 2: "#3f8f4f", 3: "#8a8a2a", 4: "#c0561b", 5: "#a3141b"}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


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
    width, bar_h, gap, label_w = 640, 28, 10, 110
    body = []
    for i, n in enumerate(counts):
        level = i + 1
        y = i * (bar_h + gap)
        w = (width - label_w - 170) * n / total
        body.append(
            f'<text x="0" y="{y + 19}" font-size="15">{LEVEL_NAMES[level]}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" '
            f'fill="{LEVEL_COLOURS[level]}"><title>{LEVEL_NAMES[level]} {n}</title></rect>'
            f'<text x="{label_w + w + 6:.1f}" y="{y + 19}" font-size="15">{n} '
            f'({n / total * 100:.1f}%)</text>'
        )
    desc = "；".join(f"{LEVEL_NAMES[i + 1]} {n}" for i, n in enumerate(counts))
    return _svg(width, 5 * (bar_h + gap), title, desc, body, "levels")


def trend(points: list[tuple[str, int, float | None]], title: str) -> Markup:
    """points: (bucket label, ratings, good rate). Bars: ratings; line: good rate."""
    width, height, left, bottom, top = 760, 260, 50, 40, 16
    if not points:
        return _svg(width, 60, title, "无数据", ['<text x="10" y="30">无数据</text>'], "trend")
    plot_w, plot_h = width - left - 50, height - bottom - top
    peak = max(n for _, n, _ in points) or 1
    step = plot_w / len(points)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
            'stroke="#555"/>',
            f'<text x="0" y="{top + 10}" font-size="12">{peak}</text>',
            f'<text x="{left + plot_w + 4}" y="{top + 10}" font-size="12">100%</text>']
    line = []
    label_every = max(1, len(points) // 12)
    for i, (label, n, good_rate) in enumerate(points):
        x = left + i * step
        h = plot_h * n / peak
        body.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{top + plot_h - h:.1f}" '
            f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="#9db7d9">'
            f'<title>{escape(label)}：{n} 条，满意率 {_pct(good_rate)}</title></rect>'
        )
        if good_rate is not None:
            line.append(f"{x + step / 2:.1f},{top + plot_h * (1 - good_rate):.1f}")
        if i % label_every == 0:
            body.append(f'<text x="{x:.1f}" y="{height - 20}" font-size="11">'
                        f'{escape(label)}</text>')
    if line:
        body.append(f'<polyline points="{" ".join(line)}" fill="none" stroke="#0a6b2d" '
                    'stroke-width="2"/>')
    desc = "；".join(f"{label} {n} 条 满意率 {_pct(r)}" for label, n, r in points)
    return _svg(width, height, title, desc, body, "trend")


def hour_weekday_heatmap(cells: dict[tuple[int, int], tuple[int, int]], title: str,
                         hours: range = range(7, 21)) -> Markup:
    """Darker = more ratings; each cell's text says ratings and 差评."""
    cell_w, cell_h, left, top = 44, 30, 46, 22
    peak = max((n for n, _ in cells.values()), default=0) or 1
    body = []
    for j, hour in enumerate(hours):
        body.append(f'<text x="{left + j * cell_w + 8}" y="15" font-size="12">{hour}时</text>')
    for day in range(7):
        y = top + day * cell_h
        body.append(f'<text x="0" y="{y + 20}" font-size="13">{WEEKDAYS[day]}</text>')
        for j, hour in enumerate(hours):
            n, bad = cells.get((day, hour), (0, 0))
            shade = 245 - int(180 * n / peak)
            ink = "#fff" if shade < 150 else "#111"
            x = left + j * cell_w
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="rgb({shade},{shade + 5 if shade < 250 else 250},255)">'
                f'<title>{WEEKDAYS[day]} {hour}时：{n} 条，差评 {bad}</title></rect>'
                f'<text x="{x + 4}" y="{y + 19}" font-size="11" fill="{ink}">{n}</text>'
            )
    total = sum(n for n, _ in cells.values())
    desc = f"按星期和小时（北京时间）统计的评价数量，共 {total} 条；每格文字为评价数。"
    return _svg(left + len(hours) * cell_w, top + 7 * cell_h, title, desc, body, "heat")
