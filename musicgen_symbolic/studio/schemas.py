"""The JSON bodies of the studio's API (FastAPI describes them at /openapi.json)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Sampling(BaseModel):
    temperature: float | None = Field(None, description="0 = greedy; default as the CLI's")
    cfg: float | None = Field(None, description="classifier-free guidance scale; 1 = off")
    key_strength: float | None = Field(None, description="pull towards the key's scale and the chords; 0 = off")
    seed: int | None = Field(None, description="the same seed gives the same piece")


class ParseRequest(BaseModel):
    prompt: str = Field(..., examples=["a sad jazz waltz in A minor with piano and bass, 16 bars"])
    fields: dict[str, str | int | float | None] | None = Field(
        None,
        description="corrections to what the prompt says (tempo, key, time_signature, instruments, bars, "
        "chords, form, genre, mood); blank = as the prompt says",
    )


class GenerateRequest(ParseRequest):
    sampling: Sampling = Field(default_factory=Sampling)
    candidates: int = Field(1, description="pieces generated side by side (1–4)")


class ContinueRequest(BaseModel):
    take: str = Field(..., description="the id of the take to continue (generated, continued or uploaded)")
    ending: bool = Field(False, description="play the last bars anew (another ending) instead of adding bars")
    bars: int | None = Field(None, description="bars to add (continue only; default 8)")
    sampling: Sampling = Field(default_factory=Sampling)


class Understood(BaseModel):
    understood: dict[str, str]


class JobAccepted(BaseModel):
    job: str
    status_url: str


class Error(BaseModel):
    error: str
