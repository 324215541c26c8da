"""ZSPEC conditions (ZSPEC.md section 5): parse once at load time, evaluate per call.

Conditions gate `<error condition>`, the argument `condition` and `condition-for-*`. Everything
that can be wrong with one (syntax, JSON paths, regex literals, hostile size or nesting) is found
by `parse_condition`, which raises only `ConditionSyntaxError`, so the loader can report it as a
load error with file:line and the run never meets a surprise. Evaluation is total: it never
raises on odd response data, it just finds no match.

Semantics in one place: a comparison holds if ANY value matched on the left (paired with ANY
value matched on the right, if that is a path too) satisfies it; no match makes it false, except
for the negated operators `!=`, `!~` and `not in`, which then hold. Types are strict: a string
never equals a number and a bool never equals an int, except a header's or parameter's text
(`WireText`), read as the number or flag it is compared with.

Data paths read the official ZEST forms (the data-path page): `REQUEST:$.url|headers|params|
body...` and `RESPONSE:$.headers|body...` address those parts of the current call (any other
first step addresses the body, as the content/error page's `RESPONSE:$.status` does), and a
`{condition}` step filters the preceding property, its condition seeing the item tested as
`$`, `@` or bare member names (see `_path_steps.py`). apitest's `HEADER:`, `PARAM:` and
`STATUS` stay readable; the first two are deprecated aliases of the official forms.

The package: `_lexer` (tokens) <- `_path_steps` (the ZEST path steps jsonpath-ng cannot read)
<- `_evaluate` (what a path finds in a call, how values compare) <- `_syntax` (the parsed
forms and the parser of both grammars). Import from here, not from those modules.
"""

from apitest.zspec.conditions._evaluate import EvalContext
from apitest.zspec.conditions._lexer import (
    MAX_DEPTH,
    MAX_TEXT,
    ConditionSyntaxError,
    Source,
    Token,
    tokens_of,
)
from apitest.zspec.conditions._syntax import (
    AllOf,
    AnyOf,
    Comparison,
    Condition,
    DataPath,
    Exists,
    Expression,
    LiteralValue,
    Negation,
    Operand,
    null_tests,
    parse_condition,
    parse_data_path,
)

__all__ = [
    "MAX_DEPTH", "MAX_TEXT", "AllOf", "AnyOf", "Comparison", "Condition", "ConditionSyntaxError",
    "DataPath", "EvalContext", "Exists", "Expression", "LiteralValue", "Negation", "Operand",
    "Source", "Token", "null_tests", "parse_condition", "parse_data_path", "tokens_of",
]  # fmt: skip
