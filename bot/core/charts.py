"""The participation chart: rate by directorate and by staff group, as a PNG image.

The chart draws only the groups a ParticipationReport contains, so a group
smaller than the small-group size stays inside "Other groups" here as in
every other output. matplotlib is imported on first use, because it takes
most of a second to load and most bot work never draws a chart.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from bot.core.outbox import OutboundFile, OutboundMessage
from bot.core.participation_records import (
    NOT_IN_DIRECTORY,
    OTHER_GROUPS,
    DimensionBreakdown,
    GroupParticipation,
    ParticipationReport,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

# The dimensions the chart shows, one panel each, top to bottom.
CHART_DIMENSIONS = ("directorate", "staff_group")
# Blue and orange of the Okabe-Ito palette, which stay distinct under the
# common colour-vision deficiencies. Orange bars are also hatched, so the
# combined and unlisted groups differ from staff-list groups without colour.
GROUP_COLOUR = "#0072B2"
COMBINED_COLOUR = "#E69F00"
OVERALL_LINE_COLOUR = "#000000"
# 8 inches at 100 dots per inch is 800 pixels wide. Slack scales image
# previews down to the message width, so the text is sized to stay legible there.
WIDTH_INCHES = 8.0
DPI = 100
FONT_SIZE = 11
# Inches per bar and for each panel's title and axis.
BAR_HEIGHT_INCHES = 0.38
PANEL_MARGIN_INCHES = 1.1
# Group names longer than this are cut with an ellipsis, so the bars keep their width.
MAX_LABEL_CHARACTERS = 32
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def chart_gap(report: ParticipationReport) -> str | None:
    """Return why the report has no rates to chart, or None when a chart can be drawn."""
    if report.headcount is None:
        return (
            "No staff list is loaded, so there are no participation rates to chart. "
            "Load one with `staffvoice staff import FILE.csv`."
        )
    if report.participants == 0:
        return "Nobody has taken part yet, so the chart would show only empty bars."
    if not _panels(report):
        return "The report has no directorate or staff group figures to chart."
    return None


def participation_chart(report: ParticipationReport) -> bytes:
    """Render the participation chart of a report as PNG bytes.

    When chart_gap() returns a reason, the image shows that reason instead of bars.
    """
    figure = build_chart_figure(report)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    data = buffer.getvalue()
    logger.info(
        "Drew the participation chart of %s %s: %d bytes",
        report.scope_kind,
        report.scope_id,
        len(data),
    )
    return data


def final_report_chart_key(campaign_id: int, user_id: str) -> str:
    """Return the outbox key of the chart sent with a campaign's final report to one manager."""
    return f"final-report-chart:{campaign_id}:{user_id}"


def chart_messages(
    report: ParticipationReport, *, platform: str, dedupe_keys: Mapping[str, str]
) -> list[OutboundMessage]:
    """Build the chart as one outbox file message per recipient user id in dedupe_keys.

    Returns no messages when chart_gap() gives a reason, because a chart of
    empty bars tells a manager nothing that the report's text does not.
    """
    if chart_gap(report) is not None or not dedupe_keys:
        return []
    title = f"Who took part: {report.title}"
    chart = OutboundFile(
        name=f"participation-{report.scope_kind}-{report.scope_id}.png",
        title=title,
        content=participation_chart(report),
    )
    return [
        OutboundMessage(
            platform=platform, recipient=user_id, text=title, dedupe_key=dedupe_key, file=chart
        )
        for user_id, dedupe_key in dedupe_keys.items()
    ]


