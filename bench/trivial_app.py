"""The framework's ceiling for bench/throughput.py: a Flask app with one trivial endpoint."""

from flask import Flask

app = Flask(__name__)


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def anything(path: str) -> str:
    """Answer at once, whatever the address."""
    return "ok"
