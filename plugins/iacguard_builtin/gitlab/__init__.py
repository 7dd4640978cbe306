"""GitLab: merge-request discussions for `iacguard pr` (the `gitlab` review platform) and the
`--format gitlab` Code Quality report; see `plugin`."""
