"""Terraform's built-in functions, re-implemented on plain data (no code from the input runs).

A function whose result depends on an `Unknown` argument returns `Unknown`: "strict"
functions look inside lists and maps (string building, encoding), the others only at
their top-level arguments (collection functions keep unknown elements as they are).
Functions not implemented here evaluate to `Unknown("function f() is not evaluated")`.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import ipaddress
import itertools
import json
import math
import re
from collections.abc import Callable
from io import StringIO
from typing import Any, Protocol
from urllib.parse import quote

from ruamel.yaml import YAML

from iacguard.values import Unknown
from iacguard_builtin.terraform import regex
from iacguard_builtin.terraform.semantics import (
    MAX_STRING,
    EvalError,
    LimitExceeded,
    equal,
    first_unknown,
    norm_number,
    number,
    shorten,
    to_bool,
    to_str,
    type_name,
)

Fn = Callable[..., Any]
MAX_PRODUCT = 100_000  # combinations built by setproduct()
_FUNCTIONS: dict[str, tuple[Fn, bool]] = {}  # name -> (implementation, strict)


def _fn(name: str, strict: bool = False) -> Callable[[Fn], Fn]:
    def register(func: Fn) -> Fn:
        _FUNCTIONS[name] = (func, strict)
        return func
    return register


def builtin(name: str) -> tuple[Fn, bool] | None:
    """The implementation of a built-in and whether it is strict (None when not evaluated)."""
    return _FUNCTIONS.get(name)


# -- files ------------------------------------------------------------------------------
FILE_FUNCTIONS = frozenset({"file", "templatefile", "fileexists", "filebase64"})


class FileReader(Protocol):
    """Reads a file for the file functions (inside the scan root, through the loader's
    file system); `probe` returns None instead of raising for a missing file."""

    def read_file(self, path: str, probe: bool = False) -> str | Unknown | None: ...


# (template text, its variables, the function's name for messages) -> the rendered value
TemplateRenderer = Callable[[str, Any, str], Any]


def file_function(name: str, args: list[Any], files: FileReader, template: TemplateRenderer) -> Any:
    if not args:
        raise EvalError(f"{name}() needs a path")
    unknown = first_unknown(args[0])
    if unknown is not None:
        return unknown
    content = files.read_file(to_str(args[0]), probe=name == "fileexists")
    if name == "fileexists":
        return not isinstance(content, Unknown) and content is not None
    if isinstance(content, Unknown) or content is None:
        return content if content is not None else Unknown(f"{name}({args[0]})")
    if name == "filebase64":
        return base64.b64encode(content.encode("utf-8")).decode("ascii")
    if name == "file":
        return content
    variables = args[1] if len(args) > 1 else {}
    if isinstance(variables, Unknown):
        return variables
    return template(content, variables, f"templatefile({args[0]})")


# -- collections ------------------------------------------------------------------------
def _as_list(value: Any, fn: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise EvalError(f"{fn}() needs a list, got {type_name(value)}")


def _as_map(value: Any, fn: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise EvalError(f"{fn}() needs a map, got {type_name(value)}")


def _dedupe(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in items:
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def _set(items: list[Any]) -> list[Any]:
    """Terraform sets of strings/numbers iterate in sorted order."""
    unique = _dedupe(items)
    if all(isinstance(i, str) for i in unique):
        return sorted(unique)
    if all(isinstance(i, (int, float)) and not isinstance(i, bool) for i in unique):
        return sorted(unique)
    return unique


@_fn("merge")
def _merge(*maps: Any) -> Any:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        out.update(_as_map(item, "merge"))
    return out


@_fn("concat")
def _concat(*lists: Any) -> Any:
    out: list[Any] = []
    for item in lists:
        out.extend(_as_list(item, "concat"))
    return out


@_fn("lookup")
def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    data = _as_map(mapping, "lookup")
    if key in data:
        return data[key]
    if default:
        return default[0]
    raise EvalError(f"lookup(): key {key!r} not found")


@_fn("coalesce")
def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    raise EvalError("coalesce(): no non-null, non-empty argument")


@_fn("coalescelist")
def _coalescelist(*lists: Any) -> Any:
    for item in lists:
        if _as_list(item, "coalescelist"):
            return item
    raise EvalError("coalescelist(): no non-empty list")


@_fn("compact")
def _compact(items: Any) -> Any:
    unknown = first_unknown(*_as_list(items, "compact"))
    if unknown is not None:
        return unknown
    return [i for i in items if i is not None and i != ""]


@_fn("contains")
def _contains(items: Any, value: Any) -> Any:
    elements = _as_list(items, "contains")
    if any(not isinstance(i, Unknown) and equal(i, value) for i in elements):
        return True
    unknown = first_unknown(*elements)
    return unknown if unknown is not None else False


@_fn("length")
def _length(value: Any) -> Any:
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise EvalError(f"length() of a {type_name(value)}")


@_fn("element")
def _element(items: Any, index: Any) -> Any:
    elements = _as_list(items, "element")
    if not elements:
        raise EvalError("element() of an empty list")
    return elements[int(number(index)) % len(elements)]


@_fn("flatten")
def _flatten(items: Any) -> Any:
    out: list[Any] = []
    for item in _as_list(items, "flatten"):
        if isinstance(item, Unknown):
            return item
        if isinstance(item, list):
            flat = _flatten(item)
            if isinstance(flat, Unknown):
                return flat
            out.extend(flat)
        else:
            out.append(item)
    return out


@_fn("keys")
def _keys(mapping: Any) -> Any:
    return sorted(_as_map(mapping, "keys"))


@_fn("values")
def _values(mapping: Any) -> Any:
    data = _as_map(mapping, "values")
    return [data[k] for k in sorted(data)]


@_fn("tolist")
def _tolist(value: Any) -> Any:
    return list(_as_list(value, "tolist"))


@_fn("toset")
def _toset(value: Any) -> Any:
    return _set(_as_list(value, "toset"))


@_fn("tomap")
def _tomap(value: Any) -> Any:
    return dict(_as_map(value, "tomap"))


@_fn("tostring")
def _tostring(value: Any) -> Any:
    return None if value is None else to_str(value)


@_fn("tonumber")
def _tonumber(value: Any) -> Any:
    return None if value is None else norm_number(number(value))


@_fn("tobool")
def _tobool(value: Any) -> Any:
    return None if value is None else to_bool(value)


@_fn("distinct")
def _distinct(items: Any) -> Any:
    return _dedupe(_as_list(items, "distinct"))


@_fn("zipmap")
def _zipmap(keys: Any, values: Any) -> Any:
    k, v = _as_list(keys, "zipmap"), _as_list(values, "zipmap")
    if len(k) != len(v):
        raise EvalError("zipmap(): lists of different lengths")
    return {to_str(a): b for a, b in zip(k, v, strict=True)}


@_fn("setunion")
def _setunion(*sets: Any) -> Any:
    return _set([i for s in sets for i in _as_list(s, "setunion")])


@_fn("setintersection")
def _setintersection(first: Any, *others: Any) -> Any:
    items = _as_list(first, "setintersection")
    for other in others:
        rest = _as_list(other, "setintersection")
        items = [i for i in items if any(equal(i, o) for o in rest)]
    return _set(items)


@_fn("setsubtract")
def _setsubtract(a: Any, b: Any) -> Any:
    rest = _as_list(b, "setsubtract")
    return _set([i for i in _as_list(a, "setsubtract") if not any(equal(i, o) for o in rest)])


@_fn("range")
def _range(*args: Any) -> Any:
    nums = [number(a) for a in args]
    start: int | float
    stop: int | float
    step: int | float
    if len(nums) == 1:
        start, stop, step = 0, nums[0], 1
    elif len(nums) == 2:
        start, stop, step = nums[0], nums[1], 1
    elif len(nums) == 3:
        start, stop, step = nums
    else:
        raise EvalError("range() takes 1 to 3 arguments")
    if step == 0:
        raise EvalError("range() step must not be zero")
    count = max(0, math.ceil((stop - start) / step))
    if count > 1024:
        raise EvalError("range() too long")
    return [norm_number(start + i * step) for i in range(count)]


@_fn("setproduct")
def _setproduct(*sets: Any) -> Any:
    lists = [_as_list(s, "setproduct") for s in sets]
    if len(lists) < 2:
        raise EvalError("setproduct() needs at least two sets")
    unknown = first_unknown(*(i for items in lists for i in items))
    if unknown is not None:
        return unknown
    if math.prod(len(items) for items in lists) > MAX_PRODUCT:
        raise LimitExceeded(f"setproduct(): more than {MAX_PRODUCT} combinations")
    return [list(combo) for combo in itertools.product(*lists)]


@_fn("matchkeys", strict=True)
def _matchkeys(values: Any, keys: Any, searchset: Any) -> Any:
    items, names = _as_list(values, "matchkeys"), _as_list(keys, "matchkeys")
    if len(items) != len(names):
        raise EvalError("matchkeys(): values and keys of different lengths")
    wanted = _as_list(searchset, "matchkeys")
    return [v for v, k in zip(items, names, strict=True) if any(equal(k, w) for w in wanted)]


@_fn("parseint", strict=True)
def _parseint(text: Any, base: Any) -> Any:
    radix = int(number(base))
    if not 2 <= radix <= 62:
        raise EvalError("parseint(): base must be between 2 and 62")
    try:
        return int(to_str(text), radix) if radix <= 36 else _parse_base62(to_str(text), radix)
    except ValueError:
        raise EvalError(f"parseint(): cannot parse {shorten(to_str(text))!r} in base {radix}") from None


def _parse_base62(text: str, radix: int) -> int:
    digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text)
    if not body or any(c not in digits[:radix] for c in body):
        raise ValueError(text)
    value = 0
    for char in body:
        value = value * radix + digits.index(char)
    return sign * value


@_fn("pow")
def _pow(base: Any, exponent: Any) -> Any:
    b, e = number(base), number(exponent)
    if abs(e) > 1024:
        raise LimitExceeded("pow(): exponent too large")
    return norm_number(float(b) ** e)


@_fn("signum")
def _signum(n: Any) -> Any:
    value = number(n)
    return (value > 0) - (value < 0)


@_fn("log")
def _log(n: Any, base: Any) -> Any:
    try:
        return norm_number(math.log(number(n), number(base)))
    except (ValueError, ZeroDivisionError):
        raise EvalError("log(): invalid argument") from None


@_fn("min")
def _min(*nums: Any) -> Any:
    return norm_number(min(number(n) for n in nums))


@_fn("max")
def _max(*nums: Any) -> Any:
    return norm_number(max(number(n) for n in nums))


@_fn("sum")
def _sum(items: Any) -> Any:
    return norm_number(sum(number(n) for n in _as_list(items, "sum")))


@_fn("abs")
def _abs(n: Any) -> Any:
    return norm_number(abs(number(n)))


@_fn("ceil")
def _ceil(n: Any) -> Any:
    return math.ceil(number(n))


@_fn("floor")
def _floor(n: Any) -> Any:
    return math.floor(number(n))


@_fn("one")
def _one(items: Any) -> Any:
    elements = _as_list(items, "one")
    if len(elements) > 1:
        raise EvalError("one() of a list with more than one element")
    return elements[0] if elements else None


@_fn("alltrue")
def _alltrue(items: Any) -> Any:
    elements = _as_list(items, "alltrue")
    if any(not isinstance(i, Unknown) and not to_bool(i) for i in elements):
        return False
    unknown = first_unknown(*elements)
    return unknown if unknown is not None else True


@_fn("anytrue")
def _anytrue(items: Any) -> Any:
    elements = _as_list(items, "anytrue")
    if any(not isinstance(i, Unknown) and to_bool(i) for i in elements):
        return True
    unknown = first_unknown(*elements)
    return unknown if unknown is not None else False


@_fn("reverse")
def _reverse(items: Any) -> Any:
    return list(reversed(_as_list(items, "reverse")))


@_fn("slice")
def _slice(items: Any, start: Any, end: Any) -> Any:
    return _as_list(items, "slice")[int(number(start)):int(number(end))]


@_fn("index")
def _index(items: Any, value: Any) -> Any:
    for position, item in enumerate(_as_list(items, "index")):
        if equal(item, value):
            return position
    raise EvalError("index(): value not found")


@_fn("chunklist")
def _chunklist(items: Any, size: Any) -> Any:
    elements, n = _as_list(items, "chunklist"), int(number(size))
    if n <= 0:
        return [elements]
    return [elements[i:i + n] for i in range(0, len(elements), n)]


@_fn("sort", strict=True)
def _sort(items: Any) -> Any:
    return sorted(to_str(i) for i in _as_list(items, "sort"))


@_fn("transpose", strict=True)
def _transpose(mapping: Any) -> Any:
    out: dict[str, list[str]] = {}
    for key, values in sorted(_as_map(mapping, "transpose").items()):
        for value in _as_list(values, "transpose"):
            out.setdefault(to_str(value), []).append(key)
    return out


@_fn("sensitive")
@_fn("nonsensitive")
@_fn("ephemeralasnull")
def _identity(value: Any) -> Any:
    return value


@_fn("issensitive")
def _issensitive(value: Any) -> Any:
    return False


@_fn("list")
def _list(*items: Any) -> Any:
    """Terraform 0.11's list(), still common in old configurations."""
    return list(items)


