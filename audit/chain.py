"""The audit log's hash chain: every row carries a hash of its content and of the previous
row's hash, so an edited, deleted or inserted row breaks the chain (等保 2.0 8.1.4.3).

- The hash is SM3 (GB/T 32905) when the platform's OpenSSL offers it through hashlib, SHA-256
  otherwise; each row names its algorithm, so a chain may switch when the platform changes.
- Rows are numbered by `seq` without gaps. `AuditChainHead` (one row) holds the last number and
  hash; a writer locks it for the rest of its transaction, so parallel transactions append one
  after the other and the chain stays in commit order on PostgreSQL too.
- `purge_audit` removes a prefix of the chain and records its last number and hash in the head
  (and in its own audit row): verification starts from there.
- `chain_verify` recomputes the chain and names the first broken row.
- `digest_for_period` signs a period's summary with an HMAC key from the environment, so a copy
  kept outside the database proves later that the period was not rewritten.
"""

import contextlib
import datetime
import hashlib
import hmac
import ipaddress
import json
import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

GENESIS = "0" * 64


def chain_algorithm() -> str:
    """SM3 where hashlib offers it, SHA-256 otherwise."""
    return "sm3" if "sm3" in hashlib.algorithms_available else "sha256"


def normalised_details(details) -> dict:
    """The details as the database will give them back (JSON round trip)."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def normalised_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def _instant(value: datetime.datetime) -> str:
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_content(event) -> bytes:
    """The canonical bytes of a row: every field a reader sees, its number, algorithm and
    the previous row's hash."""
    content = {
        "seq": event.seq,
        "prev": event.prev_hash,
        "alg": event.hash_algorithm,
        "at": _instant(event.at),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "actor_name": event.actor_name,
        "actor_roles": event.actor_roles,
        "unit_path": event.unit_path,
        "unit_name": event.unit_name,
        "client_address": normalised_address(event.client_address),
        "action": event.action,
        "action_label": event.action_label,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "outcome": event.outcome,
        "details": normalised_details(event.details),
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def row_hash(event) -> str:
    return hashlib.new(event.hash_algorithm, row_content(event)).hexdigest()


def locked_head():
    """The chain head, locked until the end of the caller's transaction."""
    from audit.models import AuditChainHead

    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        head, _created = AuditChainHead.objects.get_or_create(pk=1)
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


def chain_append(event, insert) -> None:
    """Number, link and hash a new row, then `insert()` it, under the head's lock."""
    from audit.models import AuditEvent

    with transaction.atomic():
        head = locked_head()
        # A row put beyond the head behind the application's back must not block logging:
        # step over it (verification names it as inserted).
        highest = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        event.seq = max(head.last_seq, highest or 0) + 1
        event.prev_hash = head.last_hash
        event.hash_algorithm = chain_algorithm()
        event.client_address = normalised_address(event.client_address)
        event.details = normalised_details(event.details)
        event.row_hash = row_hash(event)
        insert()
        head.last_seq = event.seq
        head.last_hash = event.row_hash
        head.save(update_fields=["last_seq", "last_hash"])


# --- Verification ----------------------------------------------------------------------------


class BreakKind:
    EDITED = "edited"
    DELETED = "deleted"
    INSERTED = "inserted"
    UNVERIFIABLE = "unverifiable"


BREAK_LABELS = {
    BreakKind.EDITED: "内容被修改",
    BreakKind.DELETED: "记录被删除",
    BreakKind.INSERTED: "记录被插入",
    BreakKind.UNVERIFIABLE: "无法校验",
}


@dataclass(frozen=True)
class ChainBreak:
    kind: str
    seq: int
    event_id: int | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_seq: int | None
    last_seq: int | None
    algorithms: tuple[str, ...]
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def summary(self) -> str:
        if self.broken is not None:
            return f"审计日志哈希链断裂：{self.broken.message}"
        if not self.checked:
            return "审计日志哈希链完好：没有需要校验的记录。"
        return (
            f"审计日志哈希链完好：已校验 {self.checked} 条记录（第 {self.first_seq} 至 "
            f"{self.last_seq} 号，算法 {'、'.join(self.algorithms).upper()}）。"
        )


def _describe(event) -> str:
    return (
        f"第 {event.seq} 号记录（id {event.pk}，{timezone.localtime(event.at):%Y-%m-%d %H:%M:%S}"
        f" {event.action_label}）"
    )


def chain_verify(*, since: datetime.date | None = None) -> ChainReport:
    """Recompute the chain (from `since`, else from its start or the last purge) and report
    the first row that is edited, missing, or does not belong."""
    from audit.models import AuditChainHead, AuditEvent

    head = AuditChainHead.objects.filter(pk=1).first()
    rows = AuditEvent.objects.order_by("seq")
    expected_seq, expected_prev = None, None
    if since is not None:
        start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
        first = rows.filter(at__gte=start).first()
        if first is not None:
            rows = rows.filter(seq__gte=first.seq)
            earlier = AuditEvent.objects.filter(seq=first.seq - 1).first()
            if earlier is not None:
                expected_seq, expected_prev = earlier.seq + 1, earlier.row_hash
        else:
            rows = rows.none()
    elif head is not None:
        expected_seq, expected_prev = head.anchor_seq + 1, head.anchor_hash
    else:
        expected_seq, expected_prev = 1, GENESIS
    head_seq = head.last_seq if head is not None else 0
    head_hash = head.last_hash if head is not None else GENESIS

    checked, first_seq, last, algorithms = 0, None, None, set()
    before_last_hash = None

    def report(broken=None):
        return ChainReport(
            checked=checked,
            first_seq=first_seq,
            last_seq=last.seq if last is not None else None,
            algorithms=tuple(sorted(algorithms)),
            broken=broken,
        )

    for event in rows.filter(seq__lte=head_seq).iterator(chunk_size=2000):
        if expected_seq is not None and event.seq > expected_seq:
            missing = (
                f"第 {expected_seq} 号"
                if event.seq == expected_seq + 1
                else f"第 {expected_seq} 至 {event.seq - 1} 号"
            )
            return report(
                ChainBreak(
                    BreakKind.DELETED,
                    expected_seq,
                    None,
                    f"{missing}记录被删除（{_describe(event)}之前）。",
                )
            )
        if expected_prev is not None and event.prev_hash != expected_prev:
            if last is not None and before_last_hash and event.prev_hash == before_last_hash:
                # Two rows claim the same predecessor: the one the chain goes on from belongs.
                after = AuditEvent.objects.filter(seq__gt=event.seq).order_by("seq").first()
                continues = after.prev_hash if after is not None else head_hash
                belongs = continues == event.row_hash and row_hash(event) == event.row_hash
                intruder = last if belongs else event
                return report(
                    ChainBreak(
                        BreakKind.INSERTED,
                        intruder.seq,
                        intruder.pk,
                        f"{_describe(intruder)}不在哈希链中：记录被插入。",
                    )
                )
            return report(
                ChainBreak(
                    BreakKind.INSERTED,
                    event.seq,
                    event.pk,
                    f"{_describe(event)}与前一条记录接不上：记录被插入或替换。",
                )
            )
        if event.hash_algorithm not in hashlib.algorithms_available:
            return report(
                ChainBreak(
                    BreakKind.UNVERIFIABLE,
                    event.seq,
                    event.pk,
                    f"{_describe(event)}使用的算法 {event.hash_algorithm} 在本机不可用。",
                )
            )
        if row_hash(event) != event.row_hash:
            return report(
                ChainBreak(BreakKind.EDITED, event.seq, event.pk, f"{_describe(event)}内容被修改。")
            )
        checked += 1
        first_seq = first_seq or event.seq
        algorithms.add(event.hash_algorithm)
        before_last_hash = last.row_hash if last is not None else expected_prev
        last = event
        expected_seq, expected_prev = event.seq + 1, event.row_hash

    if head is not None and since is None and head_seq > (last.seq if last else head.anchor_seq):
        return report(
            ChainBreak(
                BreakKind.DELETED,
                (last.seq if last else head.anchor_seq) + 1,
                None,
                f"链尾第 {(last.seq if last else head.anchor_seq) + 1} 至 {head_seq} "
                "号记录被删除。",
            )
        )
    if last is not None and last.seq == head_seq and last.row_hash != head_hash:
        return report(
            ChainBreak(
                BreakKind.EDITED, last.seq, last.pk, f"{_describe(last)}与链头记录的哈希不符。"
            )
        )
    # Rows beyond the head that a writer did not put there (the head moves in the same
    # transaction as every legitimate row, so re-read it before judging).
    current_head = AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first()
    stray = AuditEvent.objects.filter(seq__gt=current_head or 0).order_by("seq").first()
    if stray is not None:
        return report(
            ChainBreak(
                BreakKind.INSERTED,
                stray.seq,
                stray.pk,
                f"{_describe(stray)}不在哈希链中：记录被插入。",
            )
        )
    return report()


# --- Signed digest of a period ---------------------------------------------------------------


class DigestKeyMissing(Exception):
    pass


def digest_for_period(*, start: datetime.date, end: datetime.date) -> dict:
    """A summary of the rows of [start, end] (dates inclusive) with an HMAC over it. The key
    is AUDIT_DIGEST_KEY from the environment; keep the file outside the server."""
    from audit.models import AuditEvent

    key = settings.AUDIT_DIGEST_KEY
    if not key:
        raise DigestKeyMissing("服务器未配置审计摘要签名密钥（环境变量 AUDIT_DIGEST_KEY）。")
    lower = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    upper = timezone.make_aware(
        datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min)
    )
    rows = AuditEvent.objects.filter(at__gte=lower, at__lt=upper).order_by("seq")
    first = rows.values("seq", "prev_hash").first()
    last = rows.reverse().values("seq", "row_hash").first()
    algorithm = chain_algorithm()
    body = {
        "schema": "riskreg.audit-digest/1",
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "rows": rows.count(),
        "first_seq": first["seq"] if first else None,
        "first_prev_hash": first["prev_hash"] if first else None,
        "last_seq": last["seq"] if last else None,
        "last_hash": last["row_hash"] if last else None,
        "generated_at": timezone.now().isoformat(),
        "hmac_algorithm": f"hmac-{algorithm}",
    }
    message = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    body["hmac"] = hmac.new(key.encode(), message.encode(), algorithm).hexdigest()
    return body


