"""The commands' words: plurals from one helper, files written named, and what a number means said.

issue 17's "Words": "1 number disagree", "1 checks on 1 lines", "none
normalisation", gd --svg and report -o silent about their files, and train's
"Start loss" differing from iteration 0 on multi-row data unexplained.
"""

from __future__ import annotations

import pytest

from badinput import lay_out, run, seed_with
from tracer.config.files import count_of


@pytest.mark.parametrize("n,noun,plural,expected", [
    (0, "row", None, "0 rows"), (1, "row", None, "1 row"), (2, "row", None, "2 rows"),
    (1000, "epoch", None, "1,000 epochs"), (1, "mismatch", "mismatches", "1 mismatch"),
    (3, "mismatch", "mismatches", "3 mismatches"),
])
def test_count_of(n, noun, plural, expected):
    assert count_of(n, noun, plural) == expected


def test_verify_counts_one_check_and_one_disagreement_in_the_singular(tmp_path):
    (tmp_path / "one.md").write_text("$$ 0.1 \\cdot 0.5 = 0.06 $$\n")  # 0.05, printed 0.06: one slip
    r = run(tmp_path, ["verify", "one.md"])
    assert r.returncode == 1
    assert "1 check on 1 line: 0 ok, 1 slip; 0 not parsed" in r.stdout
    assert r.stderr.strip() == "mlptrace: error: 1 number disagrees: one.md (1)"


def test_train_says_no_normalisation_and_counts_in_words(tmp_path):
    lay_out(tmp_path, {"c.toml": seed_with('method = "zero-to-one"', 'method = "none"')})
    r = run(tmp_path, ["train", "c.toml", "--epochs", "1"])
    assert r.returncode == 0, r.stderr
    assert "no normalisation" in r.stdout and "none normalisation" not in r.stdout
    assert "1 epoch of 1 row\n" in r.stdout and "(s)" not in r.stdout


def test_start_loss_is_explained_where_it_differs_from_iteration_0(tmp_path):
    lay_out(tmp_path, {})
    four = run(tmp_path, ["train", "four-rows.toml", "--epochs", "2"])
    assert "Start loss is the initial weights' mean loss over every row" in four.stdout
    one = run(tmp_path, ["train", "--epochs", "2"])  # one row: start loss and iteration 0 are one number
    assert "Start loss is" not in one.stdout


def test_gd_svg_says_which_file_it_wrote(tmp_path):
    r = run(tmp_path, ["gd", "x^2 + y^2", "--at", "x=3,y=4", "--steps", "2", "--svg", "bowl.svg"])
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "saved bowl.svg"
    assert (tmp_path / "bowl.svg").is_file()


def test_report_o_says_which_files_it_wrote(tmp_path):
    lay_out(tmp_path, {})
    r = run(tmp_path, ["report", "-o", "r.md"])
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    written = {p.name for p in tmp_path.glob("r-*.svg")}
    assert lines[0] == "saved r.md" and len(written) == 3
    assert sorted(lines[1:]) == sorted(f"saved {name}" for name in written)
    # without -o the standard output is the report itself, and nothing else
    r = run(tmp_path, ["report", "--no-figures"])
    assert "saved" not in r.stdout.splitlines()[-1] and r.stdout.startswith("#")
    # a device is no saved file
    r = run(tmp_path, ["report", "--format", "md", "-o", "/dev/null"])
    assert r.returncode == 0 and r.stdout == ""
