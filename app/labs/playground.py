"""The Playground: TensorFlow Playground's page and past it (templates/playground.html)."""

from app.labs import Lab

LAB = Lab(
    name="playground",
    title="Playground",
    path="/",
    template="playground.html",
    summary="Train a small network on 2-D data and watch every neuron learn, live.",
    order=0,
)
