"""The read a create that names its own keys makes first, so a run never writes over a record
it did not make (docs/zspec.md#data-manager).

A create that names its record by keys the spec pins (an `example-value` or `values` on each
key, in the URL or the body, without `unique-for`) writes the same record every run; one that
names it by keys the run generates writes the record an earlier run with the same --seed made
and may have left. Where the API answers such a create of an existing key as it answers a new
one, or with a success the spec does not declare (Airflow's variable create, an upsert answered
200; Jupyter's PUT; Synapse's `PUT /users/{id}`), nothing in the answer tells that record from
one the run made: the run overwrote a user's variable, deleted it at the end, and passed.
"""

from __future__ import annotations

from apitest.engine.body_records import extraction_config, sent_records
from apitest.engine.cleanup import read_back
from apitest.engine.created_keys import KeyChoice
from apitest.engine.effects import keys_named
from apitest.engine.http.client import Caller, Exchange, Request
from apitest.engine.records import DataManager, Record
from apitest.engine.step_state import StepRun
from apitest.plan.data import DataGenerator


async def there_before(
    run: StepRun,
    request: Request,
    data: DataManager,
    caller: Caller,
    generator: DataGenerator,
    keys_by: KeyChoice,
) -> str | None:
    """Why the create `request` is not sent: a record the run did not make is there under the
    keys it names (read by the resource's callback read, its calls kept on the case); None to
    send it. A record the run made under those keys is left to the create's answer
    (effects.not_made_by_the_run)."""
    resource, op = run.resource, run.step.operation
    config = extraction_config(resource, op, None)
    sent = sent_records(request.body, resource, op)
    named = keys_named(resource, op, config, Exchange(request), sent)
    keys = {key: value for _field, key, value in named}
    held = dict(sent[0]) if sent else {}
    for field, _key, value in named:  # what the URL names fills what the body left out
        if held.get(field) is None:
            held[field] = value
    if not keys or data.made_before(resource.name, keys, held) is not None:
        return None
    record = Record(
        resource.name, held, keys, run.chain_id, False, 0, address=dict(request.variables)
    )
    found, _ = await read_back(resource, record, caller, generator, run.case.calls)
    if found != "there":
        return None
    if keys_by == "pinned":
        by, mend = (
            "keys the spec pins",
            'give the key unique-for="Request[create]" so that each run makes its own, or '
            "remove that record",
        )
    else:
        by, mend = (
            "keys the run generated",
            "a run with the same --seed makes the same keys, so an earlier run may have left it: "
            "run with another --seed, or remove that record",
        )
    return (
        f"the {record.describe()} is there before {op.name}, which names it by {by}: sent, "
        "it would overwrite that record and the cleanup would delete it (the run never changes "
        f"data it did not make); {mend}"
    )
