"""Database backup and restore for both supported engines.

SQLite: the online backup API (sqlite3 `Connection.backup`), safe while the application runs.
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --single-transaction`.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """A backup or restore that could not be done; the message is for the operator."""


def _engine(alias: str) -> str:
    engine = connections[alias].vendor
    if engine not in ("sqlite", "postgresql"):
        raise BackupError(f"不支持的数据库类型：{engine}。")
    return engine


def backup_database(target: Path, *, alias: str = "default") -> None:
    target = Path(target)
    if target.exists() and target.is_dir():
        raise BackupError(f"{target} 是一个目录，请给出备份文件的路径。")
    target.parent.mkdir(parents=True, exist_ok=True)
    if _engine(alias) == "sqlite":
        _sqlite_backup(target, alias)
    else:
        _pg_run(
            "pg_dump",
            ["--format=custom", "--no-owner", "--no-privileges", "-f", str(target)],
            alias,
        )


def restore_database(source: Path, *, alias: str = "default") -> None:
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"找不到备份文件：{source}。")
    with source.open("rb") as f:
        head = f.read(16)
    if _engine(alias) == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError("这不是 SQLite 数据库的备份文件。")
        _sqlite_restore(source, alias)
    else:
        if not head.startswith(PG_MAGIC):
            raise BackupError("这不是 pg_dump（custom 格式）生成的备份文件。")
        connections[alias].close()
        _pg_run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                str(source),
            ],
            alias,
        )


def _sqlite_backup(target: Path, alias: str) -> None:
    connection = connections[alias]
    connection.ensure_connection()
    tmp = target.with_name(target.name + ".part")
    dest = sqlite3.connect(tmp)
    try:
        connection.connection.backup(dest)
        # A backup is a single self-contained file, whatever the live database's journal mode.
        dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()
    os.replace(tmp, target)


def _sqlite_restore(source: Path, alias: str) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("备份文件已损坏（SQLite 完整性检查未通过），未做任何恢复。")
        if not src.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='django_migrations'"
        ).fetchone():
            raise BackupError("备份文件不是本系统的数据库，未做任何恢复。")
        connection = connections[alias]
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("不能在事务中恢复数据库。")
        src.backup(connection.connection)
    finally:
        src.close()


def _pg_env_and_args(alias: str) -> tuple[dict, list[str]]:
    settings = connections[alias].settings_dict
    env = dict(os.environ)
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    args = []
    if settings.get("HOST"):
        args += ["-h", settings["HOST"]]
    if settings.get("PORT"):
        args += ["-p", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["-U", settings["USER"]]
    args += ["-d", settings["NAME"]]
    return env, args


def _pg_run(program: str, options: list[str], alias: str) -> None:
    if shutil.which(program) is None:
        raise BackupError(f"找不到 {program}，请安装 PostgreSQL 客户端工具（postgresql-client）。")
    env, conn_args = _pg_env_and_args(alias)
    result = subprocess.run(
        [program, *conn_args, "--no-password", *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"{program} 执行失败：{result.stderr.strip()}")
