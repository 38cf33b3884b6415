"""One decoding step in ONNX Runtime beside the engine in use (`decoder.py`): the measurement behind README ›
Performance › "The two ratio targets pull against each other". Not part of the product; it needs two extra wheels:

    pip install onnxruntime onnx
    python benchmarks/onnx_step.py [--rows 1 2 16] [--cached 300] [--prefill 500]

The bundled model's step is built as one ONNX graph: `LayerNormalization`, `MatMulNBits` (8-bit weights, int8
activations) or a plain fp32 `MatMul`, and `GroupQueryAttention` with rotary positions, on a key/value buffer that
past and present share (bound in place, so a step copies no cache). Cross-attention reads the text keys and values
that `DecodeSession` folds: one text for all rows, as in one prompt's samples without guidance. Each engine fills
its own cache with the same tokens; a timed step rebinds its inputs and reads its logits back, as a decoding loop
would. The script prints each step's time, how far its logits are from torch's fp32 ones, and a full recompute of
``--prefill`` tokens (the last one's logits) in each engine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

import numpy as np
import torch

try:
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
except ImportError:
    sys.exit("this benchmark needs ONNX Runtime: pip install onnxruntime onnx")

from musicgen_symbolic.decoder import DecodeSession, FastDecoder
from musicgen_symbolic.model import MusicTransformer
from musicgen_symbolic.pipeline import MusicGenSymbolic

TEXT_LENGTH = 20
SCORED = 64  # positions whose next-token distributions are compared


class GraphBuilder:
    """Nodes and initialisers of one ONNX graph, named as they are added."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initialisers: list[onnx.TensorProto] = []

    def const(self, name: str, array: np.ndarray) -> str:
        self.initialisers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(self, op: str, inputs: list[str], outputs: list[str], domain: str = "", **attributes: object) -> str:
        self.nodes.append(helper.make_node(op, inputs, outputs, domain=domain, **attributes))
        return outputs[0]

    def linear(self, x: str, weight: torch.Tensor, name: str, bits: int) -> str:
        w = weight.detach().float().numpy()
        if not bits:
            return self.node("MatMul", [x, self.const(name + "_t", w.T)], [name])
        n, k = w.shape
        block = min(32, k)
        blocks = w.reshape(n, k // block, block)
        scales = np.abs(blocks).max(-1) / 127 + 1e-12
        quantised = (np.round(blocks / scales[..., None]) + 128).clip(0, 255).astype(np.uint8)
        inputs = [x, self.const(name + "_q", quantised), self.const(name + "_s", scales.astype(np.float32).ravel())]
        attributes = {"K": k, "N": n, "bits": 8, "block_size": block, "accuracy_level": 4}
        return self.node("MatMulNBits", inputs, [name], "com.microsoft", **attributes)

    def norm(self, x: str, module: torch.nn.LayerNorm, name: str) -> str:
        weight = self.const(name + "_w", module.weight.detach().float().numpy())
        bias = self.const(name + "_b", module.bias.detach().float().numpy())
        return self.node("LayerNormalization", [x, weight, bias], [name], axis=-1, epsilon=module.eps)


def step_graph(
    model: MusicTransformer, rotation: torch.Tensor, rows: int, capacity: int, bits: int, last_only: bool = False
) -> bytes:
    """``T`` new tokens per row (a step: 1) as a serialised ONNX model: their logits, or only the last one's."""
    config = model.config
    H, G, hd, C = config.n_head, config.kv_heads, config.head_dim, config.d_model
    g = GraphBuilder()
    cache = [rows, G, capacity, hd]
    value = helper.make_tensor_value_info
    inputs = [
        value("ids", TensorProto.INT64, [rows, "T"]),
        value("seqlens_k", TensorProto.INT32, [rows]),
        value("total", TensorProto.INT32, []),
        value("cross_bias", TensorProto.FLOAT, [1, 1, H * TEXT_LENGTH]),
    ]
    outputs = [value("logits", TensorProto.FLOAT, [rows, 1 if last_only else "T", config.vocab_size])]
    g.const("cos", rotation.real.numpy())
    g.const("sin", rotation.imag.numpy())
    g.const("split", np.array([H * hd, G * hd, G * hd], np.int64))
    g.const("by_head", np.array([rows, -1, H, TEXT_LENGTH], np.int64))
    g.const("flat", np.array([rows, -1, H * TEXT_LENGTH], np.int64))
    x = g.node("Gather", [g.const("embedding", model.token_embedding.weight.detach().numpy()), "ids"], ["x"])
    for i, block in enumerate(model.blocks):
        inputs += [value(f"past_{kind}{i}", TensorProto.FLOAT, cache) for kind in "kv"]
        inputs += [value(f"cross_keys{i}", TensorProto.FLOAT, [1, C, H * TEXT_LENGTH])]
        inputs += [value(f"cross_values{i}", TensorProto.FLOAT, [1, H * TEXT_LENGTH, C])]
        outputs += [value(f"present_{kind}{i}", TensorProto.FLOAT, cache) for kind in "kv"]
        qkv = g.linear(g.norm(x, block.ln_self, f"norm_self{i}"), block.self_attn.qkv.weight, f"qkv{i}", bits)
        q, k, v = f"q{i}", f"k{i}", f"v{i}"
        g.node("Split", [qkv, "split"], [q, k, v], axis=-1)
        attention_inputs = [q, k, v, f"past_k{i}", f"past_v{i}", "seqlens_k", "total", "cos", "sin"]
        attention_outputs = [f"attention{i}", f"present_k{i}", f"present_v{i}"]
        attributes = {"num_heads": H, "kv_num_heads": G, "do_rotary": 1, "rotary_interleaved": 1}
        y = g.node("GroupQueryAttention", attention_inputs, attention_outputs, "com.microsoft", **attributes)
        x = g.node("Add", [x, g.linear(y, block.self_attn.proj.weight, f"proj{i}", bits)], [f"x_self{i}"])
        scores = g.node("MatMul", [g.norm(x, block.ln_cross, f"norm_cross{i}"), f"cross_keys{i}"], [f"scores{i}"])
        scores = g.node("Add", [scores, "cross_bias"], [f"biased{i}"])
        weights = g.node("Softmax", [g.node("Reshape", [scores, "by_head"], [f"by_head{i}"])], [f"soft{i}"], axis=-1)
        weights = g.node("Reshape", [weights, "flat"], [f"flat{i}"])
        x = g.node("Add", [x, g.node("MatMul", [weights, f"cross_values{i}"], [f"cross{i}"])], [f"x_cross{i}"])
        up = g.linear(g.norm(x, block.ln_mlp, f"norm_mlp{i}"), block.mlp.up.weight, f"up{i}", bits)
        down = g.linear(g.node("Gelu", [up], [f"gelu{i}"], "com.microsoft"), block.mlp.down.weight, f"down{i}", bits)
        x = g.node("Add", [x, down], [f"x_mlp{i}"])
    if last_only:
        ends = [
            g.const(name, np.array([value], np.int64)) for name, value in (("last", -1), ("end", 2**62), ("axis", 1))
        ]
        x = g.node("Slice", [x, *ends], ["x_last"])
    g.linear(g.norm(x, model.ln_final, "norm_final"), model.lm_head.weight, "logits", bits)
    graph = helper.make_graph(g.nodes, "step", inputs, outputs, g.initialisers)
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)]
    return helper.make_model(graph, opset_imports=opsets).SerializeToString()


