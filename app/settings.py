"""Settings from the environment, all with the prefix NNP_ (documented in the README)."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NNP_", frozen=True)

    host: str = Field("127.0.0.1", description="interface to listen on")
    port: int = Field(8000, ge=1, le=65535, description="TCP port")
    frame_rate: float = Field(30.0, gt=0, le=120, description="frames per second cap per session")
    max_sessions: int = Field(32, ge=1, le=10_000, description="concurrent training sessions")
    max_layers: int = Field(32, ge=1, le=64, description="hidden layers per network")
    max_neurons: int = Field(32, ge=1, le=1024, description="neurons per hidden layer")
    max_points: int = Field(5000, ge=10, le=100_000, description="data points per session")
    max_batch_size: int = Field(1000, ge=1, le=4096, description="examples per gradient step")
    max_upload_bytes: int = Field(262_144, ge=1024, description="size of a CSV upload or import")
    max_message_bytes: int = Field(1_048_576, ge=1024, description="size of any client message")
    max_epochs_per_step: int = Field(1000, ge=1, description="epochs one Step command may ask")
    grid: int = Field(100, ge=10, le=200, description="output heatmap resolution (n x n)")
    thumb: int = Field(20, ge=5, le=50, description="neuron thumbnail resolution; divides grid")

    @model_validator(mode="after")
    def _thumb_divides_grid(self) -> Settings:
        # neuron thumbnails are block averages of the grid
        if self.grid % self.thumb:
            raise ValueError(f"thumb ({self.thumb}) must divide grid ({self.grid})")
        return self

    def limits(self) -> dict[str, int]:
        return {
            "max_layers": self.max_layers,
            "max_neurons": self.max_neurons,
            "max_points": self.max_points,
            "max_batch_size": self.max_batch_size,
            "max_upload_bytes": self.max_upload_bytes,
            "max_epochs_per_step": self.max_epochs_per_step,
        }


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read once (tests build their own Settings instead)."""
    return Settings()
