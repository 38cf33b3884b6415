"""`musicgen-symbolic train`: AdamW, warm-up + cosine, condition dropout, checkpoints with exact resume.

Every batch row is a crop of one piece starting at a bar line, preceded by a control prefix and a
caption drawn fresh from the piece's attributes (all or some of them, many phrasings). With
probability ``condition_dropout`` the caption and prefix are replaced by the null condition, which
is what classifier-free guidance needs. Runs under ``torchrun --nproc_per_node N`` with
DistributedDataParallel (gloo on CPU, nccl on GPU); only rank 0 writes files.

``init_from`` starts from a trained model folder instead of random weights (fine-tuning, longer
crops), optionally converting it to fewer key/value heads (``model: {"n_kv_head": N}``): the
grouped-query conversion, which then needs a short re-training to recover.
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from .data.captions import choose_mention, describe
from .errors import MusicGenError
from .midi_io import save_midi
from .model import ModelConfig, MusicTransformer, group_key_value_heads
from .pipeline import SIZES, MusicGenSymbolic
from .prompt import parse_prompt
from .text_encoder import TextEncoder, load_text_encoder
from .tokenizer import KIND, MusicTokenizer
from .vocabulary import Attributes, Key

MIN_SEQ_LEN = 32  # tokens in a training crop: the control prefix and the start of a bar at least

SAMPLE_PROMPT = "an upbeat pop song in G major at 120 bpm with piano, bass and drums"


@dataclass
class TrainConfig:
    data: str
    out: str
    size: str = "small"
    steps: int = 2000
    batch_size: int = 16
    seq_len: int = 512
    learning_rate: float = 1e-3
    min_learning_rate: float = 1e-4
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    condition_dropout: float = 0.1
    keep_attribute: float = 0.7
    eval_every: int = 200
    eval_batches: int = 4
    checkpoint_every: int = 200
    seed: int = 0
    text_encoder: str = "minilm"
    precision: str = "bf16"  # autocast dtype for forward passes: bf16 | fp16 (GPU) | fp32
    model: dict = field(default_factory=dict)  # overrides of the size preset (or of init_from's shape)
    init_from: str | None = None  # a trained model folder to start from

    def __post_init__(self) -> None:
        """Settings that cannot train are refused before a run folder exists."""
        at_least = {"steps": 1, "batch_size": 1, "seq_len": MIN_SEQ_LEN, "eval_every": 1, "eval_batches": 1}
        at_least |= {"checkpoint_every": 1, "warmup_steps": 0}
        for name, low in at_least.items():
            value = getattr(self, name)
            if isinstance(value, float) and value.is_integer():  # JSON may write 150 as 150.0
                value = int(value)
                setattr(self, name, value)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise MusicGenError(f"{name} must be a whole number of at least {low}, got {value!r}")
        for name in (
            "learning_rate",
            "min_learning_rate",
            "weight_decay",
            "grad_clip",
            "condition_dropout",
            "keep_attribute",
        ):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise MusicGenError(f"{name} must be a finite number ≥ 0, got {value!r}")
        if self.learning_rate <= 0:
            raise MusicGenError(f"learning_rate must be more than 0, got {self.learning_rate!r}")
        for name in ("condition_dropout", "keep_attribute"):
            if getattr(self, name) > 1:
                raise MusicGenError(f"{name} must be within 0–1, got {getattr(self, name)!r}")

    @classmethod
    def from_file(cls, path: str | Path, **overrides: object) -> TrainConfig:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as error:
            raise MusicGenError(f"cannot read training config {path}: {error}") from error
        if not isinstance(data, dict):
            raise MusicGenError(f"{path} should hold a JSON object of training settings")
        unknown = sorted(set(data) - set(cls.__dataclass_fields__))
        if unknown:
            raise MusicGenError(
                f"{path}: unknown settings {', '.join(unknown)} (known: {', '.join(cls.__dataclass_fields__)})"
            )
        data.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**data)


@dataclass
class Piece:
    tokens: np.ndarray
    bar_starts: np.ndarray
    attributes: Attributes
    caption: str | None
    features: dict | None = None


def load_pieces(folder: Path, split: str, tokenizer: MusicTokenizer) -> list[Piece]:
    bar = tokenizer.vocab["Bar_None"]
    pieces: list[Piece] = []
    shards = sorted((folder / "shards").glob("*.npz"))
    if not shards:
        raise MusicGenError(f"no data in {folder}: run `musicgen-symbolic data build --out {folder}` first")
    for shard in shards:
        arrays = np.load(shard, allow_pickle=False)
        tokens, lengths = arrays["tokens"], arrays["lengths"]
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        lines = shard.with_suffix(".jsonl").read_text().splitlines()
        for index, line in enumerate(lines):
            record = json.loads(line)
            if record["split"] != split:
                continue
            sequence = tokens[offsets[index] : offsets[index + 1]].astype(np.int64)
            pieces.append(
                Piece(
                    sequence,
                    np.flatnonzero(sequence == bar),
                    _attributes(record["attributes"]),
                    record.get("caption"),
                    record.get("features"),
                )
            )
    return pieces


def _attributes(data: dict) -> Attributes:
    return Attributes(
        tempo=data["tempo"],
        key=Key(*data["key"]) if data["key"] else None,
        time_signature=tuple(data["time_signature"]) if data["time_signature"] else None,
        instruments=tuple(data["instruments"]) if data["instruments"] else None,
        genre=data["genre"],
        mood=data["mood"],
    )


class Batcher:
    """Draws training rows from a torch.Generator, whose state is saved for exact resume."""

    def __init__(self, pieces: list[Piece], tokenizer: MusicTokenizer, config: TrainConfig, seed: int) -> None:
        if not pieces:
            raise MusicGenError("this split has no pieces: build more data")
        self.pieces, self.tokenizer, self.config = pieces, tokenizer, config
        self.generator = torch.Generator().manual_seed(seed)

    def _draw(self, high: int) -> int:
        return int(torch.randint(high, (1,), generator=self.generator))

    def row(self) -> tuple[list[int], str, bool]:
        """(prefix + BOS + crop, caption, dropped?) for one random piece."""
        config, tokenizer = self.config, self.tokenizer
        piece = self.pieces[self._draw(len(self.pieces))]
        rng = np.random.default_rng(self._draw(2**31))
        dropped = rng.random() < config.condition_dropout
        if dropped:
            caption, prefix = "", tokenizer.null_prefix()
        else:
            use_human = piece.caption and rng.random() < 0.7
            caption = (
                piece.caption
                if use_human
                else describe(
                    piece.attributes, choose_mention(piece.attributes, rng, config.keep_attribute), rng, piece.features
                )
            )
            prefix = tokenizer.control_prefix(parse_prompt(caption))
        start = int(piece.bar_starts[self._draw(len(piece.bar_starts))])
        body = list(piece.tokens[start : start + config.seq_len])
        if start > 0:  # restore the piece's tempo token after the crop's first position, as the grammar expects
            kinds = tokenizer.tables.kind
            tempo = next(int(t) for t in piece.tokens if kinds[t] == KIND["Tempo"])
            first = next((n for n, t in enumerate(body) if kinds[t] == KIND["Position"]), None)
            if first is not None:
                body.insert(first + 1, tempo)
            body = tokenizer.carry_program(piece.tokens[:start], body)
        sequence = prefix + [tokenizer.bos_id] + body
        return sequence[: config.seq_len], caption, dropped

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor, list[str], torch.Tensor]:
        rows = [self.row() for _ in range(size)]
        width = max(len(r[0]) for r in rows)
        tokens = torch.full((size, width), self.tokenizer.pad_id, dtype=torch.long)
        for i, (sequence, _, _) in enumerate(rows):
            tokens[i, : len(sequence)] = torch.tensor(sequence)
        targets = tokens[:, 1:].clone()
        targets[targets == self.tokenizer.pad_id] = -100
        prefix_length = len(self.tokenizer.null_prefix())
        targets[:, :prefix_length] = -100  # the prefix is given, not predicted
        return tokens[:, :-1], targets, [r[1] for r in rows], torch.tensor([r[2] for r in rows])


RESHAPABLE = ("n_kv_head", "max_seq_len", "dropout")  # what init_from may change about a trained model


def initial_model(config: TrainConfig, tokenizer: MusicTokenizer, encoder: TextEncoder) -> MusicTransformer:
    """Random weights of ``config.size`` (plus ``config.model`` overrides), or ``config.init_from``'s weights."""
    if config.init_from is None:
        if config.size not in SIZES:
            raise MusicGenError(f"unknown size {config.size!r}: choose {', '.join(SIZES)}")
        try:
            shape = ModelConfig(vocab_size=len(tokenizer), d_text=encoder.dim, **{**SIZES[config.size], **config.model})
        except (TypeError, ValueError) as error:
            raise MusicGenError(f"invalid model shape: {error}") from error
        return MusicTransformer(shape)
    source = MusicGenSymbolic.from_pretrained(config.init_from, text_encoder=encoder)
    base = source.model.config
    fixed = sorted(k for k, v in config.model.items() if k not in RESHAPABLE and getattr(base, k, None) != v)
    if fixed:
        raise MusicGenError(
            f"init_from keeps the model's shape: {', '.join(fixed)} cannot change (only {', '.join(RESHAPABLE)})"
        )
    try:
        shape = ModelConfig.from_dict({**base.to_dict(), **config.model, "vocab_size": len(tokenizer)})
        weights = group_key_value_heads(source.model.state_dict(), base, shape.kv_heads)
    except (TypeError, ValueError) as error:
        raise MusicGenError(f"cannot start from {config.init_from}: {error}") from error
    if source.tokenizer.vocab != tokenizer.vocab:
        weights = extend_vocabulary(weights, source.tokenizer, tokenizer, f"{config.init_from} and {config.data}")
    model = MusicTransformer(shape)
    model.load_state_dict(weights)
    return model


