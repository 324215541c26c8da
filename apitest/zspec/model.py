"""The typed model of a ZSPEC resource: what the planner, engine and reporters read.

Frozen dataclasses, so a loaded spec cannot drift while a run uses it. Every element keeps its
`Location` (each is an `Element`), so any later diagnostic (a lint, a failing case) can point
at the file and line.
References (`*-ref`) are already resolved here: a consumer never looks a component up by name,
except for a structure that refers to itself (`Structure.recursive_ref`), which the loader cannot
inline without looping.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from apitest.zspec.conditions import Condition, DataPath, Operand
from apitest.zspec.scopes import ALL, NONE, Category, ScopeSet

Method = Literal["get", "post", "put", "patch", "delete"]
Visibility = Literal["public", "internal", "private"]
ExtraValue = Literal["deny", "allow", "map-default"]
InvalidValue = Literal["deny", "map-default"]
ArgumentLocation = Literal["param", "header", "variable"]
ArgumentStyle = Literal["standard", "delimiter"]
AuthLocation = Literal["header", "param", "url"]
AuthType = Literal["oauth2", "token"]
GroupType = Literal["one-of", "any-of", "all-of", "array-of"]
PrimaryType = Literal["simple", "composite"]

# Run order of categories within a resource (ZSPEC.md section 6).
CATEGORY_ORDER: tuple[Category, ...] = ("create", "read", "update", "action", "delete")


@dataclass(frozen=True)
class Location:
    """Where an element starts: the file as given on the command line and the 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Bounds:
    """An inclusive `min,max` pair from `length` or `range`; either end may be open (None)."""

    min: float | None
    max: float | None

    def contains(self, value: float) -> bool:
        return (self.min is None or value >= self.min) and (self.max is None or value <= self.max)


@dataclass(frozen=True)
class Element:
    """What every element of a spec carries: where it starts, so that each later diagnostic (a
    lint, a load error, a failing case) can name the file and line. The first field of each."""

    loc: Location


@dataclass(frozen=True)
class Deprecate(Element):
    since: str | None = None
    alternate: str | None = None
    for_removal: bool = False


@dataclass(frozen=True)
class Property(Element):
    """One key of a body, argument or header, with every rule the runner acts on."""

    type: str
    name: str | None = None
    values: tuple[str, ...] = ()
    extra_value: ExtraValue = "deny"
    default_value: str | None = None
    example_value: str | None = None
    regex: str | None = None
    length: Bounds | None = None
    range: Bounds | None = None
    decimal_place: int | None = None
    format: str | None = None
    include_for: ScopeSet = ALL
    required_for: ScopeSet = NONE
    nullable_for: ScopeSet = NONE
    unique_for: ScopeSet = NONE
    emptiable_for: ScopeSet = NONE
    path: DataPath | None = None
    content_types: tuple[str, ...] = ()
    structure: Structure | None = None
    structure_group: StructureGroup | None = None
    deprecate: Deprecate | None = None
    description: str = ""
    # ZEST's further property rules (see zspec/_property_rules.py for how each is read)
    invalid_value: InvalidValue = "deny"
    value_condition: ValueCondition | None = None
    request_conditions: tuple[Condition, ...] = ()
    """`condition-for-request` and `condition-for-all`: the property is sent only when all hold."""
    response_conditions: tuple[Condition, ...] = ()
    """`condition-for-response` and `condition-for-all`: expected in answers only when all hold."""
    pick_value: str | None = None
    name_regex: str | None = None
    expression: str | None = None
    file_meta: FileMeta | None = None
    xml_format: XmlFormat | None = None
    extend_properties: tuple[Property, ...] = ()
    """`<extend-property>` variants: the first whose conditions hold stands for this property."""

    @property
    def records_of(self) -> str | None:
        """The resource whose records give this property its value (`path="trips:$.trip_id"`):
        a call sending it addresses, or points at, one of them."""
        return self.path.records_of if self.path is not None else None

    @functools.cached_property
    def has_call_rules(self) -> bool:
        """Rules that need more than the value itself (its siblings, the call): the compiled
        shape check leaves such a property to the full walk."""
        return bool(
            self.value_condition is not None
            or self.request_conditions
            or self.response_conditions
            or self.extend_properties
        )


