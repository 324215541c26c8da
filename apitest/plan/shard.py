"""One plan split into N shards, the same way on every machine: `--shard K/N`.

The unit of the split is the chain. A chain holds everything it depends on: its own data
preparation (each dependency's `auto-test-dependency` read or create, made again in every chain
that needs it: plan/graph.py) and the cleanup of what it made, so no chain waits for another and
a shard of whole chains runs on its own, against the same API as the other shards.

The split is longest-processing-time-first over each chain's critical-path estimate: chains by
estimate, longest first (ties by chain id), each onto the shard with the least estimated time
so far (ties: the one with fewer chains, then the lowest). The first N chains placed are the N
longest, each on a shard of its own, so a spec whose run is bound by its longest chain gets the
shortest shards it can; a plan of more chains than the engine runs at once (a `--repeat` load
run, where sharding pays most) queues them, and there the sums LPT balances are the shards'
times. Counting chains would put one 30 s chain and ten 1 s ones alike.

Nothing machine-specific enters: no hash of a string, no set order, no clock. Chain ids are
the planner's (`resource.N`), the estimate comes from the spec alone, so every machine given the
same specs, filters and options computes the same shards, and together they hold every chain
exactly once. Within a shard, resources and chains keep their plan order.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Sequence
from dataclasses import replace

from apitest.plan.model import Chain, Plan, ResourcePlan


def split_chains(chains: Sequence[Chain], total: int) -> list[list[Chain]]:
    """`chains` dealt onto `total` shards (at least 1), longest estimate first, each onto the
    least loaded shard; each shard's chains in their order in `chains`. A shard is empty only
    when there are fewer chains than shards."""
    if total < 1:
        raise ValueError(f"a plan splits into at least one shard, not {total}")
    order = {chain.id: at for at, chain in enumerate(chains)}
    cost = {chain.id: chain.estimate_ms() for chain in chains}
    longest_first = sorted(chains, key=lambda chain: (-cost[chain.id], chain.id))
    shards: list[list[Chain]] = [[] for _ in range(total)]
    # (estimate ms, chains, shard): the count breaks ties between equal loads, so chains that
    # cost nothing (every step skipped) spread too, and no shard is empty while chains remain.
    loads = [(0, 0, index) for index in range(min(total, len(chains)))]
    for chain in longest_first:
        load, count, index = heapq.heappop(loads)
        shards[index].append(chain)
        heapq.heappush(loads, (load + cost[chain.id], count + 1, index))
    for shard in shards:
        shard.sort(key=lambda chain: order[chain.id])
    return shards


def shard_plan(plan: Plan, index: int, total: int) -> Plan:
    """Shard `index` (from 1) of `total`: the plan with only that shard's chains; a resource
    none of whose chains fell to it is left out (its notes with it)."""
    if not 1 <= index <= total:
        raise ValueError(f"shard {index} is not one of 1 to {total}")
    mine = {chain.id for chain in split_chains(plan.chains, total)[index - 1]}
    resources = []
    for resource in plan.resources:
        chains = tuple(chain for chain in resource.chains if chain.id in mine)
        if chains:
            resources.append(ResourcePlan(resource.name, resource.file, chains, resource.notes))
    return replace(plan, resources=tuple(resources))


def plan_digest(plan: Plan) -> str:
    """SHA-256 (hex) of the plan's case ids in plan order, one per line: equal for every shard
    of one plan, and different as soon as specs, filters or options plan other cases."""
    digest = hashlib.sha256()
    for step in plan.steps:
        digest.update(step.id.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()