@_fn("map")
def _map(*items: Any) -> Any:
    """Terraform 0.11's map(key, value, ...)."""
    if len(items) % 2:
        raise EvalError("map() needs an even number of arguments")
    return {to_str(items[i]): items[i + 1] for i in range(0, len(items), 2)}


# -- strings --------------------------------------------------------------------------------
@_fn("join", strict=True)
def _join(sep: Any, *lists: Any) -> Any:
    return to_str(sep).join(to_str(i) for items in lists for i in _as_list(items, "join"))


@_fn("split", strict=True)
def _split(sep: Any, text: Any) -> Any:
    value = to_str(text)
    return value.split(to_str(sep)) if value != "" else [""]


@_fn("replace", strict=True)
def _replace(text: Any, search: Any, replacement: Any) -> Any:
    value, pattern, repl = to_str(text), to_str(search), to_str(replacement)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        compiled = regex.compile_pattern(pattern[1:-1], "replace")
        size = len(value)

        def substitute(match: Any) -> str:
            nonlocal size
            piece = regex.expand(repl, match)
            size += len(piece) - len(match.group(0))
            if size > MAX_STRING:
                raise LimitExceeded(f"replace(): result longer than {MAX_STRING} characters")
            return piece

        return str(compiled.sub(substitute, value))
    # Refuse before building it: each match may grow the text by the replacement's length.
    if pattern and len(value) + value.count(pattern) * (len(repl) - len(pattern)) > MAX_STRING:
        raise LimitExceeded(f"replace(): result longer than {MAX_STRING} characters")
    if not pattern and len(repl) * (len(value) + 1) + len(value) > MAX_STRING:
        raise LimitExceeded(f"replace(): result longer than {MAX_STRING} characters")
    return value.replace(pattern, repl)


