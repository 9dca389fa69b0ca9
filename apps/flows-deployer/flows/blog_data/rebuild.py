"""Weekly full rebuild of the cleaned dataset and the documentation site."""

from __future__ import annotations

import os

import boto3
from prefect import flow, get_run_logger, task

RAW_BUCKET = os.environ.get("BLOG_DATA_RAW_BUCKET", "blog-data-raw-dev")
CLEAN_BUCKET = os.environ.get("BLOG_DATA_CLEAN_BUCKET", "blog-data-clean-dev")
WEBSITE_BUCKET = os.environ.get("BLOG_DATA_WEBSITE_BUCKET", "ron-website-docs-dev")


@task(retries=2, retry_delay_seconds=60)
def rebuild_clean(prefix: str) -> int:
    """Re-normalises every staged post under `prefix` into the clean bucket; returns the count."""
    s3 = boto3.client("s3")
    count = 0
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=RAW_BUCKET, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=RAW_BUCKET, Key=obj["Key"])["Body"].read()
            s3.put_object(Bucket=CLEAN_BUCKET, Key=obj["Key"].replace("staging/", "posts/", 1), Body=body.strip())
            count += 1
    return count


@task
def publish_status(count: int) -> None:
    """Writes the post count the docs site shows."""
    s3 = boto3.client("s3")
    s3.put_object(Bucket=WEBSITE_BUCKET, Key="status.json", Body=f'{{"posts": {count}}}'.encode())


@flow(
    name="rebuild-clean-dataset",
    retries=1,
)
def rebuild_clean_dataset(publish_site: bool = True, prefix: str = "staging/") -> int:
    """Rebuilds the clean dataset from every staged post, then optionally republishes the site."""
    logger = get_run_logger()
    count = rebuild_clean(prefix)
    if publish_site:
        publish_status(count)
    logger.info("rebuilt %d posts", count)
    return count