@dataclass(frozen=True)
class ValueCondition:
    """`value-condition="> REQUEST:$.body.start_time"`: the property's value against one operand
    (ZEST: no left operand, only >= <= > <). A data path operand names a sibling of the same
    object by its last key (`start_time`), see `sibling`."""

    text: str
    op: str
    operand: Operand
    sibling: str | None = None


@dataclass(frozen=True)
class XmlFormat:
    """`<xml-format>` under a property: how the property stands in an XML body. Without one
    (ZEST: "a default XML format is always available") the property is a child element named
    as the property, a collection its items repeated under that name."""

    name: str | None = None
    namespace: str | None = None
    prefix: str | None = None
    attribute: bool = False
    """An attribute of the parent element rather than a child element (scalars)."""
    wrapped: bool = False
    """A collection inside one wrapper element, rather than its items side by side."""


@dataclass(frozen=True)
class FileExtension:
    name: str
    size: Bounds | None = None


@dataclass(frozen=True)
class FileMeta:
    """`<file-meta overall-size>` with `<extension name size>` and `<file-name regex>`: sizes in
    bytes, a bare number being the maximum."""

    overall_size: Bounds | None = None
    extensions: tuple[FileExtension, ...] = ()
    file_name_regex: str | None = None


@dataclass(frozen=True)
class Stream(Element):
    """`<stream size>` inside a structure: the answer is a byte stream (a file download)."""

    size: Bounds | None = None


@dataclass(frozen=True)
class Structure(Element):
    """A set of properties; `properties` already holds what `extend` inherits."""

    properties: tuple[Property, ...] = ()
    name: str | None = None
    ref_name: str | None = None
    extend: str | None = None
    cases: tuple[str, ...] = ()
    discriminator_name: str | None = None
    lookup: str | None = None
    visibility: Visibility = "public"
    recursive_ref: str | None = None
    """Set (to `resource.ref-name`) where the structure refers to itself; properties are empty."""
    stream: Stream | None = None
    extra_properties: tuple[Property, ...] = ()
    """`<extra-property>`: each shapes every key beyond `properties` whose name fully matches
    its `name_regex` (never None here: a lone one without `name-regex` has ".+")."""

    @property
    def is_map(self) -> bool:
        """A structure of named properties, or of keys named by pattern, is a JSON object
        (ZEST's implicit map)."""
        return bool(self.extra_properties) or any(prop.name for prop in self.properties)

    @property
    def listed(self) -> Property | None:
        """The one nameless `collections` property of a structure that is a bare array
        (`[{...}, ...]`: its items' shape), else None."""
        props = self.properties
        if len(props) == 1 and not props[0].name and props[0].type == "collections":
            return props[0]
        return None

    @property
    def declares_nothing(self) -> bool:
        """No property and no extra property: the structure says nothing to check."""
        return not self.properties and not self.extra_properties

    def property(self, name: str) -> Property | None:
        return next((prop for prop in self.properties if prop.name == name), None)


@dataclass(frozen=True)
class DiscriminatorMapping(Element):
    value: str
    structure: Structure


@dataclass(frozen=True)
class Discriminator(Element):
    """Picks one structure of a group by the value of `property_name` in the body."""

    property_name: str
    mappings: tuple[DiscriminatorMapping, ...] = ()


@dataclass(frozen=True)
class StructureGroup(Element):
    type: GroupType
    structures: tuple[Structure, ...]
    name: str | None = None
    ref_name: str | None = None
    discriminator: Discriminator | None = None


@dataclass(frozen=True)
class ErrorCondition(Element):
    """`<error condition>`: when it holds for a response, that response is an error."""

    condition: Condition


@dataclass(frozen=True)
class Primary(Element):
    """A primary key of the resource's records, as a path into one record."""

    path: DataPath
    name: str | None = None
    """`<primary name>`: what the key is called when it differs from the path's last step."""

    @property
    def key(self) -> str:
        """The name the key goes by in URL variables and bodies: `<primary name>` when given,
        else the path's last step (`$.trip_id` -> `trip_id`), as ZEST's primary page says."""
        if self.name:
            return self.name
        text = self.path.text.strip()
        for sep in (".", "["):
            text = text.rsplit(sep, 1)[-1]
        return text.strip("]'\"$ ")


@dataclass(frozen=True)
class PathConfig(Element):
    """Where records sit in a body (`data-extraction-path`) and which keys identify them."""

    data_extraction_path: DataPath | None = None
    primaries: tuple[Primary, ...] = ()


