"""The document store (``ports.DocumentStore``, S3 in production) in memory."""

from __future__ import annotations

from heatportal.ports import DocumentStore


class InMemoryDocumentStore(DocumentStore):
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.puts = 0

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.puts += 1
        self.objects[key] = (body, content_type)

    def get(self, key: str) -> bytes:
        return self.objects[key][0]

    def presigned_url(
        self,
        key: str,
        filename: str,
        expires_seconds: int,
        *,
        media_type: str = "application/pdf",
        download: bool = False,
    ) -> str:
        # Stricter than S3, which signs a link to any key: a link to nothing is a test's mistake.
        if key not in self.objects:
            raise KeyError(key)
        shown = "attachment" if download else "inline"
        return (
            f"https://documents.example/{key}?filename={filename}&expires={expires_seconds}&type={media_type}&{shown}"
        )
