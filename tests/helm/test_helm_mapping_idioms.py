"""Source mapping of common chart idioms met in published charts (regressions)."""

from __future__ import annotations

from pathlib import Path

from iacguard.plugin import Plugins

from helpers import scan, write

CHART = "apiVersion: v2\nname: agent\nversion: 0.1.0\n"
VALUES = """\
securityContext:
  privileged: true
  runAsUser: 0
sidecar:
  enabled: true
"""
# Two containers written in one template share `image:` and `securityContext:` key chains;
# the securityContext comes from the `with` + `toYaml .` idiom of `helm create`.
DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
spec:
  selector:
    matchLabels: {app: agent}
  template:
    metadata:
      labels: {app: agent}
    spec:
      containers:
        - name: agent
          {{- with .Values.securityContext }}
          securityContext:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          image: {{ printf "%s:%s" "registry.example/agent" "latest" }}
        {{- if .Values.sidecar.enabled }}
        - name: sidecar
          securityContext:
            privileged: true
          image: {{ printf "%s" "registry.example/sidecar:1.0" }}
        {{- end }}
"""


def _chart(tmp_path: Path) -> Path:
    return write(tmp_path / "agent", {"Chart.yaml": CHART, "values.yaml": VALUES,
                                      "templates/deployment.yaml": DEPLOYMENT})


def test_fields_of_two_containers_in_one_template_map_to_their_own_lines(
        plugins: Plugins, tmp_path: Path) -> None:
    result, _ = scan(plugins, _chart(tmp_path), select=["IMG001", "PSC001"])
    found = sorted((f.location.path, f.location.start_line, f.location.precision, f.rule_id)
                   for f in result.findings)
    assert found == [
        ("templates/deployment.yaml", 18, "exact", "IMG001"),  # agent's image line
        ("templates/deployment.yaml", 22, "exact", "PSC001"),  # the sidecar's own field
        ("values.yaml", 2, "exact", "PSC001"),  # pasted from values with `toYaml .`
    ], found


def test_with_values_paste_points_at_the_values_line(plugins: Plugins, tmp_path: Path) -> None:
    result, _ = scan(plugins, _chart(tmp_path), select=["PSC002"])
    agent = [f for f in result.findings if "agent" in f.message and "sidecar" not in f.message]
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in agent] == [
        ("values.yaml", 3, "exact")]


def test_items_of_a_list_template_map_to_their_lines(plugins: Plugins, tmp_path: Path) -> None:
    # `kind: List` templates (extra objects, dashboards) with Windows line endings.
    template = ("---\r\n# two objects in one List\r\napiVersion: v1\r\nkind: List\r\nitems:\r\n"
                "  - apiVersion: v1\r\n    kind: ConfigMap\r\n    metadata:\r\n      name: settings\r\n"
                "  - apiVersion: v1\r\n    kind: Service\r\n    metadata:\r\n"
                "      name: {{ .Values.name }}\r\n    spec:\r\n      type: {{ .Values.type }}\r\n")
    chart = write(tmp_path / "extras", {"Chart.yaml": CHART.replace("agent", "extras"),
                                        "values.yaml": "name: edge\ntype: LoadBalancer\n",
                                        "templates/list.yaml": template})
    result, _ = scan(plugins, chart, select=["LB001"])
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in result.findings] == [
        ("values.yaml", 2, "exact")]


def test_rules_written_out_in_full_map_to_their_own_block(plugins: Plugins, tmp_path: Path) -> None:
    # Every rule has the same keys; only their values tell the template blocks apart.
    template = """\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: unsealer
  labels: {{- include "labels" . | nindent 4 }}
rules:
  - apiGroups:
      - bitnami.com
    resources:
      - sealedsecrets
    verbs:
      - get
  - apiGroups:
      - ""
    resources:
      - secrets
    verbs:
      - get
      - list
  {{- if .Values.extra }}
  - apiGroups:
      - ""
    resources:
      - namespaces
    verbs:
      - get
  {{- end }}