@_fn("regex", strict=True)
def _regex(pattern: Any, text: Any) -> Any:
    match = regex.compile_pattern(to_str(pattern), "regex").search(to_str(text))
    if match is None:
        raise EvalError("regex(): pattern did not match any part of the given string")
    return regex.match_value(match)


@_fn("regexall", strict=True)
def _regexall(pattern: Any, text: Any) -> Any:
    compiled = regex.compile_pattern(to_str(pattern), "regexall")
    return [regex.match_value(m) for m in compiled.finditer(to_str(text))]


@_fn("strcontains", strict=True)
def _strcontains(text: Any, part: Any) -> Any:
    return to_str(part) in to_str(text)


@_fn("chomp", strict=True)
def _chomp(text: Any) -> Any:
    return re.sub(r"(\r\n|\n|\r)+$", "", to_str(text))


@_fn("indent", strict=True)
def _indent(spaces: Any, text: Any) -> Any:
    pad = " " * min(int(number(spaces)), 1000)
    return to_str(text).replace("\n", "\n" + pad)


@_fn("urlencode", strict=True)
def _urlencode(text: Any) -> Any:
    return quote(to_str(text), safe="-_.~")


@_fn("csvdecode", strict=True)
def _csvdecode(text: Any) -> Any:
    rows = list(csv.reader(to_str(text).splitlines()))
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if any(len(row) != len(header) for row in body):
        raise EvalError("csvdecode(): rows of different lengths")
    return [dict(zip(header, row, strict=True)) for row in body]