def digest_is_authentic(digest: dict) -> bool:
    """Whether a digest file was signed with this server's key and not altered since."""
    body = {k: v for k, v in digest.items() if k != "hmac"}
    algorithm = str(body.get("hmac_algorithm", "")).removeprefix("hmac-")
    if not settings.AUDIT_DIGEST_KEY or algorithm not in hashlib.algorithms_available:
        return False
    message = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    expected = hmac.new(settings.AUDIT_DIGEST_KEY.encode(), message.encode(), algorithm)
    return hmac.compare_digest(expected.hexdigest(), str(digest.get("hmac", "")))


# --- The one sanctioned deletion -------------------------------------------------------------

_purge = threading.local()


def sqlite_delete_allowed() -> int:
    """SQLite's `riskreg_audit_delete_allowed()` (registered on each connection): true only
    inside `purge_permitted`, or where the test settings let the test runner empty tables."""
    return int(bool(getattr(_purge, "active", False)) or settings.AUDIT_DELETE_UNGUARDED)


@contextlib.contextmanager
def purge_permitted(connection):
    """Inside the caller's transaction, let the DELETE trigger pass audit rows."""
    _purge.active = True
    try:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL riskreg.audit_purge = 'on'")
        yield
    finally:
        _purge.active = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL riskreg.audit_purge = 'off'")
