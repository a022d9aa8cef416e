"""S3 document store (invoice PDFs, cost estimates)."""

from __future__ import annotations

from typing import Any


class S3DocumentStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.requests = 0

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.requests += 1
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )

    def get(self, key: str) -> bytes:
        self.requests += 1
        return bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def presigned_url(
        self,
        key: str,
        filename: str,
        expires_seconds: int,
        *,
        media_type: str = "application/pdf",
        download: bool = False,
    ) -> str:
        return str(
            self.s3.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": f'{"attachment" if download else "inline"}; filename="{filename}"',
                    "ResponseContentType": media_type,
                },
                ExpiresIn=expires_seconds,
            )
        )