@_fn("lower", strict=True)
def _lower(text: Any) -> Any:
    return to_str(text).lower()


@_fn("upper", strict=True)
def _upper(text: Any) -> Any:
    return to_str(text).upper()


@_fn("title", strict=True)
def _title(text: Any) -> Any:
    return re.sub(r"\b\w", lambda m: m.group(0).upper(), to_str(text))


@_fn("trimspace", strict=True)
def _trimspace(text: Any) -> Any:
    return to_str(text).strip()


@_fn("trim", strict=True)
def _trim(text: Any, chars: Any) -> Any:
    return to_str(text).strip(to_str(chars))


@_fn("trimprefix", strict=True)
def _trimprefix(text: Any, prefix: Any) -> Any:
    return to_str(text).removeprefix(to_str(prefix))


@_fn("trimsuffix", strict=True)
def _trimsuffix(text: Any, suffix: Any) -> Any:
    return to_str(text).removesuffix(to_str(suffix))


@_fn("substr", strict=True)
def _substr(text: Any, offset: Any, length: Any) -> Any:
    value, start, n = to_str(text), int(number(offset)), int(number(length))
    if start < 0:
        start = max(0, len(value) + start)
    return value[start:] if n < 0 else value[start:start + n]


@_fn("startswith", strict=True)
def _startswith(text: Any, prefix: Any) -> Any:
    return to_str(text).startswith(to_str(prefix))