class OnnxEngine:
    """A graph with its own key/value buffers (updated in place) and the text a torch session folded."""

    def __init__(self, graph: bytes, session: DecodeSession, threads: int) -> None:
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        try:
            self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 — any failure to build the graph means an unsuitable version
            sys.exit(
                f"ONNX Runtime {ort.__version__} cannot run the step graph (it needs GroupQueryAttention with rotary "
                f"positions and 8-bit MatMulNBits; measured with 1.32): {error}"
            )
        rows, kv_heads, capacity, head_dim = session.kv[0][:, 0].shape
        self.caches = [
            tuple(
                ort.OrtValue.ortvalue_from_numpy(np.zeros((rows, kv_heads, capacity, head_dim), np.float32))
                for _ in "kv"
            )
            for _ in session.kv
        ]
        self.bound = self.session.io_binding()
        self.bound.bind_cpu_input("cross_bias", session.cross_bias.numpy())
        for i, (keys, values) in enumerate(session.cross):
            self.bound.bind_cpu_input(f"cross_keys{i}", keys.numpy())
            self.bound.bind_cpu_input(f"cross_values{i}", values.numpy())
        for i, buffers in enumerate(self.caches):
            for kind, buffer in zip("kv", buffers, strict=True):
                self.bound.bind_ortvalue_input(f"past_{kind}{i}", buffer)
                self.bound.bind_ortvalue_output(f"present_{kind}{i}", buffer)
        self.bound.bind_output("logits")

    def feed(self, ids: np.ndarray, past: int) -> np.ndarray:
        """Append ``ids`` (rows, T) after ``past`` cached tokens, as a decoding loop does; their logits."""
        rows, new = ids.shape
        self.bound.bind_cpu_input("ids", ids)
        self.bound.bind_cpu_input("seqlens_k", np.full(rows, past + new - 1, np.int32))
        self.bound.bind_cpu_input("total", np.array(past + new, np.int32))
        self.bound.bind_output("logits")  # its shape follows T
        self.session.run_with_iobinding(self.bound)
        return self.bound.get_outputs()[-1].numpy()  # the logits only (copy_outputs_to_cpu copies the caches too)


