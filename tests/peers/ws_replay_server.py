#!/usr/bin/python3
# usage: ws_replay_server.py --cert CERT --key KEY --frames FILE [--port 0] [--mode MODE]
#
# A WebSocket-over-TLS server that is not levdyn's: Debian's python3-websockets replaying
# exchange frames (one per line of FILE) to every client, for levdyn's feed tests.
# Prints "PORT <n>" on stdout once listening. Modes:
#   replay      send the frames, then stay connected and silent (pings are answered)
#   close-after send the frames, then close the connection with code 1001 (each connection)
#   reset-after send the frames, then drop the TCP connection without a close frame
#   no-pong     send the frames, then stop answering pings (a dead peer)
# Each accepted connection is logged on stderr as "CONNECT <n> <path>".
import argparse
import asyncio
import ssl
import sys

import websockets


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--frames", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--mode", default="replay",
                    choices=["replay", "close-after", "reset-after", "no-pong"])
    args = ap.parse_args()
    with open(args.frames, encoding="utf-8") as f:
        frames = [line.rstrip("\n") for line in f if line.strip()]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(args.cert, args.key)
    connections = 0

    async def handler(ws, path):
        nonlocal connections
        connections += 1
        print(f"CONNECT {connections} {path}", file=sys.stderr, flush=True)
        for frame in frames:
            await ws.send(frame)
        if args.mode == "close-after":
            await ws.close(code=1001, reason="going away")
            return
        if args.mode == "reset-after":
            ws.transport.abort()
            return
        if args.mode == "no-pong":
            # Stop reading, so pings are never answered; keep the socket open.
            ws.transport.pause_reading()
            await asyncio.sleep(3600)
            return
        try:
            await ws.wait_closed()
        except Exception:
            pass

    ping_interval = None  # the client is the one that must keep the channel alive
    async with websockets.serve(handler, "127.0.0.1", args.port, ssl=ctx,
                                ping_interval=ping_interval, max_size=2**22) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"PORT {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
