"""Ingest new and edited blog posts from the CMS export into the raw bucket."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import boto3
from prefect import flow, get_run_logger, task
from prefect.tasks import exponential_backoff

RAW_BUCKET = os.environ.get("BLOG_DATA_RAW_BUCKET", "blog-data-raw-dev")
CMS_EXPORT_PREFIX = os.environ.get("BLOG_DATA_CMS_PREFIX", "cms-export/posts/")


@task(retries=3, retry_delay_seconds=exponential_backoff(backoff_factor=5))
def list_changed_posts(since: datetime, include_drafts: bool) -> list[dict]:
    """Lists CMS post exports modified since `since`."""
    s3 = boto3.client("s3")
    paginator = s3.get_paginator("list_objects_v2")
    changed: list[dict] = []
    for page in paginator.paginate(Bucket=RAW_BUCKET, Prefix=CMS_EXPORT_PREFIX):
        for obj in page.get("Contents", []):
            if obj["LastModified"] < since:
                continue
            if not include_drafts and "/drafts/" in obj["Key"]:
                continue
            changed.append({"key": obj["Key"], "modified": obj["LastModified"].isoformat()})
    return changed


@task(retries=2, retry_delay_seconds=10)
def stage_post(post: dict) -> str:
    """Copies one post export into the dated staging prefix and returns its new key."""
    s3 = boto3.client("s3")
    day = post["modified"][:10]
    target = f"staging/{day}/{os.path.basename(post['key'])}"
    s3.copy_object(Bucket=RAW_BUCKET, Key=target, CopySource={"Bucket": RAW_BUCKET, "Key": post["key"]})
    return target


@flow(name="ingest-blog-posts", log_prints=True)
def ingest_posts(lookback_hours: int = 26, include_drafts: bool = False) -> dict:
    """Stages every post changed in the last `lookback_hours` hours."""
    logger = get_run_logger()
    since = datetime.now(timezone.utc) - timedelta(hours=lookback_hours)
    posts = list_changed_posts(since, include_drafts)
    staged = stage_post.map(posts).result()
    summary = {"since": since.isoformat(), "staged": len(staged)}
    logger.info("ingest summary: %s", json.dumps(summary))
    return summary


if __name__ == "__main__":
    ingest_posts()
