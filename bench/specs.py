#!/usr/bin/env python3
"""Derive the benchmark's spec files from the sample feature pipeline (standard library only).

    python3 bench/specs.py convert DATA_DIR   # DATA_DIR/convert.sluice.json: generated CSV -> Parquet
    python3 bench/specs.py bench DATA_DIR OUT_SPEC

`convert` keeps the pipeline's own source nodes (the same read_csv params: text amount and
ordered_at, the same null strings), pointed at the generated CSV, and writes each one to
DATA_DIR/<node id>.parquet, so the Parquet files hold exactly the rows and types the pipeline's
sources would produce. `bench` writes the pipeline with its sources reading those Parquet files
(read_parquet, same ids) and its sinks writing into the folder of a new param `out`; every other
node is unchanged.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PIPELINE = os.path.join(ROOT, "sample_data", "pipelines", "customer_features.sluice.json")
SOURCE_KINDS = {"read_csv", "read_parquet", "read_json"}
SINK_KINDS = {"write_parquet", "write_csv"}


def load_pipeline():
    with open(PIPELINE, encoding="utf-8") as f:
        return json.load(f)


def sources(spec):
    return [n for n in spec["nodes"] if n["kind"] in SOURCE_KINDS]


def source_file(spec, node, csv_dir):
    """The absolute path of a source's file, with `${data}` meaning the generated CSV folder.

    Paths that do not use `${data}` (fx_rates.csv, written by hand) stay relative to the
    pipeline's own folder, as when the sample pipeline runs.
    """
    path = node["params"]["path"]
    if "${data}" in path:
        return path.replace("${data}", csv_dir)
    path = re.sub(r"\$\{(\w+)\}", lambda m: str(spec["params"][m.group(1)]["default"]), path)
    return os.path.normpath(os.path.join(os.path.dirname(PIPELINE), path))


def convert_spec(data_dir):
    spec = load_pipeline()
    csv_dir = os.path.join(data_dir, "csv")
    nodes = []
    for node in sources(spec):
        read = {"id": node["id"], "kind": node["kind"], "params": dict(node["params"])}
        read["params"]["path"] = source_file(spec, node, csv_dir)
        # An empty order_by keeps the file order (order ids rising with time, duplicates
        # scattered after their originals) instead of sorting by every column.
        write = {
            "id": f"write_{node['id']}",
            "kind": "write_parquet",
            "inputs": {"input": node["id"]},
            "params": {"path": f"{node['id']}.parquet", "order_by": []},
        }
        nodes += [read, write]
    return {"version": 1, "name": "bench_convert", "nodes": nodes}


def bench_spec(data_dir):
    spec = load_pipeline()
    spec["name"] = spec["name"] + "_bench"
    spec["params"]["data"]["default"] = data_dir
    spec["params"]["out"] = {
        "type": "string",
        "default": "out",
        "description": "Folder the outputs are written to (one per benchmark run).",
    }
    for node in spec["nodes"]:
        if node["kind"] in SOURCE_KINDS:
            node["kind"] = "read_parquet"
            node["params"] = {"path": "${data}/" + node["id"] + ".parquet"}
        elif node["kind"] in SINK_KINDS:
            node["params"]["path"] = "${out}/" + os.path.basename(node["params"]["path"])
    return spec


def write_json(path, value):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(value, f, indent=2)
        f.write("\n")


def main(argv):
    if len(argv) == 3 and argv[1] == "convert":
        data_dir = os.path.abspath(argv[2])
        write_json(os.path.join(data_dir, "convert.sluice.json"), convert_spec(data_dir))
    elif len(argv) == 4 and argv[1] == "bench":
        write_json(argv[3], bench_spec(os.path.abspath(argv[2])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
