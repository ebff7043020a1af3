"""Inline SVG score histograms for report.html (no scripts, no external resources)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 30, 10, 12, 28
BINS = 10


def score_range(values: Sequence[float]) -> tuple[float, float]:
    """0..1 for AgentCore's normalized scales, widened to fit any custom scale's values."""
    low = min([0.0, *values])
    high = max([1.0, *values])
    return low, high


def histogram(values: Sequence[float], bins: int = BINS) -> tuple[list[int], float, float]:
    """Counts per equal-width bin over score_range(values); the top edge falls in the last bin."""
    low, high = score_range(values)
    counts = [0] * bins
    for value in values:
        index = int((value - low) / (high - low) * bins)
        counts[min(max(index, 0), bins - 1)] += 1
    return counts, low, high


def histogram_svg(values: Sequence[float], average: float | None, threshold: float | None, label: str) -> str:
    """A bar chart of scores with the average (solid) and the gate threshold (dashed) marked."""
    counts, low, high = histogram(values)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    peak = max(counts) or 1
    bar_w = plot_w / len(counts)

    def x_of(value: float) -> float:
        return LEFT + (value - low) / (high - low) * plot_w

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>',
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
    ]
    for index, count in enumerate(counts):
        height = count / peak * plot_h
        x = LEFT + index * bar_w
        start = low + (high - low) * index / len(counts)
        parts.append(
            f'<rect class="bar" x="{x + 1:.1f}" y="{TOP + plot_h - height:.1f}" width="{bar_w - 2:.1f}" '
            f'height="{height:.1f}"><title>{count} result(s) from {start:.2f}</title></rect>'
        )
    for tick in (low, (low + high) / 2, high):
        parts.append(f'<text class="tick" x="{x_of(tick):.1f}" y="{HEIGHT - 10}">{tick:.2f}</text>')
    parts.append(f'<text class="tick" x="4" y="{TOP + 8}">{peak}</text>')
    if threshold is not None and low <= threshold <= high:
        x = x_of(threshold)
        parts.append(f'<line class="threshold" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}"/>')
    if average is not None:
        x = x_of(average)
        parts.append(f'<line class="average" x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}"/>')
    if not values:
        parts.append(f'<text class="empty" x="{WIDTH / 2}" y="{HEIGHT / 2}">no scored results</text>')
    parts.append("</svg>")
    return "".join(parts)
