#!/usr/bin/env python3
"""Parse a Prometheus text exposition with the reference parser (prometheus_client) and print
its samples as JSON: [{"name", "labels", "value", "type"}]. Exits 1 if the text does not parse.

    curl -s -H "Authorization: Bearer $METRICS_TOKEN" http://127.0.0.1:8080/metrics > metrics.txt
    python3 Deploy/observability/parse-metrics.py metrics.txt

Needs `pip install prometheus-client`."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families


def main() -> int:
    text = open(sys.argv[1], encoding="utf-8").read() if len(sys.argv) > 1 else sys.stdin.read()
    try:
        samples = [
            {"name": sample.name, "labels": sample.labels, "value": sample.value, "type": family.type}
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]
    except Exception as error:  # the parser raises ValueError and others for malformed text
        print(f"not a valid Prometheus exposition: {error}", file=sys.stderr)
        return 1
    json.dump(samples, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
