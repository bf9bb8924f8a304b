"""Bad input: one line naming the file and the place, exit 2, no traceback, nothing written.

Each case is (name, files to create beside a copy of the seed example, the
command line, words the message must contain).  A file name ending in "/"
makes a folder.  The words name the file (or "command line") and the place:
a key path, a line and column, a template line, an option.  The command
runs in a subprocess so the real console script's output is what is checked.

Permission bits cannot make a path unwritable for root (CI runs as root),
so unwritable outputs are paths whose parent is a regular file.
"""

from __future__ import annotations

import pytest

from badinput import SEED, on_dataset, run_bad_input, seed_with
from conftest import EXAMPLES


# A JSON config whose learning rate is JSON's forbidden NaN; by hand: line 3
# is `  "training": {"learning_rate": NaN, ...` and NaN starts at column 33
# (2 spaces, "training" 10, ": " 2, "{" 1, "learning_rate" 15, ": " 2 = 32).
NAN_JSON = '{\n  "network": {"inputs": 2, "hidden": [2], "outputs": 1},\n  "training": {"learning_rate": NaN, "data": [[1, 2, 3]]}\n}\n'
INLINE = '[network]\ninputs = ["a", "b"]\nhidden = [2]\noutputs = ["z"]\n[training]\n'
# NaN on line 2 at column 30: ' "outputWeights": [[0.5, -1, ' is 1 + 15 + 2 + 2 + 9 = 29 characters.
WEIGHTS_NAN = '{"hiddenWeights": [[[-0.5, -1], [-0.5, 0.5], [1, 0]]], "hiddenBias": [[0.5, 0.5, 0.5]],\n "outputWeights": [[0.5, -1, NaN]], "outputBias": [0.5]}'
DOC = "$1 + 1 = 2$\n"


