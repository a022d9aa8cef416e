"""S3: the document store (invoice PDFs, cost estimates) and a bill run's
account manifest and result files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from heatportal.adapters.aws import transient_as_failure


class S3DocumentStore:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.requests = 0

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.requests += 1
        transient_as_failure(
            "S3 PutObject",
            lambda: self.s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType=content_type, ServerSideEncryption="AES256"
            ),
        )

    def get(self, key: str) -> bytes:
        self.requests += 1
        return transient_as_failure(
            "S3 GetObject", lambda: bytes(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        )

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


class S3RunManifests:
    """The accounts of a run as the Distributed Map's ItemReader reads them (a
    JSON array of customer numbers), and the ResultWriter's files."""

    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.requests = 0

    def write_accounts(self, key: str, customer_numbers: Sequence[str]) -> None:
        self.requests += 1
        body = json.dumps(list(customer_numbers), separators=(",", ":")).encode()
        transient_as_failure(
            "S3 PutObject",
            lambda: self.s3.put_object(
                Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", ServerSideEncryption="AES256"
            ),
        )

    def read_json(self, bucket: str, key: str) -> object:
        if bucket != self.bucket:
            raise ValueError(f"result files are expected in {self.bucket}, not {bucket}")
        self.requests += 1
        body = transient_as_failure("S3 GetObject", lambda: self.s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return json.loads(body)
