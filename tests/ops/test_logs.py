"""Request ids on every log line and in the response; LOG_FORMAT=json lines."""

import json
import logging

from ops.logs import JsonFormatter, RequestIdFilter, current_request_id


def test_response_carries_a_request_id_and_keeps_the_proxys(client, db):
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    # Anything else from outside is replaced, never echoed.
    assert client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"] != "<script>"
    assert current_request_id() == "-"  # reset after the request


def test_json_formatter_writes_one_object_with_the_request_id():
    record = logging.LogRecord("riskreg", logging.WARNING, __file__, 1, "页面 %s", ("慢",), None)
    RequestIdFilter().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "页面 慢"
    assert entry["level"] == "WARNING" and entry["logger"] == "riskreg"
    assert entry["request_id"] == "-"