"""
    chart = write(tmp_path / "rbac", {
        "Chart.yaml": CHART.replace("agent", "rbac"), "values.yaml": "extra: false\n",
        "templates/_helpers.tpl": '{{- define "labels" -}}\napp: rbac\n{{- end }}\n',
        "templates/role.yaml": template})
    result, _ = scan(plugins, chart, select=["RBAC006"])
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in result.findings] == [
        ("templates/role.yaml", 15, "exact")]


def test_objects_written_in_values_map_to_the_values_file(plugins: Plugins, tmp_path: Path) -> None:
    # The `extraObjects` idiom: the template pastes whole objects from values with `tpl`.
    values = """\
extraObjects:
  - apiVersion: v1
    kind: ConfigMap
    metadata:
      name: "{{ .Release.Name }}-settings"
    data:
      LOG_LEVEL: debug
      DB_PASSWORD: hunter2hunter2
"""
    chart = write(tmp_path / "extras", {
        "Chart.yaml": CHART.replace("agent", "extras"), "values.yaml": values,
        "templates/extra.yaml": ("{{- range .Values.extraObjects }}\n---\n"
                                 "{{ tpl (toYaml .) $ }}\n{{- end }}\n")})
    result, _ = scan(plugins, chart, select=["SEC002"])
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in result.findings] == [
        ("values.yaml", 8, "exact")]


def test_packaged_subchart_field_set_by_the_parent_maps_to_its_values(
        plugins: Plugins, tmp_path: Path) -> None:
    import helm_python as helm

    sub = write(tmp_path / "build" / "sub", {
        "Chart.yaml": "apiVersion: v2\nname: sub\nversion: 0.2.0\n",
        "values.yaml": "service:\n  type: ClusterIP\n",
        "templates/svc.yaml": ("apiVersion: v1\nkind: Service\nmetadata:\n  name: sub\nspec:\n"
                               "  type: {{ .Values.service.type }}\n  ports:\n    - port: 80\n")})
    umbrella = write(tmp_path / "scan" / "umbrella", {
        "Chart.yaml": ("apiVersion: v2\nname: umbrella\nversion: 1.0.0\ndependencies:\n"
                       "  - name: sub\n    version: 0.2.0\n    repository: file://../sub\n"),
        "values.yaml": "# the subchart's Service, made public\nsub:\n  service:\n    type: LoadBalancer\n"})
    (umbrella / "charts").mkdir()
    helm.package(str(sub), destination=str(umbrella / "charts"))  # as `helm dependency build`
    result, _ = scan(plugins, umbrella, select=["LB001"])
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in result.findings] == [
        ("values.yaml", 4, "exact")]


def test_objects_named_inside_actions_find_their_region_by_their_values(
        plugins: Plugins, tmp_path: Path) -> None:
    # Bitnami style: a licence comment on top, names built by `printf` (nothing literal to
    # tell the objects apart by name), a conditional object in the middle not rendered.
    template = """\
{{- /*
Copyright Example, Inc. All Rights Reserved.
SPDX-License-Identifier: APACHE-2.0
*/}}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ printf "%s-public" .Release.Name }}
spec:
  tls:
    - hosts: [shop.example.com]
  rules:
    - host: shop.example.com
{{- if .Values.admin }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ printf "%s-admin" .Release.Name }}
spec:
  rules:
    - host: admin.example.com
{{- end }}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ printf "%s-status" .Release.Name }}
spec:
  rules:
    - host: status.example.com
"""
    chart = write(tmp_path / "web", {"Chart.yaml": CHART.replace("agent", "web"),
                                     "values.yaml": "admin: false\n",
                                     "templates/ingresses.yaml": template})
    result, _ = scan(plugins, chart, select=["ING005"])
    assert [(f.location.path, f.location.start_line, f.location.precision) for f in result.findings] == [
        ("templates/ingresses.yaml", 29, "exact")]


def test_template_comments_write_no_keys() -> None:
    from iacguard_builtin.helm.sourcemap import template_regions

    text = ('{{- /*\nSPDX-License-Identifier: APACHE-2.0\n*/}}\n{{/* note: one line */}}\n'
            "kind: ConfigMap\n{{- /* key: inside\n   still: inside */ -}}\ndata:\n  a: b\n")
    [region] = template_regions(text)
    assert [(k.line, k.chain) for k in region] == [(5, ("kind",)), (8, ("data",)), (9, ("data", "a"))]
