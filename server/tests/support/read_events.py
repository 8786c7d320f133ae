"""Reads every message of Tessera's JetStream stream with nats-py (a client no one here
wrote), through a durable pull consumer, as a downstream consumer would. Prints one JSON
line per message: stream sequence, subject, Nats-Msg-Id header and the parsed payload.

With SCHEMA (a JSON Schema file), every payload is validated against it with jsonschema;
the script fails on the first that does not conform.

usage: read_events.py NATS_URL DURABLE_NAME [SCHEMA]
"""
import asyncio
import json
import sys

import nats
from nats.errors import TimeoutError as NatsTimeout


async def main(url: str, durable: str, schema_path: str | None) -> None:
    validator = None
    if schema_path:
        import jsonschema
        with open(schema_path) as schema:
            validator = jsonschema.Draft202012Validator(json.load(schema))
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe("tessera.>", durable=durable, stream="TESSERA")
    while True:
        try:
            batch = await sub.fetch(100, timeout=1)
        except (NatsTimeout, asyncio.TimeoutError):
            # nats-py raises either, depending on its version and on where the wait ended.
            break
        for msg in batch:
            if validator:
                validator.validate(json.loads(msg.data))
            print(json.dumps({
                "seq": msg.metadata.sequence.stream,
                "subject": msg.subject,
                "msg_id": (msg.headers or {}).get("Nats-Msg-Id"),
                "payload": json.loads(msg.data),
            }))
            await msg.ack()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
