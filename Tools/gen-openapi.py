#!/usr/bin/env python3
"""Generates Schemas/openapi.json, the HTTPS edge's contract, from the line protocol's schemas.

Usage: Tools/gen-openapi.py [--check] [--out FILE]
  Writes Schemas/openapi.json (or FILE). With --check, writes nothing and exits 1 when the
  committed file differs from what this script generates now.

Sources (nothing else is hand-written in the output):
  Schemas/protocol/request.json   one request body per op (its if/then block, plus op and id)
  Schemas/protocol/response.json  the answer envelope, the error codes, the subscription's event line
  Schemas/protocol/results/*.json one `result` per op, with its examples
  Schemas/protocol/common.json, event.json, stored-event.json  shared values, events
  Schemas/protocol/README.md      each op's parameters and result (its Operations table) and
                                  the grants that allow it (its Grants table)
The HTTP design: `POST /v1/{op}` per op, the body being the line protocol's parameters and
the answer its envelope; error codes map onto HTTP statuses (ERROR_STATUSES below);
`POST /v1/subscribe` streams application/x-ndjson; `GET /v1/openapi.json` serves this
document; callers authenticate with client certificates (mutual TLS).

The output is self-contained: every `$ref` names `#/components/...` (a reference into a file
is either a component or inlined), so schemathesis and code generators read it alone.
"""
import argparse
import copy
import json
import pathlib
import re
import sys
import urllib.parse

REPOSITORY = pathlib.Path(__file__).resolve().parent.parent
PROTOCOL = REPOSITORY / "Schemas/protocol"
OUTPUT = REPOSITORY / "Schemas/openapi.json"
BASE = "https://creditledger.example/schemas/protocol/"
# What served an example answer (every answer carries `served`).
SERVED_EXAMPLE = {"epoch": 1, "seq": 999}

# Error code → HTTP status of the answer that carries it (the edge's mapping). `unavailable`
# is 429 when the caller's own bounds are spent (connections, budget) and 503 otherwise.
ERROR_STATUSES = {
    "400": ["bad_json", "missing_field", "invalid_field", "invalid_entity", "unknown_kind", "unknown_ref"],
    "403": ["forbidden"],
    "404": ["not_found", "unknown_op"],
    "409": ["conflict", "version_mismatch", "rule_violation"],
    "413": ["too_large", "line_too_long"],
    "429": ["unavailable"],
    "500": ["internal"],
    "503": ["unavailable"],
}
RESPONSE_NAMES = {"400": "BadRequest", "403": "Forbidden", "404": "NotFound", "409": "Conflict", "413": "TooLarge",
                  "429": "TooManyRequests", "500": "Internal", "503": "Unavailable"}
RESPONSE_TEXT = {
    "400": "The body is not a JSON object, or a parameter or an event is missing or wrong (`field` names it); `invalid_field` with field `op` when the body's `op` is not the path's. 请求有误。",
    "403": "The caller's certificate holds none of the grants the op needs, or a writer files for an authority its grant does not list. 无权限。",
    "404": "`get` of an unknown seq or eventId (`not_found`); a path that names no op (`unknown_op`). 未找到。",
    "409": "The append conflicts with the ledger: an eventId stored with other content, an `expectedVersion` that does not match, or an event impossible in the entity's state; `promote` on a leader; a `subscribe` whose `prevHash` is not this log's. 冲突。",
    "413": "The body is over 1 MiB, an append holds more than 1000 events, or the answer would be over 16 MiB (ask a smaller page). 请求或应答过大。",
    "429": "The caller's own bounds are spent (its connections, its budget of unsent answers): retry after `Retry-After` seconds. 请求过多。",
    "500": "A bug (logged); never expected. 内部错误。",
    "503": "The store is full or read-only, the writer queue is full, the daemon is shutting down, or a flush failed: resubmit (eventIds make appends idempotent). 服务不可用。",
}
ERROR_EXAMPLES = {
    "400": {"code": "invalid_entity", "message": "not a valid USCC (check character: expected 'L', got 'X') nor resident ID number (birth date: '00600037' in positions 7-14 is not a real date)", "field": "entity"},
    "403": {"code": "forbidden", "message": "'history' needs the admin or auditor grant; the caller holds none (public)", "field": "op"},
    "404": {"code": "not_found", "message": "no such event"},
    "409": {"code": "version_mismatch", "message": "entity 91110000600037341L has 3 event(s), expected 2", "field": "expectedVersion.91110000600037341L"},
    "413": {"code": "too_large", "message": "at most 1000 events per append", "field": "events"},
    "429": {"code": "unavailable", "message": "too many connections for this caller"},
    "500": {"code": "internal", "message": "internal error"},
    "503": {"code": "unavailable", "message": "the store is full"},
}
# Statuses every op may answer; the others by what the op does.
COMMON_STATUSES = ["400", "413", "429", "500", "503"]