def extend_vocabulary(weights: dict, old: MusicTokenizer, new: MusicTokenizer, names: str) -> dict:
    """Embeddings for a tokenizer that only adds tokens at the end: fused tokens (each new row the mean of its two
    parts' rows) and chord tokens (the mean of its tones' ``Pitch`` rows in the middle octave; ``Chord_N`` the mean
    of all the old rows). This lets a model trained before those tokens existed start training on data that has
    them."""
    same_prefix = all(new.vocab.get(token) == index for token, index in old.vocab.items())
    parts = [_parts_of(new, index) for index in range(len(old), len(new))]
    if not same_prefix or any(p is None or (p and max(p) >= len(old)) for p in parts):
        raise MusicGenError(f"{names} use different tokenizers (only added fused or chord tokens can be bridged)")
    embedding = weights["token_embedding.weight"]
    rows = [embedding[list(p)].mean(0) if p else embedding.mean(0) for p in parts]
    extended = torch.cat([embedding, torch.stack(rows)]) if rows else embedding
    return {**weights, "token_embedding.weight": extended, "lm_head.weight": extended}


def _parts_of(tokenizer: MusicTokenizer, index: int) -> list[int] | None:
    """The old tokens a new token's embedding starts from (``[]``: all of them), None if it cannot be bridged."""
    fused = tokenizer.fused_parts(index)
    if fused is not None:
        return list(fused)
    if tokenizer.tables.kind[index] != KIND["Chord"]:
        return None
    chord = tokenizer.chord_of(index)
    return [] if chord is None else [tokenizer.vocab[f"Pitch_{60 + tone}"] for tone in chord.tones]


