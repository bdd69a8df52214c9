"""Every component id of the dashboard, declared once so layouts and callbacks agree."""

from enum import StrEnum


class Id(StrEnum):
    # shell: routing and sign-in
    URL = "url"
    PAGE = "page"
    TOKEN = "token"
    TOKEN_INPUT = "token-input"
    SIGN_IN = "sign-in"
    SIGN_IN_BOX = "sign-in-box"
    SIGN_OUT = "sign-out"
    SIGNED_IN_AS = "signed-in-as"
    SIGN_IN_ERROR = "sign-in-error"
    NAV = "nav"
    PAGE_TITLE = "page-title"
    TITLE_SINK = "title-sink"
    URL_CLEANER = "url-cleaner"

    # Today
    TODAY_DATE = "today-date"
    TODAY_TIME = "today-time"
    TODAY_NOW = "today-now"
    TODAY_REFRESH = "today-refresh"
    TODAY_STATUS = "today-status"
    TODAY_HEADLINES = "today-headlines"
    TODAY_PATHWAY = "today-pathway"
    TODAY_SITE = "today-site"
    TODAY_LA = "today-local-authority"
    TODAY_BANDS = "today-bands"
    TODAY_REASONS = "today-reasons"
    TODAY_SERVICES = "today-services"
    TODAY_PATIENTS = "today-patients"
    TODAY_PATIENTS_NOTE = "today-patients-note"

    # Trends
    TRENDS_INTERVAL = "trends-interval"
    TRENDS_ORGANISATION = "trends-organisation"
    TRENDS_STATUS = "trends-status"
    TRENDS_CARD = "trends-card"
    TRENDS_CHART = "trends-chart"

    # Explore
    EXPLORE_METRIC = "explore-metric"
    EXPLORE_PERIOD = "explore-period"
    EXPLORE_INTERVAL = "explore-interval"
    EXPLORE_GROUP_BY = "explore-group-by"
    EXPLORE_ORGANISATION = "explore-organisation"
    EXPLORE_STATUS = "explore-status"
    EXPLORE_DEFINITION = "explore-definition"
    EXPLORE_FIGURE = "explore-figure"
    EXPLORE_TABLE = "explore-table"
    EXPLORE_API_URL = "explore-api-url"
    EXPLORE_CSV = "explore-csv"
    EXPLORE_XLSX = "explore-xlsx"
    EXPLORE_DOWNLOAD = "explore-download"

    # Wall
    WALL_TOKEN = "wall-token"
    WALL_REFRESH = "wall-refresh"
    WALL_ROTATE = "wall-rotate"
    WALL_DATA = "wall-data"
    WALL_STALE = "wall-stale"
    WALL_PANEL = "wall-panel"
    WALL_CLOCK = "wall-clock"
