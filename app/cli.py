"""`nn-playground --host --port`: run the server with one uvicorn worker."""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> None:
    # One BLAS thread: on two cores more threads made small NumPy passes far slower.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    from app.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(prog="nn-playground", description=__doc__)
    parser.add_argument("--host", default=settings.host, help="interface (NNP_HOST)")
    parser.add_argument("--port", type=int, default=settings.port, help="port (NNP_PORT)")
    args = parser.parse_args(argv)

    import uvicorn

    # One worker: sessions live in this process's memory.
    uvicorn.run("app.main:create_app", factory=True, host=args.host, port=args.port, workers=1)


if __name__ == "__main__":
    main()
