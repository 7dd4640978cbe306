"""`--format github`: workflow commands, exact output, and no command injection from scanned text."""

from __future__ import annotations

from pathlib import Path

from iacguard_builtin.reporters import github_report
from synthetic import finding, repository, result

from iacguard.model import ScanError, Severity
from iacguard.reporting import RenderOptions

REGISTERED = {"error", "warning", "notice", "debug", "group", "endgroup", "add-mask", "set-output",
              "set-env", "add-path", "save-state", "add-matcher", "remove-matcher", "echo",
              "stop-commands"}


def _unescape(text: str, mapping: list[tuple[str, str]]) -> str:
    for token, replacement in mapping:
        text = text.replace(replacement, token)
    return text


DATA = [("\r", "%0D"), ("\n", "%0A"), ("%", "%25")]
PROPERTY = [("\r", "%0D"), ("\n", "%0A"), (":", "%3A"), (",", "%2C"), ("%", "%25")]
LEGACY = [(";", "%3B"), ("\r", "%0D"), ("\n", "%0A"), ("]", "%5D"), ("%", "%25")]


def runner_commands(output: str) -> list[tuple[str, dict[str, str], str]]:
    """The commands GitHub's runner reads from a step's output, parsed as `actions/runner`
    does (src/Runner.Common/ActionCommand.cs): each line, `::name k=v,...::data` at its start
    (after leading spaces), else the legacy `##[name k=v;...]data` anywhere in it."""
    found = []
    for line in output.splitlines():
        message = line.lstrip()
        end = message.find("::", 2)
        if message.startswith("::") and end >= 0:
            info = message[2:end]
            name, _, props = info.partition(" ")
            if name in REGISTERED:
                pairs = [p.split("=", 1) for p in props.strip().split(",") if p]
                found.append((name, {k: _unescape(v, PROPERTY) for k, v in (p for p in pairs if len(p) == 2)},
                              _unescape(message[end + 2:], DATA)))
                continue
        start = line.find("##[")
        close = line.find("]", start) if start >= 0 else -1
        if start >= 0 and close >= 0:
            name, _, props = line[start + 3:close].partition(" ")
            if name in REGISTERED:
                pairs = [p.split("=", 1) for p in props.split(";") if p]
                found.append((name, {k: _unescape(v, LEGACY) for k, v in (p for p in pairs if len(p) == 2)},
                              _unescape(line[close + 1:], LEGACY)))
    return found


def test_exact_output(tmp_path: Path) -> None:
    root = repository(tmp_path)
    findings = [
        finding("ING005", Severity.MEDIUM, path="k8s/shop.yaml", line=61, end_line=71, col=1,
                name="ingress-without-tls", message="Ingress shop serves plain HTTP"),
        finding("LB002", Severity.CRITICAL, path="k8s/shop.yaml", line=26, col=3,
                name="service-exposed-on-public-nodes", message="Service shop/frontend is public"),
        finding("API001", Severity.HIGH, path="main.tf", line=40, col=5, end_col=48,
                name="cluster-api-open-to-world", message="100% open: 0.0.0.0/0"),
        finding("PSC009", Severity.LOW, path="k8s/shop.yaml", line=15, end_line=18, col=11,
                name="writable-root-filesystem", message="container frontend is writable"),
        finding("ENC001", Severity.INFO, path="main.tf", line=34, end_line=42, precision="block",
                name="cluster-secrets-not-encrypted", message="not encrypted"),
        finding("PSC002", Severity.HIGH, path="k8s/shop.yaml", line=15, suppressed=True),
    ]
    text = github_report.render(result(findings, root, fail_on=Severity.HIGH), RenderOptions())
    assert text.splitlines() == [
        "::error file=infra/k8s/shop.yaml,line=26,endLine=26,col=3,"
        "title=LB002 service-exposed-on-public-nodes (critical)::Service shop/frontend is public",
        "::error file=infra/main.tf,line=40,endLine=40,col=5,endColumn=48,"
        "title=API001 cluster-api-open-to-world (high)::100%25 open: 0.0.0.0/0",
        "::warning file=infra/k8s/shop.yaml,line=61,endLine=71,"
        "title=ING005 ingress-without-tls (medium)::Ingress shop serves plain HTTP",
        "::notice file=infra/k8s/shop.yaml,line=15,endLine=18,"
        "title=PSC009 writable-root-filesystem (low)::container frontend is writable",
        "::notice file=infra/main.tf,line=34,endLine=42,"
        "title=ENC001 cluster-secrets-not-encrypted (info)::not encrypted",
        "iacguard: failed: 5 findings (1 critical, 1 high, 1 medium, 1 low, 1 info); "
        "2 at or above high; 1 suppressed",
    ]


def test_passing_scan_and_internal_errors(tmp_path: Path) -> None:
    clean = github_report.render(result([], tmp_path), RenderOptions())
    assert clean == "iacguard: passed: 0 findings; 0 at or above low\n"
    error = ScanError(kind="loader-crashed", message="ValueError: bad, really\ntraceback",
                      path="k8s/x.yaml")
    text = github_report.render(result([], tmp_path, errors=[error]), RenderOptions())
    assert text.splitlines() == [
        "::error file=k8s/x.yaml,title=iacguard loader-crashed::ValueError: bad, really",
        "iacguard: error: 0 findings; 0 at or above low; 1 internal errors",
    ]


def test_scanned_text_cannot_inject_a_command(tmp_path: Path) -> None:
    hostile = ("Service x\n::error file=evil.tf,line=1::pwned\r\n::set-env name=PATH::/tmp\n"
               "##[add-path]/tmp %0A::warning::also ::stop-commands::tok")
    path = "k8s/a,title=x:y::z\n::error::p.yaml"  # file names may hold all of these
    findings = [finding("LB001", Severity.HIGH, path=path, line=2, message=hostile),
                finding("ING007", Severity.LOW, path="k8s/b.yaml", line=3, message="::notice::x")]
    text = github_report.render(result(findings, tmp_path), RenderOptions())
    assert len(text.splitlines()) == 3  # two annotations and the summary, nothing else
    assert runner_commands(text) == [
        ("error", {"file": path, "line": "2", "endLine": "2", "col": "1",
                   "title": "LB001 some-rule (high)"}, hostile),
        ("notice", {"file": "k8s/b.yaml", "line": "3", "endLine": "3", "col": "1",
                    "title": "ING007 some-rule (low)"}, "::notice::x"),
    ]


def test_the_runner_model_reads_injected_commands() -> None:
    """The parser above is not trivially empty: unescaped text does inject."""
    raw = "::error file=a::ok\n::set-env name=PATH::/tmp\nlog ##[add-path]/tmp"
    assert [name for name, _, _ in runner_commands(raw)] == ["error", "set-env", "add-path"]