CASES = [
    ("toml syntax", {"c.toml": "[network\n"}, ["train", "c.toml"], ["c.toml", "line 1"]),
    ("json syntax", {"c.json": '{"network": '}, ["train", "c.json"], ["c.json", "line 1"]),
    ("json top level not an object", {"c.json": "[1, 2]"}, ["train", "c.json"], ["c.json", "top level"]),
    ("unknown section", {"c.toml": SEED + "\n[extra]\nx = 1\n"}, ["train", "c.toml"], ["c.toml", "extra", "unknown section"]),
    ("unknown key", {"c.toml": seed_with("hidden = [3]", "hidden = [3]\nhiden = 2")}, ["train", "c.toml"], ["network.hiden", "unknown key"]),
    ("missing key", {"c.toml": seed_with('outputs = ["z0"]', "")}, ["train", "c.toml"], ["network.outputs", "missing"]),
    ("unknown activation", {"c.toml": seed_with('activation = "sigmoid"', 'activation = "swish"')}, ["train", "c.toml"], ["network.activation", "swish"]),
    ("activation list of wrong length", {"c.toml": seed_with('activation = "sigmoid"', 'activation = ["tanh"]')}, ["train", "c.toml"], ["network.activation", "list of 2"]),
    ("negative learning rate", {"c.toml": seed_with("learning_rate = 0.1", "learning_rate = -0.1")}, ["train", "c.toml"], ["training.learning_rate", "positive"]),
    ("learning rate not a number", {"c.toml": seed_with("learning_rate = 0.1", 'learning_rate = "fast"')}, ["train", "c.toml"], ["training.learning_rate", "number"]),
    ("infinite learning rate", {"c.toml": seed_with("learning_rate = 0.1", "learning_rate = inf")}, ["train", "c.toml"], ["training.learning_rate", "finite"]),
    ("zero epochs", {"c.toml": seed_with("epochs = 1000", "epochs = 0")}, ["train", "c.toml"], ["training.epochs"]),
    ("hidden size zero", {"c.toml": seed_with("hidden = [3]", "hidden = [0]")}, ["train", "c.toml"], ["network.hidden[0]"]),
    ("empty label list", {"c.toml": seed_with('inputs = ["i0", "i1"]', "inputs = []")}, ["train", "c.toml"], ["network.inputs"]),
    ("unknown loss", {"c.toml": seed_with('loss = "mse"', 'loss = "hinge"')}, ["train", "c.toml"], ["training.loss", "hinge"]),
    ("unknown normalisation", {"c.toml": seed_with('method = "zero-to-one"', 'method = "z-score"')}, ["train", "c.toml"], ["normalize.method"]),
    ("wrong weight shapes", {"c.toml": seed_with("hidden = [3]", "hidden = [4]")}, ["train", "c.toml"], ["init-weights-biases.json", "hiddenWeights[0]"]),
    ("weights with a string", {"w.json": '{"hiddenWeights": [[[-0.5, "x"], [-0.5, 0.5], [1, 0]]], "hiddenBias": [[0.5, 0.5, 0.5]], "outputWeights": [[0.5, -1, 0]], "outputBias": [0.5]}',
                               "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w.json"')}, ["train", "c.toml"], ["w.json", "hiddenWeights[0][0][1]", "number"]),
    ("weights missing a key", {"w.json": '{"hiddenWeights": [], "hiddenBias": []}',
                               "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w.json"')}, ["train", "c.toml"], ["w.json", "outputWeights", "missing"]),
    ("min-max wrong length", {"m.json": '{"minInput": [0], "maxInput": [100, 100], "minOutput": [0], "maxOutput": [100]}',
                              "c.toml": seed_with('minmax = "minmax-output-0-100.json"', 'minmax = "m.json"')}, ["train", "c.toml"], ["m.json", "minInput"]),
    ("csv row too short", {"d.csv": "i0,i1,z0\n1,2\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 2"]),
    ("csv non-number", {"d.csv": "i0,i1,z0\n1,2,3\n4,abc,6\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 3, column 3", "abc"]),
    ("csv empty", {"d.csv": "", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "empty"]),
    ("csv header only", {"d.csv": "i0,i1,z0\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "no data rows"]),
    ("csv wrong column count", {"d.csv": "i0,z0\n1,2\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 1", "columns"]),
    ("csv not UTF-8", {"d.csv": b"i0,i1,z0\n1,2,\xff\n", "c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "d.csv"')}, ["train", "c.toml"], ["d.csv", "line 2", "UTF-8"]),
    ("missing dataset file", {"c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "nope.csv"')}, ["train", "c.toml"], ["nope.csv", "no such file"]),
    ("missing config", {}, ["train", "nope.toml"], ["nope.toml", "no such file"]),
    ("bad --epochs", {}, ["train", "--epochs", "ten"], ["--epochs"]),
    ("bad --record", {}, ["train", "--record", "often"], ["--record", "often"]),
    ("--out inside a missing directory", {}, ["train", "--out", "no/such/dir"], ["no/such/dir", "does not exist"]),
    ("predict wrong count", {}, ["predict", "--input", "1,2,3"], ["--input", "3 value"]),
    ("predict non-number", {}, ["predict", "--input", "1,x"], ["--input"]),
    ("test weights of the wrong network", {}, ["test", "--weights", "CLASSIFICATION_WEIGHTS"], ["trained-weights-biases.json", "hiddenWeights"]),
    ("unknown command", {}, ["teach"], ["command line"]),

    # --- config, dataset, weights and min-max files (beyond the cases above)
    ("json config with NaN", {"c.json": NAN_JSON}, ["train", "c.json"], ["c.json", "line 3, column 33", "NaN"]),
    ("toml nan learning rate", {"c.toml": seed_with("learning_rate = 0.1", "learning_rate = nan")}, ["train", "c.toml"], ["c.toml", "training.learning_rate", "finite"]),
    ("config not UTF-8", {"c.toml": b"[network]\ninputs = [\"\xe9\"]\n"}, ["train", "c.toml"], ["c.toml", "line 2, column 12", "UTF-8"]),
    ("config is a directory", {"cfg/": None}, ["train", "cfg"], ["cfg", "is a directory"]),
    ("label with a newline", {"c.toml": seed_with('inputs = ["i0", "i1"]', 'inputs = ["i0", "a\\n# b"]')}, ["train", "c.toml"], ["c.toml", "network.inputs[1]", "one line"]),
    ("label with a comma", {"c.toml": seed_with('outputs = ["z0"]', 'outputs = ["price, USD"]')}, ["train", "c.toml"],
     ["c.toml", "network.outputs[0]", "comma"]),
    ("label not a string", {"c.toml": seed_with('outputs = ["z0"]', 'outputs = [7]')}, ["train", "c.toml"], ["c.toml", "network.outputs[0]", "label"]),
    ("dataset and data both given", {"c.toml": seed_with('dataset = "dataset.csv"', 'dataset = "dataset.csv"\ndata = [[1, 2, 3]]')}, ["train", "c.toml"], ["c.toml", "training", "exactly one"]),
    ("inline row of the wrong length", {"c.toml": INLINE + "data = [[1, 2, 3], [4, 5]]\n"}, ["train", "c.toml"], ["c.toml", "training.data[1]", "3"]),
    ("inline row with a string", {"c.toml": INLINE + 'data = [[1, "two", 3]]\n'}, ["train", "c.toml"], ["c.toml", "training.data[0][1]", "number"]),
    ("inline weights of the wrong shape", {"c.toml": INLINE + 'data = [[1, 2, 3]]\n[init]\nmethod = "inline"\nhiddenWeights = [[[1, 2], [3, 4], [5, 6]]]\n'
                                                   'hiddenBias = [[0, 0]]\noutputWeights = [[1, 1]]\noutputBias = [0]\n'}, ["train", "c.toml"], ["c.toml", "init.hiddenWeights[0]", "2 entries"]),
    ("negative seed", {"c.toml": INLINE + 'data = [[1, 2, 3]]\n[init]\nmethod = "random"\nseed = -1\n'}, ["train", "c.toml"], ["c.toml", "init.seed", "negative"]),
    ("weights with NaN", {"w.json": WEIGHTS_NAN, "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w.json"')}, ["train", "c.toml"], ["w.json", "line 2, column 30", "NaN"]),
    ("weights file is a directory", {"w/": None, "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w"')}, ["train", "c.toml"], ["w", "is a directory"]),
    ("min-max with a string", {"m.json": '{"minInput": ["0", 0], "maxInput": [100, 100], "minOutput": [0], "maxOutput": [100]}',
                               "c.toml": seed_with('minmax = "minmax-output-0-100.json"', 'minmax = "m.json"')}, ["train", "c.toml"], ["m.json", "minInput[0]", "number"]),
    ("min-max with min above max", {"m.json": '{"minInput": [0, 0], "maxInput": [100, 100], "minOutput": [100], "maxOutput": [0]}',
                                    "c.toml": seed_with('minmax = "minmax-output-0-100.json"', 'minmax = "m.json"')}, ["train", "c.toml"], ["m.json", "minOutput[0]", "larger"]),
    ("min-max missing a key", {"m.json": '{"minInput": [0, 0], "maxInput": [100, 100], "minOutput": [0]}',
                               "c.toml": seed_with('minmax = "minmax-output-0-100.json"', 'minmax = "m.json"')}, ["train", "c.toml"], ["m.json", "maxOutput", "missing"]),
    ("csv number with an underscore", {"d.csv": "i0,i1,z0\n1_000,2,3\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 2, column 1", "'1_000'"]),
    ("csv number in Arabic-Indic digits", {"d.csv": "i0,i1,z0\n1,\u0661\u0662,3\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 2, column 3", "not a finite number"]),
    ("predict --input with an underscore", {}, ["predict", "--input", "1_0,2"], ["command line", "--input", "1_0"]),
    # a header must name the config's columns, in order (issue 17)
    ("csv header with swapped columns", {"d.csv": "i1,i0,z0\n98,70,91\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 1", "the header names i1, i0, z0", "inputs i0, i1 then outputs z0"]),
    ("csv with no header row", {"d.csv": "70,98,91\n50,85,60\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 1", "no header row"]),
    ("csv separated by semicolons", {"d.csv": "i0;i1;z0\n70;98;91\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 1", "1 column, the network needs 3", "semicolons"]),
    ("test --data with swapped columns", {"t.csv": "i0,z0,i1\n70,91,98\n"}, ["test", "--data", "t.csv"],
     ["t.csv", "line 1", "the header names i0, z0, i1"]),
    ("predict --data with another header", {"p.csv": "a,b\n70,98\n"}, ["predict", "--data", "p.csv"],
     ["p.csv", "line 1", "the header names a, b", "inputs i0, i1"]),
    ("csv duplicated header", {"d.csv": "i0,i0,z0\n1,2,3\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"], ["d.csv", "line 1", "duplicated", "i0"]),
    ("csv header with an escape sequence", {"d.csv": "i0,\x1b[31mred,z0\n70,98,91\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 1, field 2", "one line of printable text", "\\u001b[31mred"]),
    ("csv form feed inside a field", {"d.csv": "i0,i1,z0\n70,\x0c98,91\n50,85,x\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"],
     ["d.csv", "line 3, column 7", "'x'"]),  # the form feed is blank space around 98, not a line break
    ("csv empty header name", {"d.csv": "i0,,z0\n1,2,3\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"], ["d.csv", "line 1, field 2", "empty"]),
    ("csv infinite value", {"d.csv": "i0,i1,z0\n1,inf,3\n", "c.toml": on_dataset("d.csv")}, ["train", "c.toml"], ["d.csv", "line 2, column 3", "finite"]),
    ("dataset is a directory", {"data/": None, "c.toml": on_dataset("data")}, ["train", "c.toml"], ["data", "is a directory"]),
    ("dataset in a missing directory", {"c.toml": on_dataset("no/such/d.csv")}, ["train", "c.toml"], ["no/such/d.csv", "no such file"]),
    ("report dataset of the wrong width", {"r.csv": "a,b\n1,2\n", "c.toml": seed_with('dataset = "four-rows.csv"', 'dataset = "r.csv"')}, ["report", "c.toml"], ["r.csv", "line 1", "columns"]),

    # --- train's outputs
    ("--out is a regular file", {}, ["train", "--out", "dataset.csv"], ["dataset.csv", "--out must be a directory"]),
    ("--out inside a file", {}, ["train", "--out", "dataset.csv/out"], ["dataset.csv/out", "is a file, not a directory"]),
    ("--out holding a folder named minmax.json", {"out/minmax.json/": None}, ["train", "--out", "out"], ["out/minmax.json", "is a directory"]),
    ("--trace inside a file", {}, ["train", "--trace", "dataset.csv/t.json"], ["dataset.csv/t.json", "is a file, not a directory"]),
    ("--trace is a directory", {"t.json/": None}, ["train", "--trace", "t.json"], ["t.json", "is a directory"]),
    ("--trace of an unknown kind", {}, ["train", "--trace", "t.csv"], ["t.csv", ".json", ".npz"]),
    ("--trace over an input", {}, ["train", "sigmoid.toml", "--trace", "init-weights-biases.json"], ["init-weights-biases.json", "overwrite an input"]),
    ("--trace is the --out folder", {}, ["train", "--out", "t.json", "--trace", "t.json"], ["t.json", "--out"]),
    ("--trace over --out's min-max by another path", {"o/": None}, ["train", "--out", "o", "--trace", "o/../o/minmax.json"],
     ["minmax.json", "would overwrite"]),
    ("--trace over --out's trained.toml", {"o/": None}, ["train", "--out", "o", "--trace", "o/trained.toml"],
     ["o/trained.toml", "would overwrite", "--out"]),
    ("--out holding a folder named training-data.csv", {"o/training-data.csv/": None}, ["train", "--out", "o"],
     ["o/training-data.csv", "is a directory"]),
    ("--out empty", {}, ["train", "--out", ""], ["command line", "--out", "empty name"]),
    ("--trace blank", {}, ["train", "--trace", " "], ["command line", "--trace", "empty name"]),
    ("--record empty", {}, ["train", "--record", ""], ["command line", "--record", "empty name"]),
    ("config empty", {}, ["train", ""], ["command line", "CONFIG", "empty name"]),
    ("test --weights empty", {}, ["test", "--weights", ""], ["command line", "--weights", "empty name"]),
    ("report -o empty", {}, ["report", "-o", ""], ["command line", "--output", "empty name"]),
    ("--epochs zero", {}, ["train", "--epochs", "0"], ["command line", "--epochs", "at least 1"]),
    ("--activation unknown", {}, ["train", "--activation", "swish"], ["--activation", "swish"]),

    # --- integers beyond float64, and nesting beyond Python's recursion limit
    ("learning rate a 401-digit integer", {"c.json": '{"network": {"inputs": 2, "hidden": [3], "outputs": 1}, '
                                                     '"training": {"data": [[1, 2, 3]], "learning_rate": 1' + "0" * 400 + "}}"},
     ["train", "c.json"], ["c.json", "training.learning_rate", "finite"]),
    ("inline data with a 401-digit integer", {"c.toml": INLINE + "data = [[1, 2, 1" + "0" * 400 + "]]\n"}, ["train", "c.toml"],
     ["c.toml", "training.data[0][2]", "finite"]),
    ("weights with a 401-digit integer", {"w.json": WEIGHTS_NAN.replace("NaN", "1" + "0" * 400),
                                          "c.toml": seed_with('file = "init-weights-biases.json"', 'file = "w.json"')},
     ["train", "c.toml"], ["w.json", "outputWeights[0][2]", "finite"]),
    ("toml date as the learning rate", {"c.toml": seed_with("learning_rate = 0.1", "learning_rate = 2024-01-01")}, ["train", "c.toml"],
     ["c.toml", "training.learning_rate", "found 2024-01-01"]),
    ("toml time as a label", {"c.toml": seed_with('outputs = ["z0"]', "outputs = [07:32:00]")}, ["train", "c.toml"],
     ["c.toml", "network.outputs[0]", "found 07:32:00"]),
    ("toml integer of 5,000 digits", {"c.toml": INLINE + "data = [[1, 2, 3]]\nepochs = 1" + "0" * 4999 + "\n"}, ["train", "c.toml"],
     ["c.toml", "more than 4300 digits"]),
    ("json integer of 5,000 digits", {"c.json": '{"network": {"inputs": 2, "hidden": [3], "outputs": 1}, '
                                                '"training": {"data": [[1, 2, 3]], "epochs": 1' + "0" * 4999 + "}}"},
     ["train", "c.json"], ["c.json", "more than 4300 digits"]),
    ("inputs a count of 4,000 digits", {"c.toml": INLINE.replace('inputs = ["a", "b"]', "inputs = 1" + "0" * 3999) + "data = [[1, 2, 3]]\n"},
     ["train", "c.toml"], ["c.toml", "network.hidden", "more than 10^18"]),
    ("epochs of 4,000 digits", {"c.toml": INLINE + "data = [[1, 2, 3]]\nepochs = 1" + "0" * 3999 + "\n"}, ["train", "c.toml"],
     ["c.toml", "training.epochs", "found more than 10^18"]),
    ("json config nested 100,000 deep", {"c.json": '{"network": ' + "[" * 100000 + "]" * 100000 + "}"}, ["train", "c.json"],
     ["c.json", "nested too deeply"]),
    ("toml config nested 100,000 deep", {"c.toml": "[network]\ninputs = " + "[" * 100000 + "]" * 100000 + "\n"}, ["train", "c.toml"],
     ["c.toml", "nested too deeply"]),
    ("min-max nested 5,000 deep", {"m.json": '{"minInput": ' + "[" * 5000 + "]" * 5000 + "}"}, ["test", "--minmax", "m.json"],
     ["m.json", "nested too deeply"]),

    # --- ranges beyond float64: max - min, or a value's distance from min, overflows
    ("dataset column whose range overflows", {"d.csv": "i0,i1,z0\n1.7e308,1,3\n-1.7e308,2,4\n", "c.toml": on_dataset("d.csv")},
     ["train", "c.toml"], ["d.csv", "column i0", "overflows"]),
    ("inline column whose range overflows", {"c.toml": INLINE + "data = [[1, 2, 1.7e308], [1, 3, -1.7e308]]\n"},
     ["train", "c.toml"], ["c.toml (training.data)", "column z", "overflows"]),
    ("report dataset whose range overflows", {"r.csv": "i0,i1,z0\n1,1.7e308,3\n2,-1.7e308,4\n",
                                              "c.toml": seed_with('dataset = "four-rows.csv"', 'dataset = "r.csv"')},
     ["report", "c.toml"], ["r.csv", "column i1", "overflows"]),
    ("min-max whose range overflows", {"m.json": '{"minInput": [-1.7e308, 0], "maxInput": [1.7e308, 100], "minOutput": [0], "maxOutput": [100]}'},
     ["test", "--minmax", "m.json"], ["m.json", "maxInput[0]", "overflows"]),
    ("predict --input far outside a tiny range", {"m.json": '{"minInput": [0, 0], "maxInput": [1e-300, 1], "minOutput": [0], "maxOutput": [100]}'},
     ["predict", "--input", "1e10,1", "--minmax", "m.json"], ["command line", "--input", "i0", "min-max"]),
    ("test --data far outside a tiny range", {"m.json": '{"minInput": [0, 0], "maxInput": [1, 1], "minOutput": [0], "maxOutput": [1e-300]}',
                                              "d.csv": "i0,i1,z0\n1,1,5\n1,1,1e10\n"},
     ["test", "--data", "d.csv", "--minmax", "m.json"], ["d.csv", "row 2", "z0", "min-max"]),

    # --- sizes that would not fit in memory: refused before anything is allocated
    ("epochs beyond the limit", {"c.toml": seed_with("epochs = 1000", "epochs = 100000000000")}, ["train", "c.toml"],
     ["c.toml", "training.epochs", "at most 10,000,000"]),
    ("epochs beyond any array", {"c.json": '{"network": {"inputs": 2, "hidden": [3], "outputs": 1}, '
                                           '"training": {"data": [[1, 2, 3]], "epochs": 100000000000000000000000000000}}'},
     ["train", "c.json"], ["c.json", "training.epochs", "at most"]),
    ("--epochs beyond the limit", {}, ["train", "--epochs", "1000000000000"], ["command line", "--epochs", "at most 10,000,000"]),
    # 2-3-1, 4 rows: a step 8 * (1 + 2 + 1 + 1 + 3 * (3 + 1)) = 136 bytes, and (a keyframe every step, as small as
    # the network is) a keyframe 8 * (1 + 6 + 3 + 3 + 1) = 112: 40,000,000 * 248 bytes = 9.2 GiB
    ("a JSON trace too large for memory", {}, ["train", "four-rows.toml", "--epochs", "10000000", "--trace", "t.json"],
     ["command line", "40,000,000 steps", "9.2 GiB", "--record", ".npz"]),
    ("check --steps beyond the limit", {}, ["check", "--steps", "1000000000"], ["command line", "--steps", "at most 100,"]),
    ("network beyond the limit", {"c.toml": INLINE.replace("hidden = [2]", "hidden = [1000000, 1000000]") + "data = [[1, 2, 3]]\n"},
     ["train", "c.toml"], ["c.toml", "network.hidden", "at most 10,000,000 weights and biases", "1,000,005,000,001"]),  # 2e6+1e6 + 1e12+1e6 + 1e6+1

    # --- test and predict
    ("test --data is a directory", {"data/": None}, ["test", "--data", "data"], ["data", "is a directory"]),
    ("test --data missing", {}, ["test", "--data", "nope.csv"], ["nope.csv", "no such file"]),
    ("test --data duplicated header", {"d.csv": "i0,i1,i1\n1,2,3\n"}, ["test", "--data", "d.csv"], ["d.csv", "line 1", "duplicated"]),
    ("test --data header only", {"d.csv": "i0,i1,z0\r\n"}, ["test", "--data", "d.csv"], ["d.csv", "no data rows"]),
    ("test --data too few columns", {"d.csv": "i0,i1\n1,2\n"}, ["test", "--data", "d.csv"], ["d.csv", "line 1", "needs 3"]),
    ("test --weights is a directory", {"w/": None}, ["test", "--weights", "w"], ["w", "is a directory"]),
    ("test --weights with NaN", {"w.json": WEIGHTS_NAN}, ["test", "--weights", "w.json"], ["w.json", "line 2, column 30", "NaN"]),
    ("test --minmax with a string", {"m.json": '{"minInput": [0, 0], "maxInput": [100, "100"], "minOutput": [0], "maxOutput": [100]}'},
     ["test", "--minmax", "m.json"], ["m.json", "maxInput[1]", "number"]),
    ("test --minmax of the wrong shape", {"m.json": '{"minInput": [[0, 0]], "maxInput": [100, 100], "minOutput": [0], "maxOutput": [100]}'},
     ["test", "--minmax", "m.json"], ["m.json", "minInput", "entries"]),
    ("predict --data missing", {}, ["predict", "--data", "nope.csv"], ["nope.csv", "no such file"]),
    ("predict --data wrong width", {"d.csv": "a,b,c,d\n1,2,3,4\n"}, ["predict", "--data", "d.csv"], ["d.csv", "line 1", "columns"]),
    ("predict --data non-number", {"d.csv": "a,b\n1,2\n3,x\n"}, ["predict", "--data", "d.csv"], ["d.csv", "line 3, column 3", "'x'"]),
    ("predict --input infinite", {}, ["predict", "--input", "1,inf"], ["command line", "--input", "finite"]),
    ("predict without input", {}, ["predict"], ["command line", "--input", "--data"]),
    ("predict --minmax min above max", {"m.json": '{"minInput": [5, 0], "maxInput": [1, 100], "minOutput": [0], "maxOutput": [100]}'},
     ["predict", "--input", "1,2", "--minmax", "m.json"], ["m.json", "minInput[0]", "larger"]),

    # --- report
    ("report --format unknown", {}, ["report", "--format", "docx"], ["command line", "--format", "docx"]),
    ("report pdf without -o", {}, ["report", "--format", "pdf"], ["command line", "--format pdf", "-o"]),
    ("report -o inside a file", {}, ["report", "-o", "dataset.csv/r.md"], ["dataset.csv/r.md", "is a file, not a directory"]),
    ("report -o a directory", {"out/": None}, ["report", "-o", "out"], ["out", "is a directory"]),
    ("report figure name taken by a folder", {"r-loss.svg/": None}, ["report", "-o", "r.md"], ["r-loss.svg", "is a directory"]),
    ("report -o over its dataset", {}, ["report", "sigmoid.toml", "-o", "dataset.csv"], ["dataset.csv", "overwrite an input"]),
    ("report -o over its config", {}, ["report", "sigmoid.toml", "--format", "md", "-o", "sigmoid.toml"], ["sigmoid.toml", "overwrite an input"]),
    ("report -o an unknown extension", {}, ["report", "-o", "r.docx"], ["r.docx", "-o", "unknown extension '.docx'", ".md"]),
    ("report -o r.md --format tex", {}, ["report", "-o", "r.md", "--format", "tex"], ["r.md", "-o", ".md says md", "--format says tex"]),
    ("report -o r.pdf --format html", {}, ["report", "-o", "r.pdf", "--format", "html"], ["r.pdf", "-o", ".pdf says pdf", "--format says html"]),
    ("report -o r.html --format md", {}, ["report", "-o", "r.HTML", "--format", "md"], ["r.HTML", ".HTML says html"]),
    ("gd --svg an unknown extension", {}, ["gd", "x^2 + y^2", "--at", "x=3,y=4", "--svg", "bowl.png"], ["bowl.png", "--svg", "unknown extension '.png'", ".svg"]),
    ("gd --plot an unknown extension", {}, ["gd", "x^2 + y^2", "--at", "x=3,y=4", "--plot", "bowl.pdf"], ["bowl.pdf", "--svg", "'.pdf'"]),
    ("report --digits zero", {}, ["report", "--digits", "0"], ["command line", "--digits", "at least 1"]),
    ("report --digits beyond 30", {}, ["report", "--digits", "10000000"], ["command line", "--digits", "at most 30"]),
    ("gd --digits beyond 30", {}, ["gd", "x^2", "--at", "x=1", "--digits", "31"], ["command line", "--digits", "at most 30"]),
    ("--epochs of 5,000 digits", {}, ["train", "--epochs", "9" * 5000], ["command line", "--epochs", "'99999", "...'", "whole number"]),
    ("report --digits not a number", {}, ["report", "--digits", "four"], ["command line", "--digits", "'four'"]),
    ("report --activation unknown", {}, ["report", "--activation", "softmax"], ["--activation", "softmax"]),
    ("report --template missing", {}, ["report", "--template", "nope"], ["nope", "--template", "directory"]),
    ("report --template is a file", {}, ["report", "--template", "dataset.csv"], ["dataset.csv", "--template", "directory"]),
    ("report --template without its entry", {"tpl/loss.md.j2": "x"}, ["report", "--template", "tpl"], ["tpl", "no report.md.j2"]),
    ("template syntax error", {"tpl/report.md.j2": "# mine\n{% for x in sections %}\n"}, ["report", "--template", "tpl"], ["tpl/report.md.j2", "line 2", "endfor"]),
    ("template reaching for __class__.__mro__", {"tpl/report.md.j2": "{{ ''.__class__.__mro__ }}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 1", "unsafe"]),
    ("template reaching for __globals__", {"tpl/report.md.j2": "ok\n{{ r.__init__.__globals__['os'] }}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 2", "unsafe"]),
    ("template reaching through format()", {"tpl/report.md.j2": "{{ '{0.__class__}'.format(facts) }}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 1", "unsafe"]),
    ("template including a file outside", {"tpl/report.md.j2": "{% include '/etc/hostname' %}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 1", "'/etc/hostname' not found"]),
    ("template with an undefined name", {"tpl/report.md.j2": "{{ nothing_here }}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 1", "nothing_here"]),
    ("template failing at run time", {"tpl/report.md.j2": "a\nb\n{{ 1 / 0 }}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 3", "ZeroDivisionError"]),
    ("template asking for a huge range", {"tpl/report.md.j2": "{% for i in range(10**9) %}{% endfor %}"}, ["report", "--template", "tpl"], ["tpl", "report.md.j2 line 1", "range"]),
    ("template partial with an error", {"tpl/report.md.j2": "{% include 'part.md.j2' %}", "tpl/part.md.j2": "\n{{ facts.__class__ }}"},
     ["report", "--template", "tpl"], ["tpl", "part.md.j2 line 2", "unsafe"]),

    # --- walk
    ("walk --epoch negative", {}, ["walk", "--no-pause", "--epoch", "-1"], ["command line", "--epoch", "negative"]),
    ("walk --epoch past the last", {}, ["walk", "--no-pause", "--epoch", "1000"], ["command line", "--epoch", "999"]),
    ("walk --step past the last row", {}, ["walk", "--no-pause", "--step", "1"], ["command line", "--step", "rows 0 to 0"]),
    ("walk --step not a number", {}, ["walk", "--no-pause", "--step", "x"], ["command line", "--step", "whole number"]),
    ("walk config is a directory", {"cfg/": None}, ["walk", "--no-pause", "cfg"], ["cfg", "is a directory"]),
    ("walk bad config", {"c.toml": seed_with("hidden = [3]", "hidden = [-3]")}, ["walk", "--no-pause", "c.toml"], ["c.toml", "network.hidden[0]"]),

    # --- verify
    ("verify missing DOC", {}, ["verify", "nope.md"], ["nope.md", "no such file"]),
    ("verify no DOC", {}, ["verify"], ["command line", "DOC"]),
    ("verify DOC is a directory", {"docs/": None}, ["verify", "docs"], ["docs", "is a directory"]),
    ("verify DOC not UTF-8", {"doc.md": b"# Title\n\n1 + 1 = \xff\n"}, ["verify", "doc.md"], ["doc.md", "line 3, column 9", "UTF-8"]),
    ("verify --json in a missing folder", {"doc.md": DOC}, ["verify", "doc.md", "--json", "no/such/r.json"], ["no/such/r.json", "does not exist"]),
    ("verify --json inside a file", {"doc.md": DOC}, ["verify", "doc.md", "--json", "doc.md/r.json"], ["doc.md/r.json", "is a file, not a directory"]),
    ("verify --json is a directory", {"doc.md": DOC, "r.json/": None}, ["verify", "doc.md", "--json", "r.json"], ["r.json", "is a directory"]),
    ("verify --json over the DOC", {"doc.md": DOC}, ["verify", "doc.md", "--json", "doc.md"], ["doc.md", "overwrite an input"]),
    ("verify --config missing", {"doc.md": DOC}, ["verify", "doc.md", "--config", "nope.toml"], ["nope.toml", "no such file"]),
    ("verify --config bad", {"doc.md": DOC, "c.toml": seed_with("epochs = 1000", "epochs = 1.5")}, ["verify", "doc.md", "--config", "c.toml"], ["c.toml", "training.epochs", "whole number"]),

    # --- check
    ("check missing config", {}, ["check", "nope.toml"], ["nope.toml", "no such file"]),
    ("check --steps zero", {}, ["check", "--steps", "0"], ["command line", "--steps", "at least 1"]),
    ("check --activation unknown", {}, ["check", "--activation", "gelu"], ["--activation", "gelu"]),
    ("check bad dataset", {"d.csv": "i0,i1,z0\n1,2,3\n4,,6\n", "c.toml": on_dataset("d.csv")}, ["check", "c.toml"], ["d.csv", "line 3, column 3", "empty"]),

    # --- gd: EXPR is parsed, never evaluated as Python
    ("gd __import__", {}, ["gd", "__import__('os').system('touch pwned')", "--at", "x=1"], ["command line", "EXPR column 1"]),
    ("gd attribute access", {}, ["gd", "x.__class__", "--at", "x=1"], ["command line", "EXPR column 2", "'.'"]),
    ("gd lambda", {}, ["gd", "lambda: x", "--at", "x=1"], ["command line", "EXPR column"]),
    ("gd subscript", {}, ["gd", "x[0]", "--at", "x=1"], ["command line", "EXPR column 2", "'['"]),
    ("gd unknown function", {}, ["gd", "eval(x)", "--at", "x=1"], ["command line", "EXPR column 1", "eval"]),
    ("gd too many steps", {}, ["gd", "x^2", "--at", "x=1", "--steps", "100000000"], ["command line", "--steps", "at most"]),
    ("gd huge power", {}, ["gd", "9**9**9**9", "--at", "x=1"], ["command line", "EXPR column", "too large"]),
    ("gd empty", {}, ["gd", " ", "--at", "x=1"], ["command line", "EXPR", "empty"]),
    ("gd --at unknown variable", {}, ["gd", "x^2", "--at", "y=1"], ["command line", "--at", "'y'"]),
    ("gd --at not a number", {}, ["gd", "x^2", "--at", "x=three"], ["command line", "--at", "'three'"]),
    ("gd --at without =", {}, ["gd", "x^2", "--at", "3"], ["command line", "--at", "name=value"]),
    ("gd --at missing", {}, ["gd", "x^2"], ["command line", "--at"]),
    ("gd --lr negative", {}, ["gd", "x^2", "--at", "x=1", "--lr", "-0.1"], ["command line", "--lr", "positive"]),
    ("gd undefined at the start", {}, ["gd", "log(x)", "--at", "x=-1"], ["command line", "--at", "not defined"]),
    ("gd --svg of one variable", {}, ["gd", "x^2", "--at", "x=1", "--svg", "p.svg"], ["command line", "--svg", "two variables"]),
    ("gd --svg inside a file", {}, ["gd", "x^2 + y^2", "--at", "x=1,y=2", "--svg", "dataset.csv/p.svg"], ["dataset.csv/p.svg", "is a file, not a directory"]),
    ("gd --svg is a directory", {"p.svg/": None}, ["gd", "x^2 + y^2", "--at", "x=1,y=2", "--svg", "p.svg"], ["p.svg", "is a directory"]),
]


@pytest.mark.parametrize("name,files,argv,words", CASES, ids=[c[0] for c in CASES])
def test_bad_input(tmp_path, name, files, argv, words):
    argv = [str(EXAMPLES / "classification" / "trained-weights-biases.json") if a == "CLASSIFICATION_WEIGHTS" else a for a in argv]
    run_bad_input(tmp_path, files, argv, words)