def microseconds(function: Callable[[], object], repeats: int) -> float:
    for _ in range(max(1, repeats // 10)):
        function()
    started = time.perf_counter()
    for _ in range(repeats):
        function()
    return (time.perf_counter() - started) / repeats * 1e6


def kl(reference: torch.Tensor, other: torch.Tensor) -> float:
    """Mean KL divergence (nats) from the reference's next-token distributions (rounding can make it a hair < 0)."""
    p = reference.log_softmax(-1)
    return max(0.0, float((p.exp() * (p - other.log_softmax(-1))).sum(-1).mean()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1, 2, 16], help="rows per step (default 1 2 16)")
    parser.add_argument("--cached", type=int, default=300, help="tokens already in the cache (default 300)")
    parser.add_argument("--prefill", type=int, default=500, help="tokens of the full recompute (default 500)")
    parser.add_argument("--repeats", type=int, default=500, help="steps timed per measure (default 500)")
    args = parser.parse_args()
    model = MusicGenSymbolic.from_pretrained(None).model
    capacity = model.config.max_seq_len
    if not 1 <= args.cached < capacity or not 1 <= args.prefill <= capacity or min(args.rows) < 1:
        parser.error(f"--cached must be 1–{capacity - 1}, --prefill 1–{capacity}, --rows at least 1")
    torch.manual_seed(0)
    torch.set_grad_enabled(False)
    engines = {precision: FastDecoder(model, precision) for precision in ("fp32", "int8")}
    rotation, threads = engines["fp32"].rotation, torch.get_num_threads()
    print(f"ONNX Runtime {ort.__version__}, torch {torch.__version__}, {threads} threads, {args.cached} cached tokens")
    print(f"\nEach engine fills its own cache with the same tokens; KL over the logits of the last {SCORED} of them.")
    print("| engine | rows | step (µs) | KL from fp32 (nats) |\n| --- | --- | --- | --- |")
    for rows in args.rows:
        memory = torch.randn(1, TEXT_LENGTH, model.config.d_text).expand(rows, -1, -1)
        mask = torch.ones(rows, TEXT_LENGTH, dtype=torch.bool)
        tokens = torch.randint(0, model.config.vocab_size, (rows, args.cached + 1))
        scored = min(SCORED, args.cached)
        head, tail = tokens[:, : args.cached - scored], tokens[:, args.cached - scored : args.cached]
        sessions = {precision: engine.start(memory, mask) for precision, engine in engines.items()}
        logits = {}
        for precision, session in sessions.items():
            if head.shape[1]:
                session.feed(head)
            logits[precision] = session.feed(tail)

            def torch_step(session: DecodeSession = session, last: torch.Tensor = tokens[:, -1]) -> None:
                session.truncate(args.cached)
                session.step(last)

            step = microseconds(torch_step, args.repeats)
            print(
                f"| torch ({precision} weights) | {rows} | {step:,.0f} | {kl(logits['fp32'], logits[precision]):.1e} |"
            )
        for bits, label in ((0, "fp32 weights"), (8, "8-bit weights, int8 activations")):
            engine = OnnxEngine(step_graph(model, rotation, rows, capacity, bits), sessions["fp32"], threads)
            if head.shape[1]:
                engine.feed(head.numpy(), 0)
            # one token at a time: GroupQueryAttention takes several new tokens after a cache only at batch 1
            steps = [engine.feed(tail[:, i : i + 1].numpy(), head.shape[1] + i) for i in range(scored)]
            found = torch.from_numpy(np.concatenate(steps, axis=1))
            last = tokens[:, -1:].numpy()
            step = microseconds(lambda e=engine, ids=last: e.feed(ids, args.cached), args.repeats)
            print(f"| ONNX Runtime ({label}) | {rows} | {step:,.0f} | {kl(logits['fp32'], found):.1e} |")
    memory, mask = torch.randn(1, TEXT_LENGTH, model.config.d_text), torch.ones(1, TEXT_LENGTH, dtype=torch.bool)
    tokens = torch.randint(0, model.config.vocab_size, (1, args.prefill))
    print(f"\n| full recompute of {args.prefill} tokens, 1 row, the last one's logits | ms |\n| --- | --- |")
    for precision, engine in engines.items():
        session = engine.start(memory, mask)

        def recompute(session: DecodeSession = session) -> None:
            session.truncate(0)
            session.feed(tokens, all_logits=False)

        print(f"| torch ({precision} weights) | {microseconds(recompute, 10) / 1e3:.1f} |")
    graph = step_graph(model, rotation, 1, capacity, 0, last_only=True)
    engine = OnnxEngine(graph, engines["fp32"].start(memory, mask), threads)
    milliseconds = microseconds(lambda: engine.feed(tokens.numpy(), 0), 10) / 1e3
    print(f"| ONNX Runtime (fp32 weights) | {milliseconds:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
