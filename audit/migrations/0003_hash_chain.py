"""The audit log's hash chain, and triggers refusing DELETE as well as UPDATE.

Existing rows are numbered and chained in id order. The DELETE trigger lets a row go only when
`purge_audit` says so for its own transaction: on PostgreSQL the transaction-local setting
`riskreg.audit_purge`, on SQLite the function `riskreg_audit_delete_allowed()` that the
application registers on its connections (audit/apps.py) — any other client of the database
file lacks it, so its DELETE fails.
"""

from django.db import migrations, models

GENESIS = "0" * 64

SQLITE_CREATE = [
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    WHEN NOT riskreg_audit_delete_allowed()
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete;",
]
PG_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_auditevent_refuse_update() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit log is append-only'; END;
    $$ LANGUAGE plpgsql;""",
    """CREATE OR REPLACE FUNCTION audit_auditevent_refuse_delete() RETURNS trigger AS $$
    BEGIN
        IF coalesce(current_setting('riskreg.audit_purge', true), '') = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit log is append-only';
    END;
    $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_update();""",
    """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_delete();""",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update ON audit_auditevent;",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete ON audit_auditevent;",
    "DROP FUNCTION IF EXISTS audit_auditevent_refuse_delete();",
]
OLD_SQLITE_CREATE = """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"""
OLD_PG_CREATE = """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_auditevent_refuse_update();"""


def _execute(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def drop_old_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP[:1])
    elif vendor == "postgresql":
        _execute(schema_editor, PG_DROP[:1])


def drop_new_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _execute(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _execute(schema_editor, PG_DROP)


def chain_existing_rows(apps, schema_editor):
    from audit.chain import chain_algorithm, row_hash

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    prev, seq = GENESIS, 0
    for event in AuditEvent.objects.order_by("id").iterator():
        seq += 1
        event.seq, event.prev_hash, event.hash_algorithm = seq, prev, chain_algorithm()
        event.row_hash = row_hash(event)
        AuditEvent.objects.filter(pk=event.pk).update(
            seq=event.seq,
            prev_hash=event.prev_hash,
            hash_algorithm=event.hash_algorithm,
            row_hash=event.row_hash,
        )
        prev = event.row_hash
    AuditChainHead.objects.update_or_create(pk=1, defaults={"last_seq": seq, "last_hash": prev})


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _execute(schema_editor, SQLITE_CREATE)
    elif vendor == "postgresql":
        _execute(schema_editor, PG_CREATE)


def restore_old_trigger(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _execute(schema_editor, [OLD_SQLITE_CREATE])
    elif vendor == "postgresql":
        _execute(schema_editor, [OLD_PG_CREATE])


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditevent_no_update_trigger")]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_seq", models.BigIntegerField(default=0, verbose_name="最后序号")),
                (
                    "last_hash",
                    models.CharField(default=GENESIS, max_length=64, verbose_name="最后哈希"),
                ),
                ("anchor_seq", models.BigIntegerField(default=0, verbose_name="清理截止序号")),
                (
                    "anchor_hash",
                    models.CharField(default=GENESIS, max_length=64, verbose_name="清理截止哈希"),
                ),
            ],
            options={
                "verbose_name": "审计日志链头",
                "verbose_name_plural": "审计日志链头",
                "default_permissions": (),
            },
        ),
        migrations.RunPython(drop_old_trigger, restore_old_trigger),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash_algorithm",
            field=models.CharField(
                default="", editable=False, max_length=10, verbose_name="哈希算法"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="前一条哈希"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="本条哈希"
            ),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
        migrations.RunPython(create_triggers, drop_new_triggers),
    ]
