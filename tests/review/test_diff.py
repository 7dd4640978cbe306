"""The `git diff` parser on hand-written diffs: hunks, line numbers on both sides, renames,
new, deleted and binary files, quoted names, and the end-of-file marker."""

from __future__ import annotations

import pytest
from iacguard_builtin.review.diff import DiffError, FileDiff, by_head_path, parse, unquote

MODIFIED = """\
diff --git a/main.tf b/main.tf
index 1111111..2222222 100644
--- a/main.tf
+++ b/main.tf
@@ -2,4 +2,5 @@ resource "google_container_cluster" "shop" {
   name     = "shop"
-  location = "europe-west1"
+  location = "europe-west4"
+  description = "shop"
   private_cluster_config {
     enable_private_nodes = true
@@ -20,5 +21,3 @@ variable "x" {
 a
-b
-c
 d
 e
"""


def test_modified_file_two_hunks_with_numbers_on_both_sides() -> None:
    (f,) = parse(MODIFIED)
    assert (f.path, f.old_path, f.status, f.binary) == ("main.tf", "main.tf", "modified", False)
    first, second = f.hunks
    assert (first.old_start, first.old_count, first.new_start, first.new_count) == (2, 4, 2, 5)
    assert first.added == (3, 4)
    assert first.deleted == (3,)
    assert dict(first.context) == {2: 2, 5: 4, 6: 5}
    assert first.deletion_points == ()  # a replacement: the added lines carry it
    assert first.touched == (3, 4)
    # A pure deletion touches the head line after it.
    assert second.added == ()
    assert second.deleted == (21, 22)
    assert dict(second.context) == {21: 20, 22: 23, 23: 24}
    assert second.deletion_points == (22,)
    assert second.touched == (22,)


def test_deletion_at_the_end_of_a_hunk_touches_the_line_before() -> None:
    text = ("diff --git a/x.yaml b/x.yaml\n--- a/x.yaml\n+++ b/x.yaml\n"
            "@@ -1,3 +1,2 @@\n a: 1\n b: 2\n-c: 3\n")
    (f,) = parse(text)
    assert f.hunks[0].deletion_points == (2,)
    assert dict(f.hunks[0].context) == {1: 1, 2: 2}


def test_new_deleted_renamed_and_binary_files() -> None:
    text = """\
diff --git a/k8s/new.yaml b/k8s/new.yaml
new file mode 100644
index 0000000..3333333
--- /dev/null
+++ b/k8s/new.yaml
@@ -0,0 +1,2 @@
+kind: Service
+metadata: {name: web}
diff --git a/old.tf b/old.tf
deleted file mode 100644
index 4444444..0000000
--- a/old.tf
+++ /dev/null
@@ -1 +0,0 @@
-locals {}
diff --git a/charts/a/values.yaml b/charts/b/values.yaml
similarity index 90%
rename from charts/a/values.yaml
rename to charts/b/values.yaml
index 5555555..6666666 100644
--- a/charts/a/values.yaml
+++ b/charts/b/values.yaml
@@ -1,2 +1,2 @@
 service:
-  type: ClusterIP
+  type: LoadBalancer
diff --git a/moved.tf b/kept/moved.tf
similarity index 100%
rename from moved.tf
rename to kept/moved.tf
diff --git a/logo.png b/logo.png
new file mode 100644
index 0000000..7777777
Binary files /dev/null and b/logo.png differ
diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
"""
    files = parse(text)
    assert [(f.path, f.old_path, f.status, f.binary) for f in files] == [
        ("k8s/new.yaml", None, "added", False),
        (None, "old.tf", "deleted", False),
        ("charts/b/values.yaml", "charts/a/values.yaml", "renamed", False),
        ("kept/moved.tf", "moved.tf", "renamed", False),
        ("logo.png", None, "added", True),
        ("run.sh", "run.sh", "modified", False),
    ]
    new, deleted, renamed, moved, _, _ = files
    assert new.hunks[0].added == (1, 2) and new.hunks[0].old_start == 0
    assert deleted.hunks[0].deleted == (1,) and deleted.hunks[0].touched == ()
    assert renamed.hunks[0].added == (2,) and dict(renamed.hunks[0].context) == {1: 1}
    assert moved.hunks == ()
    assert sorted(by_head_path(files)) == ["charts/b/values.yaml", "k8s/new.yaml",
                                           "kept/moved.tf", "logo.png", "run.sh"]


def test_no_newline_at_end_of_file_on_either_side() -> None:
    text = """\
diff --git a/a.tf b/a.tf
--- a/a.tf
+++ b/a.tf
@@ -1,2 +1,2 @@
 x = 1
-y = 2
\\ No newline at end of file
+y = 3
\\ No newline at end of file
"""
    (f,) = parse(text)
    assert (f.old_no_newline, f.new_no_newline) == (True, True)
    assert f.hunks[0].added == (2,) and f.hunks[0].deleted == (2,)
    only_new = text.replace("-y = 2\n\\ No newline at end of file\n", "-y = 2\n")
    (g,) = parse(only_new)
    assert (g.old_no_newline, g.new_no_newline) == (False, True)


def test_quoted_names_and_names_with_spaces() -> None:
    text = """\
diff --git "a/k8s/t\\tab.yaml" "b/k8s/t\\tab.yaml"
--- "a/k8s/t\\tab.yaml"
+++ "b/k8s/t\\tab.yaml"
@@ -1 +1 @@
-a: 1
+a: 2
diff --git a/my dir/main.tf b/my dir/main.tf
--- a/my dir/main.tf\t
+++ b/my dir/main.tf\t
@@ -1 +1 @@
-a = 1
+a = 2
diff --git a/über.png b/über.png
index 1..2 100644
Binary files a/über.png and b/über.png differ
diff --git "a/t\\\\b \\"q\\".png" "b/t\\\\b \\"q\\".png"
Binary files "a/t\\\\b \\"q\\".png" and "b/t\\\\b \\"q\\".png" differ
"""
    assert [f.path for f in parse(text)] == ["k8s/t\tab.yaml", "my dir/main.tf", "über.png",
                                             't\\b "q".png']
    assert unquote('"caf\\303\\251"') == "café"
    assert unquote("plain") == "plain"


def test_an_empty_context_line_is_kept_and_form_feeds_are_content() -> None:
    # Some tools strip the space of an empty context line; \x0c inside a line is no break.
    text = ("diff --git a/a.yaml b/a.yaml\n--- a/a.yaml\n+++ b/a.yaml\n"
            "@@ -1,3 +1,3 @@\n a: 1\n\n-b: \x0c2\n+b: 3\n")
    (f,) = parse(text)
    assert dict(f.hunks[0].context) == {1: 1, 2: 2} and f.hunks[0].added == (3,)


@pytest.mark.parametrize("text", [
    "@@ -1 +1 @@\n-a\n+b\n",  # no file header
    "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1,2 +1,2 @@\n-a\n+b\n",  # hunk cut short
    "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -1 +1 @@\n+b\n+c\n",  # more lines than counted
    "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -x +1 @@\n",  # bad header
])
def test_unreadable_diffs_are_errors_not_guesses(text: str) -> None:
    with pytest.raises(DiffError):
        parse(text)


def test_empty_diff() -> None:
    assert parse("") == []
    assert isinstance(parse(MODIFIED)[0], FileDiff)