def text_condition(model: MusicTransformer, encoder: TextEncoder, captions: list[str], dropped: torch.Tensor):  # noqa: ANN201
    """Text memory for a batch; dropped rows get the model's learned null condition."""
    texts = [c if c else "-" for c in captions]
    memory, mask = encoder.encode(texts)
    memory, mask = memory.to(model.null_text.device), mask.to(model.null_text.device)
    null_memory, null_mask = model.null_condition(len(captions), memory.shape[1])
    keep = ~dropped[:, None]
    memory = torch.where(keep[:, :, None], memory, null_memory)
    return memory, torch.where(keep, mask, null_mask)


def learning_rate(step: int, config: TrainConfig) -> float:
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    progress = min(1.0, (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps))
    return config.min_learning_rate + 0.5 * (1 + math.cos(math.pi * progress)) * (
        config.learning_rate - config.min_learning_rate
    )


# ---------------------------------------------------------------------------- checkpoints (safetensors only)


def save_checkpoint(
    folder: Path,
    model: MusicTransformer,
    optimizer: torch.optim.Optimizer,
    batcher: Batcher,
    step: int,
    config: TrainConfig,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    weights = model.weights_to_save()
    save_file(weights, str(folder / "model.safetensors.part"))
    state = {"rng": batcher.generator.get_state()}
    for index, slot in optimizer.state_dict()["state"].items():
        for name, value in slot.items():
            state[f"opt.{index}.{name}"] = value.cpu() if torch.is_tensor(value) else torch.tensor(value)
    save_file(state, str(folder / "optimizer.safetensors.part"))
    (folder / "state.json.part").write_text(json.dumps({"step": step, "config": asdict(config)}))
    for name in ("model.safetensors", "optimizer.safetensors", "state.json"):
        os.replace(folder / f"{name}.part", folder / name)


def load_checkpoint(folder: Path, model: MusicTransformer, optimizer: torch.optim.Optimizer, batcher: Batcher) -> int:
    model.load_state_dict(
        load_file(str(folder / "model.safetensors"), device=str(model.null_text.device)), strict=False
    )
    state = load_file(str(folder / "optimizer.safetensors"), device=str(model.null_text.device))
    batcher.generator.set_state(state.pop("rng").cpu())
    optimizer_state = optimizer.state_dict()
    slots: dict[int, dict] = {}
    for key, value in state.items():
        _, index, name = key.split(".", 2)
        slots.setdefault(int(index), {})[name] = value
    optimizer_state["state"] = slots
    optimizer.load_state_dict(optimizer_state)
    return int(json.loads((folder / "state.json").read_text())["step"])


# ---------------------------------------------------------------------------- the loop


def _device() -> torch.device:
    if torch.cuda.is_available():
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        torch.cuda.set_device(local_rank)
        return torch.device("cuda", local_rank)
    return torch.device("cpu")


def autocast(precision: str) -> torch.autocast:
    """Mixed precision on CPU (bf16) or GPU (bf16/fp16); fp32 disables it."""
    dtypes = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}
    if precision not in dtypes:
        raise MusicGenError(f"unknown precision {precision!r}: choose {', '.join(dtypes)}")
    device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.autocast(device, dtype=dtypes[precision], enabled=precision != "fp32")


