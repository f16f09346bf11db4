#!/usr/bin/env python3
"""Writes Tools/fuzz/corpus/kind-<kind>.json: one append request per event kind, its body the
richest example of Schemas/events/<kind>.json, so that fuzzing starts inside every kind's body
schema. Rerun after adding a kind or changing examples (FuzzSeedTests checks that every seed's
events still validate). The other seeds in the corpus are written by hand."""
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
CORPUS = ROOT / "Tools" / "fuzz" / "corpus"
# Kinds that must or may name records (EventKind.refRule): one ref each here.
WITH_REFS = {
    "license.ended", "penalty.fulfilled", "commitment.fulfilled", "commitment.breached", "list.exited",
    "ban.lifted", "objection.filed", "objection.resolved", "record.corrected", "record.revoked",
    "repair.applied", "repair.accepted", "repair.granted", "repair.rejected", "repair.revoked",
    "repair.extended", "shielding.ended", "admin.action", "list.entered", "warning.issued",
    "interview.recorded", "ban.imposed",
}
ENTITIES = ["91110000600037341L", "110101199003074477", "91110000600037341l"]

for number, path in enumerate(sorted((ROOT / "Schemas" / "events").glob("*.json"))):
    kind = path.stem
    examples = json.loads(path.read_text()).get("examples") or [{}]
    body = max(examples, key=lambda example: len(json.dumps(example)))
    event = {
        "eventId": f"seed-{kind}",
        "kind": kind,
        "entity": ENTITIES[number % len(ENTITIES)],
        "occurredOn": "2024-05-10",
        "source": {"authority": "北京市市场监督管理局"},
    }
    if kind in WITH_REFS:
        event["refs"] = ["seed-record"]
    event["body"] = body
    request = {"op": "append", "id": number, "events": [event]}
    (CORPUS / f"kind-{kind}.json").write_text(json.dumps(request, ensure_ascii=False, separators=(",", ":")))
