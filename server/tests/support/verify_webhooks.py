"""Verifies webhook deliveries with the PyPI `standardwebhooks` library (the Standard
Webhooks reference implementation, which no one here wrote). Reads JSON lines
{"headers": {...}, "body": "..."} from stdin; exits 1 on the first that does not verify,
else prints how many did.

usage: verify_webhooks.py WHSEC_SECRET < deliveries.jsonl
"""
import json
import sys

from standardwebhooks.webhooks import Webhook

hook = Webhook(sys.argv[1])
count = 0
for line in sys.stdin:
    delivery = json.loads(line)
    hook.verify(delivery["body"], delivery["headers"])
    count += 1
print(count)