@dataclass(frozen=True)
class Example(Element):
    name: str
    value: str = ""


@dataclass(frozen=True)
class Content(Element):
    """One encoding of a body: its MIME type, shape, error condition and record locations."""

    encode: str | None = None
    structure: Structure | None = None
    structure_group: StructureGroup | None = None
    error: ErrorCondition | None = None
    path_config: PathConfig | None = None
    examples: tuple[Example, ...] = ()
    name: str | None = None
    visibility: Visibility = "public"


@dataclass(frozen=True)
class Argument(Element):
    """A query parameter, header or URL path variable of an operation."""

    name: str
    location: ArgumentLocation
    required: bool = False
    auto_sync: bool = False
    auto_dependency: bool = False
    visibility: Visibility = "public"
    condition: Condition | None = None
    content: Content | None = None
    description: str = ""
    style: ArgumentStyle = "standard"
    """ZEST `style`: "delimiter" sends several values joined by `delimiter` in one value;
    "standard" (the default) sends one value (a list as repeated key-value pairs)."""
    delimiter: str = ","
    length: Bounds | None = None
    """ZEST argument `length`: how many delimited values ("min,max" or "max"), not characters."""
    concurrent: tuple[str, ...] = ()
    """Arguments that must be sent whenever this one is (ZEST `concurrent`, a CSV of names)."""
    non_concurrent: tuple[str, ...] = ()
    """Arguments that must not be sent with this one (ZEST `non-concurrent`)."""

    @property
    def is_delimited(self) -> bool:
        return self.style == "delimiter"

    @property
    def value_property(self) -> Property | None:
        """The property that shapes the argument's value (ZEST nests it in content/structure)."""
        if self.content is None or self.content.structure is None:
            return None
        props = self.content.structure.properties
        return props[0] if props else None


@dataclass(frozen=True)
class RequestBody(Element):
    contents: tuple[Content, ...] = ()
    required: bool = True
    name: str | None = None


@dataclass(frozen=True)
class Response(Element):
    status: int
    name: str | None = None
    unexpected_error: bool = False
    visibility: Visibility = "public"
    contents: tuple[Content, ...] = ()
    arguments: tuple[Argument, ...] = ()
    description: str = ""

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Throttling(Element):
    """At most `threshold` calls per `duration` ms, else the API locks for `lock_period` ms."""

    threshold: int
    duration: int
    lock_period: int = 0
    type: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Tag(Element):
    """A grouping label of operations (report and `[filters] tags`); visibility is kept only."""

    name: str
    description: str = ""
    visibility: Visibility = "public"


@dataclass(frozen=True)
class ExternalDocument(Element):
    url: str
    description: str = ""


@dataclass(frozen=True)
class Authentication(Element):
    """How an operation authenticates: where the credential goes and which scopes it needs."""

    type: AuthType
    name: str
    location: AuthLocation = "header"
    schema: str | None = None
    scopes: tuple[str, ...] = ()
    prefix: str | None = None

    @property
    def in_header(self) -> bool:
        """Whether the token travels in header `name`; else in query parameter `name`
        (`param` and ZEST's `URL` both travel in the query string)."""
        return self.location == "header"


@dataclass(frozen=True)
class AuthEndpoint(Element):
    """One endpoint of an authentication schema (`<token-url path>` and its siblings): where
    it is and, in `operation`, the call as the spec declares it (arguments, body, answers).
    `operation` is None only for apitest's deprecated attribute form (`token-url="..."`)."""

    path: str
    operation: Operation | None = None
    description: str = ""


@dataclass(frozen=True)
class OAuth2Schema(Element):
    """`<oauth2 name>` inside `<authentication-schema>`: the four OAuth endpoints."""

    name: str
    token_url: str | None = None
    refresh_url: str | None = None
    authorize_url: str | None = None
    revoke_url: str | None = None
    scopes: tuple[str, ...] = ()
    visibility: Visibility = "public"
    description: str = ""
    authorization: AuthEndpoint | None = None
    token: AuthEndpoint | None = None
    refresh: AuthEndpoint | None = None
    authentication: AuthEndpoint | None = None

    @property
    def token_endpoint(self) -> AuthEndpoint | None:
        """The declared `<token-url>`, else the deprecated `token-url` attribute."""
        if self.token is not None:
            return self.token
        return AuthEndpoint(self.loc, self.token_url) if self.token_url else None

    @property
    def refresh_endpoint(self) -> AuthEndpoint | None:
        """The declared `<refresh-url>`, else the deprecated `refresh-url` attribute."""
        if self.refresh is not None:
            return self.refresh
        return AuthEndpoint(self.loc, self.refresh_url) if self.refresh_url else None


