#!/usr/bin/env python3
"""Checks every JSON Schema under Schemas/ with an independent validator (python-jsonschema).

Usage: Tools/check-schemas.py [SCHEMAS_DIR] [--instances FILE]
  Every *.json under SCHEMAS_DIR must be a valid draft 2020-12 schema, and each of its
  `examples` must validate. With --instances, FILE holds JSON Lines
  {"schema": "protocol/response.json", "instance": ...}: each instance must validate
  (the daemon tests write real answers there).
Exit 0 when all is well; 1 with one line per problem otherwise.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator
from referencing import Registry, Resource

args = sys.argv[1:]
instances = None
if "--instances" in args:
    i = args.index("--instances")
    instances = args[i + 1]
    del args[i:i + 2]
root = pathlib.Path(args[0] if args else pathlib.Path(__file__).resolve().parent.parent / "Schemas")

schemas = {}
for path in sorted(root.rglob("*.json")):
    if "rules" in path.parts:
        continue  # rule tables are data, not schemas
    if path.relative_to(root) == pathlib.Path("openapi.json"):
        continue  # an OpenAPI document, not a JSON Schema: Tools/openapi/validate checks it
    schemas[str(path.relative_to(root))] = json.loads(path.read_text(encoding="utf-8"))

registry = Registry().with_resources(
    (s["$id"], Resource.from_contents(s)) for s in schemas.values() if "$id" in s)
problems = []
checked = 0
for name, schema in schemas.items():
    try:
        Draft202012Validator.check_schema(schema)
    except Exception as error:  # noqa: BLE001 - report and go on
        problems.append(f"{name}: not a valid schema: {error}")
        continue
    validator = Draft202012Validator(schema, registry=registry)
    for index, example in enumerate(schema.get("examples", [])):
        for error in validator.iter_errors(example):
            problems.append(f"{name}: example {index}: {error.message}")
        checked += 1

if instances:
    for number, line in enumerate(pathlib.Path(instances).read_text(encoding="utf-8").splitlines(), 1):
        item = json.loads(line)
        validator = Draft202012Validator(schemas[item["schema"]], registry=registry)
        for error in validator.iter_errors(item["instance"]):
            problems.append(f"{instances}:{number} ({item['schema']}): {error.message}")
        checked += 1

for problem in problems:
    print(problem)
print(f"{len(schemas)} schemas, {checked} instances checked, {len(problems)} problems")
sys.exit(1 if problems else 0)
