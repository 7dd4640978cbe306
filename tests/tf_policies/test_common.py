"""The shared helpers: values with their origin, and CIDR judgement."""

from __future__ import annotations

import pytest
from iacguard_builtin.cloud.cidrs import is_world
from iacguard_builtin.cloud.ports import port_range
from iacguard_builtin.cloud.settings import attr, fmt
from iacguard_builtin.tf_policies.common import CidrPolicy
from pydantic import ValidationError

from iacguard.values import Unknown
from tf_policies.builder import tf


def test_attr_reports_value_and_origin() -> None:
    res = tf("aws_lb", "a", {"internal": False, "tags": {"env": "prod"}},
             provenance={"tags": "tfvars prod.tfvars:3"})
    assert attr(res, ("internal",), False).describe() == "internal = false (literal)"
    assert attr(res, ("idle_timeout",), 60).describe() == "idle_timeout = 60 (provider default)"
    assert attr(res, ("tags", "env")).describe() == 'tags.env = "prod" (tfvars prod.tfvars:3)'
    nested = attr(res, ("access_logs", 0, "enabled"), False)
    assert nested.at == () and not nested.present


def test_unknown_values_are_shown_with_their_reason() -> None:
    res = tf("aws_lb", "a", {"internal": Unknown("var.internal has no value")})
    setting = attr(res, ("internal",), False)
    assert setting.flag() is None and setting.unknown
    assert setting.describe() == "internal = (unknown: var.internal has no value)"
    assert fmt(["a", True, None]) == '["a", true, null]'


def test_world_and_ports() -> None:
    assert all(is_world(v) for v in ("0.0.0.0/0", "::/0", "*", "Internet", " any "))
    assert not any(is_world(v) for v in ("0.0.0.0/1", "10.0.0.0/8", "VirtualNetwork"))
    assert port_range("20-30") == (20, 30) and port_range("*") == (0, 65535)
    assert port_range(22) == (22, 22) and port_range("ssh") is None


def test_cidr_policy_judgement() -> None:
    default = CidrPolicy()
    assert default.judge("84.17.33.4/32") is None
    assert default.judge("172.16.0.0/12") is None  # private: not internet exposure
    assert default.judge("52.0.0.0/15") is not None
    assert default.judge("2a00:1450::/32") is not None
    assert default.judge("2a00:1450:4001::/48") is None
    assert default.judge("not-a-cidr") == '"not-a-cidr" is not a CIDR'
    approved = CidrPolicy(approved_cidrs=["84.17.32.0/20", "2a00:1450::/32"])
    assert approved.judge("84.17.33.0/24") is None
    assert approved.judge("2a00:1450:4001::/48") is None
    assert approved.judge("84.17.0.0/16") is not None  # wider than the approved /20


def test_approved_cidrs_are_validated() -> None:
    with pytest.raises(ValidationError, match="not CIDRs: office"):
        CidrPolicy(approved_cidrs=["84.17.32.0/20", "office"])