@_fn("endswith", strict=True)
def _endswith(text: Any, suffix: Any) -> Any:
    return to_str(text).endswith(to_str(suffix))


@_fn("strrev", strict=True)
def _strrev(text: Any) -> Any:
    return to_str(text)[::-1]


_VERB = re.compile(r"%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])")


def _format_one(flags: str, width: str | None, precision: str | None, verb: str, value: Any) -> str:
    if (width and int(width) > MAX_STRING) or (precision and int(precision) > 1000):
        raise LimitExceeded("format(): width or precision too large")
    if verb in ("v", "s"):
        text = to_str(value) if not isinstance(value, (list, dict)) else json.dumps(value)
    elif verb == "q":
        text = json.dumps(to_str(value))
    elif verb == "d":
        text = str(int(number(value)))
    elif verb in ("f", "e", "g"):
        text = f"{number(value):.{precision or 6}{verb}}"
    elif verb == "t":
        text = "true" if to_bool(value) else "false"
    elif verb in ("x", "X", "o", "b"):
        text = format(int(number(value)), verb)
    else:
        raise EvalError(f"format(): unsupported verb %{verb}")
    if width:
        pad = "0" if "0" in flags and verb in "dfeg" else " "
        text = text.ljust(int(width)) if "-" in flags else text.rjust(int(width), pad)
    return text


@_fn("format", strict=True)
def _format(fmt: Any, *args: Any) -> Any:
    values = list(args)
    position = 0

    def sub(match: re.Match[str]) -> str:
        nonlocal position
        flags, width, precision, verb = match.groups()
        if verb == "%":
            return "%"
        if position >= len(values):
            raise EvalError("format(): not enough arguments")
        value = values[position]
        position += 1
        return _format_one(flags, width, precision, verb, value)

    return _VERB.sub(sub, to_str(fmt))


