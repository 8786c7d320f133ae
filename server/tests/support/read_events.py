"""Reads every message of Tessera's JetStream stream with nats-py (a client no one here
wrote), through a durable pull consumer, as a downstream consumer would. Prints one JSON
line per message: stream sequence, subject, Nats-Msg-Id header and the parsed payload.

usage: read_events.py NATS_URL DURABLE_NAME
"""
import asyncio
import json
import sys

import nats
from nats.errors import TimeoutError as NatsTimeout


async def main(url: str, durable: str) -> None:
    nc = await nats.connect(url)
    js = nc.jetstream()
    sub = await js.pull_subscribe("tessera.>", durable=durable, stream="TESSERA")
    while True:
        try:
            batch = await sub.fetch(100, timeout=1)
        except NatsTimeout:
            break
        for msg in batch:
            print(json.dumps({
                "seq": msg.metadata.sequence.stream,
                "subject": msg.subject,
                "msg_id": (msg.headers or {}).get("Nats-Msg-Id"),
                "payload": json.loads(msg.data),
            }))
            await msg.ack()
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
