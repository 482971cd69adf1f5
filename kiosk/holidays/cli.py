"""flask calendar import FILE / calendar show YEAR: the official holiday calendar of a year."""
import json
from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from kiosk import workdays
from kiosk.holidays import store
from kiosk.holidays.notice import NoticeError, YearSchedule, parse_notice

calendar_cli = AppGroup("calendar", help="The official holiday calendar (放假调休安排).")
WEEKDAYS = "一二三四五六日"


def register(app: Flask) -> None:
    app.cli.add_command(calendar_cli)


def _calendar_file() -> Path:
    return Path(current_app.instance_path) / store.FILE_NAME


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):  # notices copied on Windows are often GBK
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise click.ClickException(f"{path}: neither UTF-8 nor GB18030 text")


def _schedules(text: str, year: int | None) -> list[YearSchedule]:
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NoticeError(f"not valid JSON: {exc}") from exc
        return store.schedule_from_json(data, year)
    return [parse_notice(text, year)]


def _day(d: date) -> str:
    return f"{d.isoformat()}（周{WEEKDAYS[d.weekday()]}）"


@calendar_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, help="The notice's year, when its title does not say.")
@click.option("--dry-run", is_flag=True, help="Show what would be imported, change nothing.")
def import_command(file: Path, year: int | None, dry_run: bool) -> None:
    """Import the State Council's holiday notice (text) or a holiday_calendar.json file."""
    target = _calendar_file()
    try:
        content = store.read_file(target)
        schedules = _schedules(_read_text(file), year)
        for schedule in schedules:
            content = store.merged(content, schedule)
    except (NoticeError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    for schedule in schedules:
        click.echo(f"{schedule.year}: {len(schedule.holidays)} days off, "
                   f"{len(schedule.workdays)} make-up workdays (调休上班)")
        if workdays.calendar_source(schedule.year) == "package":
            click.echo(f"  note: the chinesecalendar package knows {schedule.year} too; "
                       "the hall's file takes precedence")
    if dry_run:
        click.echo("dry run: nothing written")
        return
    store.write_file(target, content)
    workdays.calendar().load(target)
    click.echo(f"written: {target}")


def _year_days(year: int):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@calendar_cli.command("show")
@click.argument("year", type=int)
def show_command(year: int) -> None:
    """Days off on weekdays and make-up workdays of YEAR, and where they come from."""
    workdays.refresh_supplement()
    source = workdays.calendar_source(year)
    if source is None:
        raise click.ClickException(
            f"no official calendar for {year}: import the State Council's notice with "
            f"`flask calendar import FILE`")
    days = list(_year_days(year))
    flags = {d: workdays.is_workday(d) for d in days}
    off = [d for d in days if d.weekday() < 5 and not flags[d]]
    extra = [d for d in days if d.weekday() >= 5 and flags[d]]
    origin = {"hall": store.FILE_NAME, "package": "chinesecalendar package"}[source]
    click.echo(f"{year}: {sum(flags.values())} working days (source: {origin})")
    click.echo(f"weekdays off (放假), {len(off)}:")
    for d in off:
        click.echo(f"  {_day(d)}")
    click.echo(f"weekend workdays (调休上班), {len(extra)}:")
    for d in extra:
        click.echo(f"  {_day(d)}")
