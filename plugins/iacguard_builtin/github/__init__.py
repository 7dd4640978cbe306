"""GitHub pull requests as a review platform for `iacguard pr` (REST API over httpx); see
`plugin`."""
