"""Refresh page-view metrics for recently published posts."""

from __future__ import annotations

import os
from datetime import date, timedelta
from typing import Optional

import boto3
from prefect import flow, get_run_logger, task

CLEAN_BUCKET = os.environ.get("BLOG_DATA_CLEAN_BUCKET", "blog-data-clean-dev")


@task(retries=3, retry_delay_seconds=30)
def fetch_page_views(day: date) -> dict[str, int]:
    """Reads one day's page-view export (path -> views)."""
    s3 = boto3.client("s3")
    key = f"analytics/page-views/{day.isoformat()}.csv"
    body = s3.get_object(Bucket=CLEAN_BUCKET, Key=key)["Body"].read().decode()
    views: dict[str, int] = {}
    for line in body.splitlines()[1:]:
        path, count = line.rsplit(",", 1)
        views[path] = views.get(path, 0) + int(count)
    return views


@task
def write_metrics(totals: dict[str, int]) -> str:
    s3 = boto3.client("s3")
    key = "metrics/post-views/latest.csv"
    rows = "\n".join(f"{path},{views}" for path, views in sorted(totals.items()))
    s3.put_object(Bucket=CLEAN_BUCKET, Key=key, Body=f"path,views\n{rows}\n".encode())
    return key


@flow
def refresh_post_metrics(window_days: int = 7, only_path_prefix: Optional[str] = None) -> str:
    """Sums page views over the last `window_days` days and writes the totals."""
    logger = get_run_logger()
    totals: dict[str, int] = {}
    today = date.today()
    for offset in range(1, window_days + 1):
        for path, views in fetch_page_views(today - timedelta(days=offset)).items():
            if only_path_prefix and not path.startswith(only_path_prefix):
                continue
            totals[path] = totals.get(path, 0) + views
    key = write_metrics(totals)
    logger.info("wrote %d post totals to s3://%s/%s", len(totals), CLEAN_BUCKET, key)
    return key
