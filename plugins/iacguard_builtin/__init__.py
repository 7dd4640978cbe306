"""The built-in plugins, one subpackage each.

They register through the `iacguard` entry-point group exactly as third-party plugins do, and
use each other only through a subpackage's public `api` module or the `cloud` library (enforced
by tests/test_layering.py). Nothing is imported here: loading one plugin loads no other.
"""
