"""The device listener: polls the evaluators (device_drivers/), turns key presses into
ratings through kiosk.ratings.service, and keeps each window's evaluator in the state the
window is in (docs/devices.md)."""
