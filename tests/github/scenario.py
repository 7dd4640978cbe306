"""Findings as the `pr` command would hand them to the platform, and one publish run."""

from __future__ import annotations

from iacguard_builtin.github.platform import GitHubPlatform

from iacguard.review import PublishReport, ReviewComment, publish

A = "aaaa0001"
B = "bbbb0002"
C = "cccc0003"
D = "dddd0004"
X = "eeee0005"


def finding(fingerprint: str, path: str, line: int | None, start: int | None = None,
            body: str | None = None) -> ReviewComment:
    return ReviewComment(fingerprint=fingerprint, path=path, old_path=path, line=line,
                         start_line=start,
                         body=body or f"**LB001** Service shop/frontend is exposed \\({fingerprint}\\)")


def summary(report: PublishReport) -> str:
    posted = ", ".join(f"{o.fingerprint}={o.posted}" for o in report.outcomes) or "-"
    return (f"## iacguard\n\nhead {report.refs.head_sha[:12]}\nposted: {posted}\n"
            f"already: {', '.join(report.already) or '-'}\nfixed: {', '.join(report.fixed) or '-'}\n")


def run(platform: GitHubPlatform, comments: list[ReviewComment],
        current: set[str] | None = None) -> PublishReport:
    fingerprints = {c.fingerprint for c in comments} if current is None else current
    return publish(platform, comments, fingerprints, summary, key="iacguard")
