"""flask departments import FILE [--dry-run] and flask services import FILE [--dry-run]."""
import click
from flask.cli import AppGroup

from kiosk.departments.imports import ImportReport, run_import

departments_cli = AppGroup("departments", help="Departments (部门 / 实施主体) of the hall.")
services_cli = AppGroup("services", help="Service items (事项清单) of the hall.")
ACTIONS = {"created": "新增", "updated": "更新"}


def echo_report(report: ImportReport) -> None:
    if report.file_error:
        click.echo(report.file_error, err=True)
        return
    for line, message in report.errors:
        click.echo(f"第 {line} 行：{message}", err=True)
    if report.error_count > len(report.errors):
        click.echo(f"……共 {report.error_count} 行有错误。", err=True)
    for line, action, code, name, what in report.changes:
        click.echo(f"第 {line} 行：{ACTIONS[action]} {code} {name} {what}".rstrip())
    verdict = ("未导入：请改正以上错误后重试，没有写入任何数据。" if not report.ok
               else "试运行：以上为将发生的变化，没有写入任何数据。" if report.dry_run
               else "已导入。")
    click.echo(f"{report.rows} 行：新增 {report.created}，更新 {report.updated}，"
               f"不变 {report.unchanged}，错误 {report.error_count}。{verdict}")


def _import(kind: str, path: str, dry_run: bool) -> None:
    report = run_import(kind, path, dry_run=dry_run, actor="cli", source_name=path)
    echo_report(report)
    if not report.ok:
        raise SystemExit(1)


@departments_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def departments_import(path: str, dry_run: bool) -> None:
    """Import the department list from CSV (UTF-8 or GBK) or XLSX."""
    _import("departments", path, dry_run)


@services_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check and show what would change; write nothing.")
def services_import(path: str, dry_run: bool) -> None:
    """Import the 事项清单 (each item with its implementing department) from CSV or XLSX."""
    _import("services", path, dry_run)