@dataclass(frozen=True)
class TokenSchema(Element):
    """`<token name>`: a token from `token-url`'s call, optionally checked at
    `authentication-url`."""

    name: str
    description: str = ""
    visibility: Visibility = "public"
    token: AuthEndpoint | None = None
    authentication: AuthEndpoint | None = None


@dataclass(frozen=True)
class Dependency(Element):
    """`<dependency resources="a,b">`: resources this one needs first, though it names them
    nowhere else (ZEST's recycle-bin example)."""

    resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Variable(Element):
    """A `{name}` placeholder of a server URL; `values[0]` is the default."""

    name: str
    values: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Environment(Element):
    """`<environment type name value location>`: `--env TYPE` picks the one of that type
    (development, sandbox, production) and adds `name: value` as a header or query parameter
    to every call; with no `name` the environment only documents itself."""

    type: str
    location: Literal["header", "param"] = "header"
    name: str | None = None
    value: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Server(Element):
    name: str
    url: str
    dc: str | None = None
    variables: tuple[Variable, ...] = ()
    environments: tuple[Environment, ...] = ()
    description: str = ""
    visibility: Visibility = "public"

    @property
    def dcs(self) -> tuple[str, ...]:
        """The data centres of `dc`, a CSV in ZEST ("US,EU")."""
        return tuple(part.strip() for part in (self.dc or "").split(",") if part.strip())


@dataclass(frozen=True)
class ContactDetails(Element):
    """`<contact-details name email url>`: documentation only."""

    name: str | None = None
    email: str | None = None
    url: str | None = None
    visibility: Visibility = "public"


@dataclass(frozen=True)
class LicenseDetails(Element):
    """`<license-details name url>`: documentation only."""

    name: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class TermsOfService(Element):
    """`<terms-of-service>` markdown text: documentation only."""

    text: str = ""
    name: str | None = None


@dataclass(frozen=True)
class Info(Element):
    limit: int | None = None
    title: str | None = None
    version: str | None = None
    description: str = ""
    contact: ContactDetails | None = None
    license: LicenseDetails | None = None
    terms_of_service: TermsOfService | None = None


@dataclass(frozen=True)
class ResourceConfig(Element):
    primary_type: PrimaryType = "simple"
    primary_structure: str | None = None
    path_config: PathConfig | None = None


@dataclass(frozen=True)
class Operation(Element):
    """One method on one URL, with what the runner needs to order, fire and judge its calls."""

    name: str
    method: Method
    category: Category
    url_path: str
    delay: int = 0
    validation_delay: int = 0
    visibility: Visibility = "public"
    auto_sync: bool = False
    auto_callback_get: bool = False
    auto_test_dependency: bool = False
    auto_skip: bool = False
    auto_skip_cases: tuple[str, ...] = ()
    description: str = ""
    error: ErrorCondition | None = None
    arguments: tuple[Argument, ...] = ()
    request_body: RequestBody | None = None
    responses: tuple[Response, ...] = ()
    authentication: Authentication | None = None
    throttling: Throttling | None = None
    tags: tuple[Tag, ...] = ()
    external_documents: tuple[ExternalDocument, ...] = ()
    deprecate: Deprecate | None = None
    request_bodies: tuple[RequestBody, ...] = ()
    """Every `<request-body>` in document order; `request_body` is the first (the one tested)."""
    authentications: tuple[Authentication, ...] = ()
    """Every `<authentication>` in document order; `authentication` is the first."""

    @property
    def success_responses(self) -> tuple[Response, ...]:
        return tuple(resp for resp in self.responses if resp.is_success)

    def response_for(self, status: int) -> Response | None:
        return next((resp for resp in self.responses if resp.status == status), None)

    @functools.cached_property
    def conditional_arguments(self) -> tuple[Argument, ...]:
        """Parameters and headers with a `condition`: sent only where it holds (a URL path
        variable is sent on every call, so its condition does nothing; lint says so)."""
        return tuple(
            arg
            for arg in self.arguments
            if arg.condition is not None and arg.location != "variable"
        )

    @functools.cached_property
    def answer_types(self) -> tuple[str, ...]:
        """The media types its answers are declared in (`encode type` without parameters,
        lower-case), first seen first; asked for every call (the Accept it sends)."""
        return media_types_of((self,))

    @functools.cached_property
    def declares_accept(self) -> bool:
        """Whether it declares an `Accept` header argument (whose value, and cases, are its own)."""
        return any(
            arg.location == "header" and arg.name.lower() == "accept" for arg in self.arguments
        )

    @property
    def is_sync(self) -> bool:
        """auto-sync on the operation or on any of its arguments (ZSPEC.md section 6)."""
        return self.auto_sync or any(arg.auto_sync for arg in self.arguments)


