"""Security headers on every response (DESIGN section 9)."""

from urllib.parse import unquote, urlsplit

from flask import Flask, Response, request, session

# Everything is served from this service: no inline script, no third-party assets.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


# Pages behind a sign-in: never kept by a browser or a shared cache.
PRIVATE_BLUEPRINTS = ("accounts", "manage", "moderation", "admin", "insights")


def is_private(response: Response) -> bool:
    """Whether a response is for one person: signed-in pages, account pages and every export."""
    return (
        "_user_id" in session
        or request.blueprint in PRIVATE_BLUEPRINTS
        or request.endpoint == "api.demand"
        or response.headers.get("Content-Disposition", "").startswith("attachment")
    )


def init_app(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        if is_private(response):
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Founders' searches must not leak to the listings' own websites through Referer.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def safe_next(target: str | None, default: str) -> str:
    """Follow `next` only to a relative path on this site; anything else goes to default."""
    if not target:
        return default
    decoded = unquote(target)
    # Browsers treat backslashes as slashes and drop tabs and newlines, so "/\\evil" and
    # "/%09/evil" would leave the site; refuse them, encoded or not.
    if any(char in decoded for char in "\\\t\r\n\x00") or any(ord(c) < 32 for c in decoded):
        return default
    if not decoded.startswith("/") or decoded.startswith("//"):
        return default
    parts = urlsplit(decoded)
    if parts.scheme or parts.netloc:
        return default
    return target
