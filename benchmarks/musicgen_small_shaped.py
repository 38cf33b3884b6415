"""Save a MusicGen with facebook/musicgen-small's exact architecture and random weights, to time it offline.

    python benchmarks/musicgen_small_shaped.py DIR
    python benchmarks/speed.py --musicgen-model DIR

Why: the real weights cannot be downloaded on a machine without the hub, but generation time does not depend
on the weights' values (MusicGen always decodes duration × 50 frames of 4 codebooks), so a model of the same
shape gives the same speed. The audio it makes is noise. The configuration below is musicgen-small's:
a T5-base text encoder, a 24-layer 1024-wide decoder over 4 codebooks of 2048 codes, and EnCodec at 32 kHz.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def build(folder: Path) -> Path:
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import (
        EncodecConfig,
        EncodecFeatureExtractor,
        GenerationConfig,
        MusicgenConfig,
        MusicgenDecoderConfig,
        MusicgenForConditionalGeneration,
        MusicgenProcessor,
        T5Config,
        T5TokenizerFast,
    )

    words = "an upbeat pop song in g major at 120 bpm with piano bass and drums".split()
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0)] + [("\u2581" + word, -1.0) for word in words]
    backend = Tokenizer(models.Unigram(pieces, unk_id=2))
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer = T5TokenizerFast(
        tokenizer_object=backend, extra_ids=0, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )
    config = MusicgenConfig(
        text_encoder=T5Config(vocab_size=32128, d_model=768, d_ff=3072, d_kv=64, num_layers=12, num_heads=12),
        audio_encoder=EncodecConfig(
            sampling_rate=32000,
            audio_channels=1,
            hidden_size=128,
            num_filters=64,
            num_residual_layers=1,
            num_lstm_layers=2,
            upsampling_ratios=[8, 5, 4, 4],
            codebook_size=2048,
            codebook_dim=128,
            target_bandwidths=[2.2],
            use_causal_conv=False,
            norm_type="weight_norm",
            normalize=False,
            pad_mode="reflect",
        ),
        decoder=MusicgenDecoderConfig(
            vocab_size=2048,
            hidden_size=1024,
            ffn_dim=4096,
            num_hidden_layers=24,
            num_attention_heads=16,
            num_codebooks=4,
            max_position_embeddings=2048,
            pad_token_id=2048,
            bos_token_id=2048,
        ),
    )
    torch.manual_seed(0)
    model = MusicgenForConditionalGeneration(config)
    with torch.no_grad():  # a fresh EnCodec's codebooks are zeros: make codes decode to different audio
        for layer in model.audio_encoder.quantizer.layers:
            layer.codebook.embed.normal_()
            layer.codebook.embed_avg.copy_(layer.codebook.embed)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=2048, pad_token_id=2048, bos_token_id=2048, do_sample=True, guidance_scale=3.0
    )
    model.save_pretrained(folder)
    MusicgenProcessor(
        feature_extractor=EncodecFeatureExtractor(feature_size=1, sampling_rate=32000), tokenizer=tokenizer
    ).save_pretrained(folder)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    folder = build(parser.parse_args().folder)
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
