"""The ZSPEC dialect: model, loader, scope grammar, conditions, types and lint.

Knows nothing of HTTP: everything here runs before the first request is made.

Loading, lowest first: `reader` (the safe XML read) and `attributes` (typed attribute values);
`references` (components, `*-ref`, the resources a file needs) under `builder` (`FileBuilder`:
conditions, data paths, scopes, regexes read with located faults); the builders of each family
of elements, `documentation`, `_property_rules`, `structures`, `operations`, `auth_schemas`,
`resources`; then `loader` (discover, build, order, check). `conditions/` is the condition and
data-path language; `model` the plain dataclasses all of it produces.
"""