def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    rank = torch.distributed.get_rank() if world > 1 else 0
    return rank, world


@torch.no_grad()
def evaluate(model, encoder, batcher: Batcher, batches: int, size: int) -> float:  # noqa: ANN001
    model.eval()
    state = batcher.generator.get_state()
    batcher.generator.manual_seed(12345)  # the same validation rows every time
    losses = []
    for _ in range(batches):
        device = model.null_text.device
        inputs, targets, captions, dropped = (t.to(device) if torch.is_tensor(t) else t for t in batcher.batch(size))
        memory, mask = text_condition(model, encoder, captions, dropped)
        logits = model(inputs, memory, mask)
        losses.append(F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=-100).item())
    batcher.generator.set_state(state)
    model.train()
    return float(np.mean(losses))


def train(config: TrainConfig, progress: bool = True, stop_after: int | None = None) -> list[float]:
    """Train (or resume) into ``config.out``; returns the training losses of the steps run here."""
    from tqdm import tqdm

    rank, world = _distributed()
    torch.manual_seed(config.seed)
    data, out = Path(config.data), Path(config.out)
    tokenizer = MusicTokenizer.load(data / "tokenizer.json")
    encoder = load_text_encoder(config.text_encoder)
    model = initial_model(config, tokenizer, encoder)
    if config.seq_len > model.config.max_seq_len:
        raise MusicGenError(f"seq_len {config.seq_len} exceeds the model's max_seq_len {model.config.max_seq_len}")
    device = _device()
    model = model.to(device)
    encoder = encoder.to(device)
    train_batcher = Batcher(load_pieces(data, "train", tokenizer), tokenizer, config, config.seed + rank)
    val_pieces = load_pieces(data, "validation", tokenizer)
    val_batcher = Batcher(val_pieces, tokenizer, config, 0) if val_pieces else None
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
        lr=config.learning_rate,
        betas=(0.9, 0.95),
    )
    step = 0
    checkpoint = out / "checkpoint" if world == 1 else out / "checkpoint" / f"rank{rank}"
    if (checkpoint / "state.json").exists():
        step = load_checkpoint(checkpoint, model, optimizer, train_batcher)
    network = (
        torch.nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
        if world > 1
        else model
    )
    if rank == 0:
        out.mkdir(parents=True, exist_ok=True)
        (out / "train_config.json").write_text(json.dumps(asdict(config), indent=2) + "\n")
    log_path = out / "log.csv"
    losses: list[float] = []
    model.train()
    last_end = min(config.steps, step + stop_after) if stop_after else config.steps
    started, tokens_seen = time.time(), 0
    bar = tqdm(total=config.steps, initial=step, desc="training", unit="step", disable=not progress or rank != 0)
    while step < last_end:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, config)
        inputs, targets, captions, dropped = (
            t.to(device) if torch.is_tensor(t) else t for t in train_batcher.batch(config.batch_size)
        )
        memory, mask = text_condition(model, encoder, captions, dropped)
        with autocast(config.precision):
            logits = network(inputs, memory, mask)
            loss = F.cross_entropy(logits.flatten(0, 1).float(), targets.flatten(), ignore_index=-100)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        step += 1
        losses.append(loss.item())
        tokens_seen += int((targets != -100).sum())
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % config.checkpoint_every == 0 or step == last_end:
            save_checkpoint(checkpoint, model, optimizer, train_batcher, step, config)
        if rank != 0:
            continue
        val_loss = None
        if val_batcher and (step % config.eval_every == 0 or step == config.steps):
            val_loss = evaluate(model, encoder, val_batcher, config.eval_batches, config.batch_size)
        _log(
            log_path,
            step,
            learning_rate(step - 1, config),
            loss.item(),
            val_loss,
            tokens_seen / (time.time() - started),
        )
        if step % config.checkpoint_every == 0 or step == last_end:
            _export(model, tokenizer, encoder, config, step, out / "model", log_path)
    bar.close()
    return losses


