"""Which kustomization references are remote: refused before anything is built.

kustomize accepts many spellings of a remote base, and kubectl strips `git::` and hands the
rest to git, which may run ssh, which resolves an attacker-chosen host name (a DNS channel
out of CI). Every form kustomize's loader knows is recognised here.
"""

from __future__ import annotations

import re

_FORMS = [
    r"^git::",  # go-getter forced git: git::ssh://, git::https://, git::git@host:org/repo
    r"^[a-z][a-z0-9+.-]*::",  # any go-getter forcing (hg::, s3::, gcs::)
    r"^[a-z][a-z0-9+.-]*://",  # https://, ssh://, git://, file:// (fetches through git)
    r"^gh:",  # kustomize's GitHub shorthand
    r"^(?:www\.)?(?:github|gitlab|bitbucket)\.(?:com|org)[/:]",
    r"^[\w.~-]+@[\w.-]+:",  # scp-like: git@host:org/repo, user@host:path
    r"^[\w-]+(?:\.[\w-]+)+/[\w.~-]+/[\w.~-]+\.git(?:[/?#]|$)",  # host.tld/org/repo.git
    r"\?(?:.*&)?(?:ref|version|timeout|submodules)=",  # query parameters of a repo URL
    r"\.git//",  # repo.git//subdirectory
    r"^[\w-]+(?:\.[\w-]+)+/[^/].*//",  # host.tld/org/repo//subdirectory
]
REMOTE = re.compile("|".join(f"(?:{form})" for form in _FORMS), re.IGNORECASE)


def is_remote(reference: str) -> bool:
    return REMOTE.search(reference.strip()) is not None
