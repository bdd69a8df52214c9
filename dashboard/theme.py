"""NHS identity colours and type, and the Making Data Count point colours (WCAG-checked shades)."""

from typing import Final

NHS_BLUE: Final = "#005EB8"
NHS_DARK_BLUE: Final = "#003087"
NHS_BRIGHT_BLUE: Final = "#0072CE"
NHS_LIGHT_BLUE: Final = "#41B6E6"
NHS_BLACK: Final = "#231F20"
NHS_DARK_GREY: Final = "#425563"
NHS_MID_GREY: Final = "#768692"
NHS_PALE_GREY: Final = "#E8EDEE"
NHS_WHITE: Final = "#FFFFFF"
NHS_DARK_GREEN: Final = "#006747"
NHS_WARM_YELLOW: Final = "#FFB81C"
NHS_DARK_RED: Final = "#8A1538"
NHS_PURPLE: Final = "#330072"
NHS_DARK_PINK: Final = "#7C2855"

FONT_FAMILY: Final = "Frutiger W01, Arial, Helvetica, sans-serif"

# Series colours, each at least 3:1 against white (WCAG 1.4.11, graphical objects).
SERIES: Final = (NHS_BLUE, NHS_DARK_PINK, NHS_DARK_GREEN, NHS_PURPLE, "#AE2573", NHS_DARK_GREY)
BEFORE: Final = NHS_MID_GREY
# Delay bands, from no delay (pale) to 21+ days (dark): one sequential blue-to-red scale.
BANDS: Final = ("#A6C8E8", "#5C9BD6", "#005EB8", "#003087", "#ED8B00", "#B35A00", "#8A1538")
# Many groups (37 delay reasons): distinct colours, then the same colours dashed.
MANY: Final = (
    "#005EB8", "#DA291C", "#009639", "#7C2855", "#ED8B00", "#00A499", "#330072", "#8A1538",
    "#425563", "#78BE20", "#AE2573", "#003087", "#006747", "#FFB81C", "#41B6E6", "#768692",
)  # fmt: skip  # the comparison bar ("24 hours earlier")

# Making Data Count: grey common cause, blue improvement, orange concern, purple neutral.
# The orange is darkened from #ED8B00 so a point keeps 3:1 contrast on white.
POINT_COLOURS: Final = {
    "common_cause": NHS_DARK_GREY,
    "special_cause_improvement": NHS_BLUE,
    "special_cause_concern": "#B35A00",
    "special_cause_neutral_high": NHS_PURPLE,
    "special_cause_neutral_low": NHS_PURPLE,
}
POINT_LABELS: Final = {
    "common_cause": "Common cause variation",
    "special_cause_improvement": "Special cause: improvement",
    "special_cause_concern": "Special cause: concern",
    "special_cause_neutral_high": "Special cause: higher",
    "special_cause_neutral_low": "Special cause: lower",
}
INCOMPLETE_LABEL: Final = "Incomplete: can still change (not in the limits or rules)"
ASSURANCE_LABELS: Final = {
    "pass": "Target consistently met",
    "fail": "Target consistently missed",
    "hit_and_miss": "Target hit and miss",
}
