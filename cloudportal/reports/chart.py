"""The chart: pygal's stacked bars rendered on the server as SVG, shown as an ``<img>`` from a
``data:`` URL. As an image the SVG runs no script and loads nothing (the CSP allows ``data:``
images only), and it reads the same without JavaScript; the table under it carries the figures
for screen readers."""

from __future__ import annotations

import base64

import pygal
from pygal.etree import etree
from pygal.style import DefaultStyle

MAX_STACKS = 12  # more stacks are unreadable: the rest are summed as "Others"


def stacked_svg(title: str, periods: list[str], stacks: dict[str, list], unit: str) -> str:
    """A ``data:image/svg+xml`` URL of the chart, or "" when there is nothing to draw."""
    if not periods or not stacks:
        return ""
    ordered = sorted(stacks.items(), key=lambda kv: -sum(v or 0 for v in kv[1]))
    if len(ordered) > MAX_STACKS:
        kept, rest = ordered[: MAX_STACKS - 1], ordered[MAX_STACKS - 1 :]
        others = [sum((v[i] or 0) for _, v in rest) for i in range(len(periods))]
        ordered = [*kept, ("Others", others)]
    chart = pygal.StackedBar(
        js=[],  # pygal's default fetches a tooltip script from a CDN: none here
        style=DefaultStyle,
        width=900,
        height=360,
        title=title,
        y_title=unit,
        x_label_rotation=30 if len(periods) > 8 else 0,
        show_minor_x_labels=len(periods) <= 31,
        legend_at_bottom=True,
        print_values=False,
    )
    chart.x_labels = periods
    for name, values in ordered:
        chart.add(name, values)
    svg = _without_scripts(chart.render_tree())
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def _without_scripts(root) -> bytes:
    """pygal always writes its config as an inline ``<script>`` (for its tooltips, which need
    JavaScript the portal does not serve): removed, so the SVG is nothing but drawing."""
    for parent in list(root.iter()):
        for child in list(parent):
            if isinstance(child.tag, str) and child.tag.rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return etree.tostring(root)