# operationId, tag, English and Chinese summary per op.
OPERATIONS = {
    "ping": ("ping", "Liveness, version and the log's head", "探活：版本与日志头"),
    "append": ("appendEvents", "Append credit events (all-or-nothing, durable)", "报送信用事件（全部成功或全部失败）"),
    "get": ("getEvent", "One stored event by seq or eventId", "按序号或事件号查询单个事件"),
    "read": ("readEvents", "Stored events in log order", "按日志顺序读取事件"),
    "subscribe": ("subscribeEvents", "Stream stored events from a seq on, live", "订阅事件流"),
    "history": ("entityHistory", "An entity's events, as known at a seq or time", "主体的事件历史"),
    "verify": ("verifyLog", "Check the hash chains", "校验哈希链"),
    "stats": ("getStats", "Counts, data quality and commit latency", "统计与数据质量"),
    "status": ("entityStatus", "An entity's credit state on a date (auditor's view)", "主体信用状态（审计视图）"),
    "display": ("displayEntity", "The public view on one channel", "公示视图"),
    "rebuild": ("rebuildProjections", "Rebuild the projections and compare", "重建并核对投影"),
    "check": ("checkMeasure", "Decide one joint punishment or incentive measure", "联合奖惩措施核查"),
    "access-log": ("readAccessLog", "The access log of non-public reads", "查询访问日志"),
    "metrics": ("getMetrics", "Prometheus metrics", "Prometheus 指标"),
    "report": ("creditReport", "The public credit report over a period", "公共信用报告"),
    "find": ("findEntities", "Entities whose current name contains a text", "按名称查找主体"),
    "replicated": ("reportReplicated", "A follower reports the seq it holds durably", "从库报告已持久化的序号"),
    "promote": ("promoteFollower", "Make this follower the leader under a new epoch", "从库提升为主库"),
}
TAGS = [
    ("public", "Ops anyone with a client certificate may use (公开查询). Personal data is masked."),
    ("writer", "Filing events: the writer grant, bound to the authorities it files for (报送)."),
    ("audited", "Non-public reads: the auditor or admin grant, a `purpose`, and a record in the access log before the answer (审计查询)."),
    ("admin", "Operating the store: the admin grant (运维)."),
]


def load(name):
    return json.loads((PROTOCOL / name).read_text(encoding="utf-8"))


def pascal(name):
    """`access-log` → `AccessLog`, `verifyChain` → `VerifyChain`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_.]", name) if part)


class Components:
    """Turns the protocol's schema files into `#/components/schemas`, rewriting every `$ref`."""

    def __init__(self):
        self.documents = {}
        for path in sorted(PROTOCOL.rglob("*.json")):
            document = json.loads(path.read_text(encoding="utf-8"))
            self.documents[document["$id"]] = document
        self.schemas = {}
        self.origin = {}

    def root_name(self, url):
        relative = url[len(BASE):]
        if relative.startswith("results/"):
            return pascal(relative[len("results/"):-len(".json")]) + "Result"
        return pascal(relative[:-len(".json")])

    def resolve(self, url, fragment):
        node = self.documents[url]
        for part in [p for p in fragment.split("/") if p]:
            node = node[urllib.parse.unquote(part).replace("~1", "/").replace("~0", "~")]
        return node

    def reference(self, url, fragment):
        """The `$ref` value for a target: a component (a file, or a `$defs` entry), or `None`
        when the target is to be inlined."""
        if fragment in ("", "/"):
            name = self.root_name(url)
        elif re.fullmatch(r"/\$defs/[^/]+", fragment):
            name = pascal(fragment.split("/")[-1])
        else:
            return None
        if name in self.origin and self.origin[name] != (url, fragment):
            raise SystemExit(f"gen-openapi: two schemas map to the component {name}: {self.origin[name]} and {(url, fragment)}")
        if name not in self.origin:
            self.origin[name] = (url, fragment)
            self.schemas[name] = None  # reserved before conversion: recursion ends here
            self.schemas[name] = self.convert(self.resolve(url, fragment), url)
        return "#/components/schemas/" + name

    def convert(self, schema, base):
        """A copy of `schema` (found in the document `base`) fit for OpenAPI: no `$schema`,
        `$id`, `$defs` or schema-level `examples`; every `$ref` rewritten or inlined."""
        if isinstance(schema, list):
            return [self.convert(item, base) for item in schema]
        if not isinstance(schema, dict):
            return schema
        output = {}
        for key, value in schema.items():
            if key in ("$schema", "$id", "$defs", "examples"):
                continue
            if key == "$ref":
                target = urllib.parse.urljoin(base, value)
                url, _, fragment = target.partition("#")
                rewritten = self.reference(url, fragment)
                if rewritten is None:
                    inlined = self.convert(self.resolve(url, fragment), url)
                    output.update({k: v for k, v in inlined.items() if k not in output})
                else:
                    output["$ref"] = rewritten
                continue
            if key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
                output[key] = {name: self.convert(item, base) for name, item in value.items()}
            else:
                output[key] = self.convert(value, base)
        return output

    def add(self, name, schema):
        if name in self.schemas:
            raise SystemExit(f"gen-openapi: component {name} defined twice")
        self.schemas[name] = schema
        return {"$ref": "#/components/schemas/" + name}