@dataclass(frozen=True)
class Url(Element):
    path: str
    operations: tuple[Operation, ...] = ()
    name: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Components:
    """The file's reusable pieces, by key (`ref-name` for structures, `name` for the rest)."""

    structures: Mapping[str, Structure] = field(default_factory=dict)
    structure_groups: Mapping[str, StructureGroup] = field(default_factory=dict)
    responses: Mapping[str, Response] = field(default_factory=dict)
    request_bodies: Mapping[str, RequestBody] = field(default_factory=dict)
    arguments: Mapping[str, Argument] = field(default_factory=dict)
    contents: Mapping[str, Content] = field(default_factory=dict)
    throttlings: Mapping[str, Throttling] = field(default_factory=dict)
    tags: Mapping[str, Tag] = field(default_factory=dict)
    servers: Mapping[str, Server] = field(default_factory=dict)
    examples: Mapping[str, Example] = field(default_factory=dict)
    contact_details: Mapping[str, ContactDetails] = field(default_factory=dict)
    license_details: Mapping[str, LicenseDetails] = field(default_factory=dict)
    terms_of_service: Mapping[str, TermsOfService] = field(default_factory=dict)
    oauth2: Mapping[str, OAuth2Schema] = field(default_factory=dict)
    tokens: Mapping[str, TokenSchema] = field(default_factory=dict)


@dataclass(frozen=True)
class Resource(Element):
    """One ZSPEC file: a resource, its endpoints and what it needs from other resources."""

    name: str
    specification: str | None = None
    product: str | None = None
    pre_loaded: bool = False
    file_version: str | None = None
    description: str = ""
    components: Components = field(default_factory=Components)
    info: Info | None = None
    resource_config: ResourceConfig | None = None
    servers: tuple[Server, ...] = ()
    urls: tuple[Url, ...] = ()
    authentication: Authentication | None = None
    oauth2: tuple[OAuth2Schema, ...] = ()
    tokens: tuple[TokenSchema, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    depends_on: frozenset[str] = frozenset()
    """Every resource this one needs first: data paths, cross-file refs and `<dependency>`."""

    @property
    def file(self) -> str:
        return self.loc.file

    @property
    def operations(self) -> Iterator[Operation]:
        for url in self.urls:
            yield from url.operations

    def operation(self, name: str) -> Operation | None:
        return next((op for op in self.operations if op.name == name), None)

    @functools.cached_property
    def answer_types(self) -> tuple[str, ...]:
        """The media types any of its operations' answers are declared in, first seen first."""
        return media_types_of(self.operations)


def media_types_of(ops: Iterable[Operation]) -> tuple[str, ...]:
    """The media types the answers of `ops` are declared in, first seen first."""
    types: dict[str, None] = {}
    for op in ops:
        for response in op.responses:
            for content in response.contents:
                media = (content.encode or "").split(";")[0].strip().lower()
                if media:
                    types.setdefault(media)
    return tuple(types)


@dataclass(frozen=True)
class Catalog:
    """Every loaded resource, in dependency order (a resource after all it depends on)."""

    resources: tuple[Resource, ...]

    def resource(self, name: str) -> Resource | None:
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, Resource]:
        """Asked for every step of a run: a dict, made on first use (names are unique; were
        one repeated, the first would answer, as a scan would find it)."""
        found: dict[str, Resource] = {}
        for res in self.resources:
            found.setdefault(res.name, res)
        return found

    @property
    def operation_count(self) -> int:
        return sum(1 for res in self.resources for _ in res.operations)
