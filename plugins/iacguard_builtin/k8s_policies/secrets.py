"""secrets: credentials live in Secrets, not as literals in pod specs or ConfigMaps.

Two signals, both tuned for few false positives:
- a *name* that says secret (`DB_PASSWORD`, `apiKey`, `client.secret`) with a literal value,
  unless a later word says the value is about the secret rather than the secret itself
  (`PASSWORD_FILE`, `TOKEN_URL`, `SECRET_NAME`, `TOKEN_TTL`);
- a *value* in a known credential format (AWS access key id, PEM private key, GitHub,
  Slack, Google and Stripe tokens), whatever the name.
Values that are not literals are skipped: references (`${VAR}`, `$VAR`, `$(VAR)`,
`%(var)s`, `{{ ... }}` template leftovers, `<placeholder>`/`<redacted>`), masks (`****`,
`xxxx`, `REDACTED`), empty strings, booleans, plain numbers and absolute file paths. Default
passwords such as `changeme` *are* reported: deployed as written they are known credentials.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from iacguard.checks import CheckContext, NoParams
from iacguard.model import Violation
from iacguard.values import as_dict, as_list, is_unknown
from iacguard_builtin.k8s_policies.pods import describe, pods

SECRET_WORDS = {"PASSWORD", "PASSWD", "PWD", "PASS", "PASSCODE", "PASSPHRASE", "SECRET",
                "SECRETS", "TOKEN", "APIKEY",
                "CREDENTIAL", "CREDENTIALS", "PRIVATEKEY", "ACCESSKEY", "SECRETKEY", "AUTHKEY"}
SECRET_PAIRS = {("API", "KEY"), ("PRIVATE", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"),
                ("AUTH", "KEY"), ("ENCRYPTION", "KEY"), ("SIGNING", "KEY"), ("MASTER", "KEY")}
# Words after the secret word that make the value metadata about the secret.
META_WORDS = {"FILE", "PATH", "DIR", "URL", "URI", "NAME", "ENDPOINT", "TTL", "TIMEOUT",
              "LENGTH", "LEN", "EXPIRY", "EXPIRES", "EXPIRATION", "LIFETIME", "ENABLED",
              "ENABLE", "HEADER", "TYPE", "ID", "REF", "MOUNT", "SIZE", "AGE",
              "REFRESH", "ISSUER", "AUDIENCE", "POLICY", "FORMAT", "ALGORITHM", "VERSION", "HOST",
              "PORT", "PREFIX", "FIELD", "PARAM", "REQUIRED", "DAYS", "HOURS", "SECONDS",
              "MINUTES", "MODE", "LOCATION", "ROLE", "USER", "USERNAME"}

CREDENTIAL_PATTERNS = {
    "an AWS access key id": re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    "a private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "a GitHub token": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})"),
    "a Slack token": re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
    "a Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
    "a Stripe live key": re.compile(r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
}
# Documentation example keys (AWS publishes AKIAIOSFODNN7EXAMPLE) are not credentials.
EXAMPLE_SUFFIX = "EXAMPLE"

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_REFERENCE = re.compile(
    r"^\s*(?:\$\{[^}]*\}|\$\([^)]*\)|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*\}\}|<[^<>]*>|%\([^)]*\)s)\s*$",
    re.S)
# A masked value (`****`, `xxxxxx`, `REDACTED`) is a placeholder for a secret, not one.
_MASK = re.compile(r"^(?:[*x#.]{3,}|\[?redacted\]?|masked|hidden)$", re.I)
_ABSOLUTE_PATH = re.compile(r"^/[\w./-]*$")
_NOT_SECRET_VALUES = {"true", "false", "yes", "no", "on", "off", "null", "none", "nil"}


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9]+", _CAMEL.sub("_", name).upper()) if w]


def secret_name(name: str) -> bool:
    """Whether a variable or key name says its value is a secret."""
    words = _words(name)
    for i, word in enumerate(words):
        pair = (word, words[i + 1]) if i + 1 < len(words) else None
        if word in SECRET_WORDS or pair in SECRET_PAIRS:
            after = words[i + (2 if pair in SECRET_PAIRS else 1):]
            if not any(w in META_WORDS for w in after):
                return True
    return False


def is_literal(value: str) -> bool:
    """A value that is the secret itself, not a reference, switch, number or path."""
    text = value.strip()
    return bool(text) and not (
        _REFERENCE.match(text)
        or text.lower() in _NOT_SECRET_VALUES
        or _MASK.match(text)
        or text.isdigit()
        or _ABSOLUTE_PATH.match(text)
    )


def credential_in(value: str) -> str | None:
    for what, pattern in CREDENTIAL_PATTERNS.items():
        for match in pattern.finditer(value):
            if not match.group(0).endswith(EXAMPLE_SUFFIX):
                return what
    return None


def _problem(name: str, value: object) -> str | None:
    if is_unknown(value) or not isinstance(value, str):
        return None
    credential = credential_in(value)
    if credential:
        return f"holds {credential}"
    if secret_name(name) and is_literal(value):
        return "holds a literal secret value"
    return None


def secret_in_env_var(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for pod in pods(ctx.graph):
        for container in pod.containers():
            for index, raw in enumerate(as_list(container.spec.get("env"))):
                env = as_dict(raw)
                name = env.get("name")
                if not isinstance(name, str) or "valueFrom" in env:
                    continue
                problem = _problem(name, env.get("value"))
                if problem:
                    yield Violation.at(pod.workload, (*container.path, "env", index, "value"),
                                       f"environment variable {name} of {describe(container)} "
                                       f"{problem} (use valueFrom.secretKeyRef)")


def secret_in_configmap(ctx: CheckContext[NoParams]) -> Iterator[Violation]:
    for configmap in ctx.graph.resources("ConfigMap"):
        for key, value in as_dict(configmap.body.get("data")).items():
            problem = _problem(str(key), value)
            if problem:
                yield Violation.at(configmap, ("data", key),
                                   f"ConfigMap {configmap.name} key {key} {problem} (move it to "
                                   "a Secret)")