def readme_tables():
    """Per op, the parameters and result text of README.md's Operations table, and the grants
    of its Grants table that allow it."""
    text = (PROTOCOL / "README.md").read_text(encoding="utf-8")
    operations = {}
    section = text.split("## Operations", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = re.match(r"^\| `([a-z-]+)` \| (.*?) \| (.*) \|$", line)
        if match:
            operations[match.group(1)] = (match.group(2), match.group(3))
    grants = {}
    section = text.split("## Grants", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = re.match(r"^\| (\(everyone\)|`[a-z]+`) \| (.*) \|$", line)
        if not match:
            continue
        grant = match.group(1).strip("`")
        # Only the ops named before any "only …" qualification.
        for op in re.findall(r"`([a-z-]+)`", match.group(2).split(", only")[0]):
            grants.setdefault(op, set()).add(grant)
    return operations, grants


def request_schemas(request):
    """Per op, the body schema: the line protocol's parameters of that op."""
    blocks = {}
    for block in request["allOf"]:
        blocks[block["if"]["properties"]["op"]["const"]] = block["then"]
    bodies = {}
    for op in request["properties"]["op"]["enum"]:
        then = blocks.get(op, {})
        properties = {
            "op": {"const": op, "description": "optional: the path names the op; when present it must be the same (else 400 invalid_field, field op)"},
            "id": {"description": request["properties"]["id"]["description"]},
        }
        properties.update(then.get("properties", {}))
        body = {"type": "object", "properties": properties}
        if then.get("required"):
            body["required"] = then["required"]
        for key, value in then.items():
            if key not in ("properties", "required"):
                body[key] = value
        bodies[op] = body
    return bodies


def build():
    request, response = load("request.json"), load("response.json")
    operations_text, grants = readme_tables()
    ops = request["properties"]["op"]["enum"]
    missing = [op for op in ops if op not in OPERATIONS or op not in operations_text or op not in grants]
    if missing:
        raise SystemExit(f"gen-openapi: ops without a summary here or a row in README.md's Operations or Grants table: {missing}")
    codes = response["oneOf"][1]["properties"]["error"]["properties"]["code"]["enum"]
    mapped = {code for listed in ERROR_STATUSES.values() for code in listed}
    if mapped != set(codes):
        raise SystemExit(f"gen-openapi: error codes without an HTTP status, or statuses naming unknown codes: {sorted(mapped ^ set(codes))}")

    components = Components()
    base = BASE + "request.json"
    examples = {}
    for example in request.get("examples", []):
        examples.setdefault(example["op"], []).append({k: v for k, v in example.items() if k != "op"})

    # Error answers, one schema per status (the envelope of response.json with that status's codes).
    error_branch = response["oneOf"][1]
    responses = {}
    for status, listed in ERROR_STATUSES.items():
        name = RESPONSE_NAMES[status]
        error = copy.deepcopy(error_branch["properties"]["error"])
        error["properties"]["code"] = {"enum": listed}
        error["description"] = f"What went wrong: a stable code ({', '.join(listed)}), a message for people, and the field at fault when one is."
        error_ref = components.add(name + "Error", error)
        envelope = copy.deepcopy(error_branch)
        envelope["properties"]["error"] = error_ref
        envelope["properties"]["id"] = {"description": "the request's id, echoed back; null when it had none or could not be parsed"}
        envelope = {"type": "object", **envelope}
        schema_ref = components.add(name + "Answer", envelope)
        responses[name] = {
            "description": RESPONSE_TEXT[status],
            "content": {"application/json": {"schema": schema_ref,
                                             "example": {"id": None, "ok": False, "error": ERROR_EXAMPLES[status], "served": SERVED_EXAMPLE}}},
        }
        retry = {"description": "seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}}
        if status == "429":
            responses[name]["headers"] = {"Retry-After": {**retry, "required": True}}
        elif status == "503":
            responses[name]["headers"] = {"Retry-After": retry}

    paths = {}
    for op, body in request_schemas(request).items():
        operation_id, english, chinese = OPERATIONS[op]
        name = pascal(op)
        body_ref = components.add(name + "Request", components.convert(body, base))
        result_ref = {"$ref": components.reference(BASE + f"results/{op}.json", "")}
        answer = {
            "type": "object",
            "description": f"The answer to {op}: the line protocol's success envelope.",
            "properties": {"id": {"description": "the request's id, echoed back (null when it had none)"}, "ok": {"const": True}, "result": result_ref,
                           "served": components.convert(response["oneOf"][0]["properties"]["served"], BASE + "response.json")},
            "required": ["id", "ok", "result", "served"],
            "additionalProperties": False,
        }
        answer_ref = components.add(name + "Answer", answer)
        result_examples = components.documents[BASE + f"results/{op}.json"].get("examples", [])
        request_examples = examples.get(op) or [{}]
        ok = {"description": f"{english}. The answer envelope with the op's result."}
        media = {"schema": answer_ref}
        if result_examples:
            media["example"] = {"id": request_examples[0].get("id"), "ok": True, "result": result_examples[0], "served": SERVED_EXAMPLE}
        if op == "subscribe":
            event_line = response["oneOf"][2]
            event_ref = components.add("SubscribeEventLine", {"type": "object", **components.convert(event_line, BASE + "response.json"),
                                                              "description": "One streamed event."})
            line_ref = components.add("SubscribeStreamLine", {
                "description": "One line of the stream: the first is the answer (SubscribeAnswer), each later one an event (SubscribeEventLine).",
                "oneOf": [answer_ref, event_ref]})
            ok["description"] = (f"{english}. A stream of JSON lines (application/x-ndjson): first the answer envelope "
                                 "(`{\"id\", \"ok\": true, \"result\": {\"subscribed\", \"from\", \"head\"}}`), then one `{\"event\": …}` line per "
                                 "stored event from `from` on, then each new event as it commits, until the client closes. Nothing is sent before "
                                 "the access record of the subscription is durable.")
            media = {"schema": line_ref}
            if result_examples:
                media["example"] = {"id": request_examples[0].get("id"), "ok": True, "result": result_examples[0], "served": SERVED_EXAMPLE}
        ok["content"] = {"application/x-ndjson" if op == "subscribe" else "application/json": media}

        allowed = sorted(grants[op] - {"(everyone)"})
        public = "(everyone)" in grants[op]
        statuses = list(COMMON_STATUSES)
        if not public:
            statuses.append("403")
        if op == "get":
            statuses.append("404")
        if op in ("append", "promote", "subscribe"):
            statuses.append("409")
        operation_responses = {"200": ok}
        for status in sorted(statuses):
            operation_responses[status] = {"$ref": "#/components/responses/" + RESPONSE_NAMES[status]}

        audited = "purpose" in body.get("required", [])
        tag = "public" if public else "writer" if op == "append" else "audited" if audited else "admin"
        parameters_text, result_text = operations_text[op]
        who = ("Anyone with a valid client certificate (public; personal data masked)." if public
               else f"A client certificate holding the {' or '.join(allowed)} grant.")
        if op == "append":
            who += " Each event's `source.authority` must be one the writer's grant lists (else 403 forbidden, field `events[i].source.authority`)."
        if audited:
            who += (" Needs a `purpose` (查询用途: 2 or more visible characters, no control characters, at most 500 bytes) and is recorded in "
                    "the access log — with the caller's certificate identity — before it is answered.")
        description = "\n\n".join([
            f"{english}. {chinese}。",
            f"**Parameters** (the body; the line protocol's): {parameters_text}",
            f"**Result**: {result_text}",
            f"**Grants**: {who}",
        ])
        request_body = {"required": True, "content": {"application/json": {"schema": body_ref}}}
        if examples.get(op):
            request_body["content"]["application/json"]["examples"] = {
                f"example{index + 1}": {"value": value} for index, value in enumerate(examples[op])}
        paths[f"/v1/{op}"] = {"post": {
            "operationId": operation_id,
            "summary": f"{english} ({chinese})",
            "description": description,
            "tags": [tag],
            "x-creditledger-op": op,
            "x-creditledger-grants": allowed,
            "x-creditledger-audited": audited,
            "requestBody": request_body,
            "responses": operation_responses,
        }}
    paths["/v1/openapi.json"] = {"get": {
        "operationId": "getOpenAPIDocument",
        "summary": "This document (本接口文档)",
        "description": "The OpenAPI document of this edge, as committed in Schemas/openapi.json. Anyone with a valid client certificate.",
        "tags": ["public"],
        "responses": {
            "200": {"description": "The OpenAPI 3.1 document.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["openapi", "info", "paths"], "properties": {"openapi": {"type": "string", "pattern": "^3\\.1\\."}}}}}},
            "500": {"$ref": "#/components/responses/Internal"},
        },
    }}

    codes_table = "\n".join(f"| {status} | {', '.join('`' + c + '`' for c in listed)} |" for status, listed in ERROR_STATUSES.items())
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "CreditLedger HTTPS edge",
            "version": "1",
            "summary": "The CreditLedger line protocol (version 1) over HTTPS with mutual TLS. 信用账本 HTTPS 接口。",
            "description": "\n\n".join([
                "Every op of the CreditLedger line protocol (Schemas/protocol/README.md) as `POST /v1/{op}`. The body is a JSON object "
                "with exactly that op's parameters (`op` may be omitted; when present it must equal the path's; `id`, any JSON value, "
                "is echoed back), at most 1 MiB, `Content-Type: application/json`. The answer is the line protocol's envelope: "
                "`{\"id\", \"ok\": true, \"result\"}` or `{\"id\", \"ok\": false, \"error\": {\"code\", \"message\", \"field\"?}}`, with the "
                "same error codes, mapped onto HTTP statuses:",
                "| status | codes |\n|---|---|\n| 200 | (ok) |\n" + codes_table,
                "`unavailable` is 429 (with `Retry-After`) when the caller's own bounds are spent — its connections, its budget of "
                "unsent answers — and 503 when the store is full, the daemon is shutting down or storage failed. A path naming no op "
                "is 404; another method on a path here is 405 with `Allow` (never a 5xx).",
                "Callers authenticate with a client certificate (mutual TLS); the identity it names gets the grants the edge's "
                "configuration lists for it, as a Unix uid does on the socket: `writer` (bound to the authorities it files for), "
                "`auditor`, `admin`; everyone may use the public ops. Each operation says which grants it needs "
                "(`x-creditledger-grants`, empty for public ops) and whether it is recorded in the access log (`x-creditledger-audited`).",
                "Generated by Tools/gen-openapi.py from Schemas/protocol/: do not edit by hand.",
            ]),
            "license": {"name": "Proprietary", "identifier": "LicenseRef-CreditLedger"},
        },
        "servers": [{"url": "https://{host}:{port}", "description": "the HTTPS edge",
                     "variables": {"host": {"default": "localhost"}, "port": {"default": "8443"}}}],
        "security": [{"mutualTLS": []}],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "responses": responses,
            "securitySchemes": {"mutualTLS": {
                "type": "mutualTLS",
                "description": "A client certificate issued by the ledger's client CA; its subject names the caller, whose grants the edge's configuration lists.",
            }},
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the committed file is not what this script generates")
    parser.add_argument("--out", default=str(OUTPUT))
    arguments = parser.parse_args()
    text = json.dumps(build(), ensure_ascii=False, indent=2) + "\n"
    path = pathlib.Path(arguments.out)
    if arguments.check:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            print(f"{path} is not what Tools/gen-openapi.py generates from Schemas/protocol/: run Tools/gen-openapi.py and commit the result")
            sys.exit(1)
        print(f"{path} is up to date")
        return
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text)} bytes)")


if __name__ == "__main__":
    main()
