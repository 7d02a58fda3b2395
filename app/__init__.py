"""NN Playground's web app: pages, the catalog API and training sessions over websockets."""