@_fn("formatlist", strict=True)
def _formatlist(fmt: Any, *args: Any) -> Any:
    lengths = {len(a) for a in args if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist(): lists of different lengths")
    n = lengths.pop() if lengths else 1
    return [_format(fmt, *[a[i] if isinstance(a, list) else a for a in args]) for i in range(n)]


@_fn("jsonencode", strict=True)
def _jsonencode(value: Any) -> Any:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


@_fn("jsondecode", strict=True)
def _jsondecode(text: Any) -> Any:
    try:
        return json.loads(to_str(text))
    except json.JSONDecodeError as exc:
        raise EvalError(f"jsondecode(): {exc}") from None


@_fn("yamlencode", strict=True)
def _yamlencode(value: Any) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    stream = StringIO()
    yaml.dump(value, stream)
    return stream.getvalue()


@_fn("yamldecode", strict=True)
def _yamldecode(text: Any) -> Any:
    yaml = YAML(typ="safe", pure=True)
    try:
        return yaml.load(to_str(text))
    except Exception as exc:  # ruamel raises many error types for bad YAML
        raise EvalError(f"yamldecode(): {type(exc).__name__}") from None


@_fn("base64encode", strict=True)
def _base64encode(text: Any) -> Any:
    return base64.b64encode(to_str(text).encode("utf-8")).decode("ascii")


@_fn("base64decode", strict=True)
def _base64decode(text: Any) -> Any:
    try:
        return base64.b64decode(to_str(text)).decode("utf-8")
    except ValueError as exc:
        raise EvalError(f"base64decode(): {exc}") from None


@_fn("md5", strict=True)
def _md5(text: Any) -> Any:
    return hashlib.md5(to_str(text).encode("utf-8")).hexdigest()


@_fn("sha1", strict=True)
def _sha1(text: Any) -> Any:
    return hashlib.sha1(to_str(text).encode("utf-8")).hexdigest()


@_fn("sha256", strict=True)
def _sha256(text: Any) -> Any:
    return hashlib.sha256(to_str(text).encode("utf-8")).hexdigest()


@_fn("sha512", strict=True)
def _sha512(text: Any) -> Any:
    return hashlib.sha512(to_str(text).encode("utf-8")).hexdigest()


@_fn("base64sha256", strict=True)
def _base64sha256(text: Any) -> Any:
    return base64.b64encode(hashlib.sha256(to_str(text).encode("utf-8")).digest()).decode("ascii")


@_fn("base64sha512", strict=True)
def _base64sha512(text: Any) -> Any:
    return base64.b64encode(hashlib.sha512(to_str(text).encode("utf-8")).digest()).decode("ascii")


@_fn("basename", strict=True)
def _basename(text: Any) -> Any:
    return to_str(text).rstrip("/").rsplit("/", 1)[-1]


@_fn("dirname", strict=True)
def _dirname(text: Any) -> Any:
    value = to_str(text)
    return value.rsplit("/", 1)[0] if "/" in value else "."


# -- networking -----------------------------------------------------------------------------
def _network(prefix: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(to_str(prefix), strict=False)
    except ValueError as exc:
        raise EvalError(f"invalid CIDR {prefix!r}: {exc}") from None


@_fn("cidrsubnet", strict=True)
def _cidrsubnet(prefix: Any, newbits: Any, netnum: Any) -> Any:
    net = _network(prefix)
    bits, num = int(number(newbits)), int(number(netnum))
    new_prefix = net.prefixlen + bits
    if new_prefix > net.max_prefixlen or not 0 <= num < 2**bits:
        raise EvalError("cidrsubnet(): not enough address space")
    size = 2 ** (net.max_prefixlen - new_prefix)
    base = int(net.network_address) + num * size
    return f"{ipaddress.ip_address(base)}/{new_prefix}"


@_fn("cidrsubnets", strict=True)
def _cidrsubnets(prefix: Any, *newbits: Any) -> Any:
    net = _network(prefix)
    out: list[str] = []
    current = int(net.network_address)
    for bits in newbits:
        new_prefix = net.prefixlen + int(number(bits))
        size = 2 ** (net.max_prefixlen - new_prefix)
        current = -(-current // size) * size
        out.append(f"{ipaddress.ip_address(current)}/{new_prefix}")
        current += size
    return out


@_fn("cidrhost", strict=True)
def _cidrhost(prefix: Any, hostnum: Any) -> Any:
    net = _network(prefix)
    num = int(number(hostnum))
    if num < 0:
        num += net.num_addresses
    if not 0 <= num < net.num_addresses:
        raise EvalError("cidrhost(): host number out of range")
    return str(ipaddress.ip_address(int(net.network_address) + num))


@_fn("cidrnetmask", strict=True)
def _cidrnetmask(prefix: Any) -> Any:
    return str(_network(prefix).netmask)