def _log(path: Path, step: int, lr: float, loss: float, val_loss: float | None, tokens_per_s: float) -> None:
    new = not path.exists()
    with path.open("a", newline="") as handle:
        writer = csv.writer(handle)
        if new:
            writer.writerow(["step", "lr", "train_loss", "val_loss", "tokens_per_s"])
        writer.writerow(
            [step, f"{lr:.6g}", f"{loss:.5f}", "" if val_loss is None else f"{val_loss:.5f}", f"{tokens_per_s:.0f}"]
        )


def _export(model, tokenizer, encoder, config: TrainConfig, step: int, folder: Path, log_path: Path) -> None:  # noqa: ANN001
    """Write a usable model folder, a sample MIDI (samples/step_N.mid) and the loss curve beside the checkpoint."""
    rows = list(csv.DictReader(log_path.open()))
    val = [float(r["val_loss"]) for r in rows if r["val_loss"]]
    metadata = {
        "trained": True,
        "size": config.size,
        "steps": step,
        "train_loss": float(rows[-1]["train_loss"]),
        "val_loss": val[-1] if val else None,
        "parameters": model.num_parameters(),
        "context": config.seq_len - 1,  # inputs are the first seq_len - 1 tokens of each crop
    }
    if config.init_from:
        metadata["init_from"] = config.init_from
    generator = MusicGenSymbolic(model, tokenizer, encoder, metadata)
    generator.save_pretrained(folder)  # copies tensors to the CPU
    if encoder.device.type != "cpu":  # the decoder runs on the CPU: sample from the saved folder there
        generator = MusicGenSymbolic.from_pretrained(folder, text_encoder=encoder.spec)
    samples = folder.parent / "samples"
    samples.mkdir(exist_ok=True)
    save_midi(generator.generate(SAMPLE_PROMPT, bars=4, seed=0), samples / f"step_{step:06d}.mid")
    model.train()
    plot_losses(rows, folder.parent / "loss.png")


def plot_losses(rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4))
    axis.plot([int(r["step"]) for r in rows], [float(r["train_loss"]) for r in rows], label="train", alpha=0.6)
    val = [(int(r["step"]), float(r["val_loss"])) for r in rows if r["val_loss"]]
    if val:
        axis.plot(*zip(*val, strict=True), "o-", label="validation")
    axis.set_xlabel("step")
    axis.set_ylabel("cross-entropy (nats/token)")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
