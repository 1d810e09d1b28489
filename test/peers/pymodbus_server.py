#!/usr/bin/python3
"""An independent Modbus server for the hub's tests: Debian's python3-pymodbus.

usage: pymodbus_server.py MODE ADDRESS SPEC
  MODE     tcp | rtu-over-tcp | rtu
  ADDRESS  port (tcp, rtu-over-tcp, on 127.0.0.1) or a serial device path (rtu, 9600 8N1)
  SPEC     JSON: {"units": {"1": {"hr": [..], "ir": [..], "co": [..], "di": [..]}}}; values start at address 0
Prints "ready" when it serves.
"""
import asyncio
import json
import socket
import sys

from pymodbus.datastore import ModbusSequentialDataBlock, ModbusServerContext, ModbusSlaveContext
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer
from pymodbus.transaction import ModbusRtuFramer, ModbusSocketFramer


def context(spec):
    slaves = {}
    for unit, tables in spec["units"].items():
        block = lambda name: ModbusSequentialDataBlock(0, (tables.get(name) or [0]) + [0] * 200)
        # zero_mode: address 0 is the first value, as the protocol addresses it
        slaves[int(unit)] = ModbusSlaveContext(
            hr=block("hr"), ir=block("ir"), co=block("co"), di=block("di"), zero_mode=True
        )
    return ModbusServerContext(slaves=slaves, single=False)


async def main():
    mode, address, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    ctx = context(spec)
    if mode == "rtu":
        asyncio.get_running_loop().call_later(0.5, lambda: print("ready", flush=True))
        await StartAsyncSerialServer(
            context=ctx, framer=ModbusRtuFramer, port=address, baudrate=9600, bytesize=8, parity="N", stopbits=1
        )
    else:
        framer = ModbusRtuFramer if mode == "rtu-over-tcp" else ModbusSocketFramer
        asyncio.get_running_loop().create_task(announce_when_listening(int(address)))
        await StartAsyncTcpServer(context=ctx, framer=framer, address=("127.0.0.1", int(address)))


async def announce_when_listening(port):
    """Say "ready" once the port accepts connections, not before."""
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                print("ready", flush=True)
                return
        except OSError:
            await asyncio.sleep(0.05)


asyncio.run(main())