def build_chart_figure(report: ParticipationReport) -> Figure:
    """Build the chart as a matplotlib Figure, for participation_chart() to save."""
    from matplotlib.figure import Figure

    panels = _panels(report)
    gap = chart_gap(report)
    if gap is not None:
        figure = Figure(figsize=(WIDTH_INCHES, 3.0), dpi=DPI, layout="constrained")
        figure.suptitle(_title(report), fontsize=FONT_SIZE + 2, fontweight="bold")
        figure.text(
            0.5,
            0.45,
            gap.replace("`", ""),
            ha="center",
            va="center",
            wrap=True,
            fontsize=FONT_SIZE + 1,
        )
        return figure

    heights = [PANEL_MARGIN_INCHES + BAR_HEIGHT_INCHES * len(panel.groups) for panel in panels]
    figure = Figure(figsize=(WIDTH_INCHES, sum(heights) + 0.8), dpi=DPI, layout="constrained")
    figure.suptitle(_title(report), fontsize=FONT_SIZE + 2, fontweight="bold")
    axes_list = figure.subplots(len(panels), 1, squeeze=False, height_ratios=heights)[:, 0]
    for axes, panel in zip(axes_list, panels, strict=True):
        _draw_panel(axes, panel, overall_rate=report.rate)
    return figure


def _panels(report: ParticipationReport) -> list[DimensionBreakdown]:
    by_dimension = {breakdown.dimension: breakdown for breakdown in report.dimensions}
    return [
        by_dimension[dimension]
        for dimension in CHART_DIMENSIONS
        if dimension in by_dimension and by_dimension[dimension].groups
    ]


def _title(report: ParticipationReport) -> str:
    if report.starts_on == report.ends_on:
        dates = f"{report.starts_on:%-d %B %Y}"
    else:
        dates = f"{report.starts_on:%-d %B %Y} to {report.ends_on:%-d %B %Y}"
    status = "as at the close" if report.headcount_taken_at is not None else "so far"
    return f"Who took part: {report.title}\n{dates}, {status}"


def _draw_panel(axes: Axes, panel: DimensionBreakdown, *, overall_rate: float | None) -> None:
    groups = panel.groups
    positions = list(range(len(groups)))
    percentages = [_percentage(group) for group in groups]
    combined = [group.name in (OTHER_GROUPS, NOT_IN_DIRECTORY) for group in groups]

    bars = axes.barh(
        positions,
        percentages,
        color=[COMBINED_COLOUR if flag else GROUP_COLOUR for flag in combined],
        height=0.7,
    )
    for bar, flag in zip(bars, combined, strict=True):
        if flag:
            bar.set_hatch("//")
            bar.set_edgecolor("#ffffff")

    for position, group, percentage in zip(positions, groups, percentages, strict=True):
        axes.text(
            percentage + 1.0,
            position,
            _bar_label(group),
            va="center",
            fontsize=FONT_SIZE - 1,
            # A white box keeps the label readable where the overall-rate line crosses it.
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )

    axes.set_yticks(positions, [_short(group.name) for group in groups], fontsize=FONT_SIZE)
    axes.invert_yaxis()
    axes.set_xlim(0, 118)
    axes.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    axes.tick_params(axis="x", labelsize=FONT_SIZE - 1)

    title = f"By {panel.label.lower()}"
    if overall_rate is not None:
        axes.axvline(overall_rate * 100, color=OVERALL_LINE_COLOUR, linestyle="--", linewidth=1)
        title += f" (dashed line: all staff, {overall_rate:.0%})"
    axes.set_title(title, loc="left", fontsize=FONT_SIZE + 1)
    axes.spines[["top", "right"]].set_visible(False)


def _percentage(group: GroupParticipation) -> float:
    return 0.0 if group.rate is None else group.rate * 100


def _bar_label(group: GroupParticipation) -> str:
    if group.rate is None:
        # People outside the staff list have no headcount, so only the number taking part shows.
        return f"{group.participants:,} took part, no headcount"
    listed = group.participants - group.not_in_directory - group.offline
    label = f"{listed:,} of {group.headcount:,} ({group.rate:.0%})"
    if group.not_in_directory:
        label += f" + {group.not_in_directory:,} not on list"
    if group.offline:
        label += f" + {group.offline:,} on paper"
    return label


def _short(name: str) -> str:
    if len(name) <= MAX_LABEL_CHARACTERS:
        return name
    return name[: MAX_LABEL_CHARACTERS - 1].rstrip() + "…"
