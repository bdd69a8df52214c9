"""The dashboard: Dash pages mounted in the API's server; every figure comes from metrics/."""
