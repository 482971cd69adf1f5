"""The official holiday calendar: importing the State Council's yearly schedule, showing it."""
